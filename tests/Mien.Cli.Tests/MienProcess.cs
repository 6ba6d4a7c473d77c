using System.Diagnostics;
using System.Threading.Channels;
using Mien.Testing;
using OpenCvSharp;

namespace Mien.Cli.Tests;

/// <summary>
/// `dotnet Mien.Cli.dll args…` as a real child process, for what only a process shows: signals, exit codes set by the
/// runtime, permissions. Standard error is read line by line so a test can wait for a line (e.g. progress) before it
/// acts, rather than sleeping. As root, <c>asUnprivileged</c> drops the capabilities that let root ignore
/// file modes (setpriv), so permission tests mean the same thing for root and for a user.
/// </summary>
internal sealed class MienProcess : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _errorLines = Channel.CreateUnbounded<string>();
    private readonly List<string> _error = [];
    private readonly Task<string> _output;

    private MienProcess(Process process)
    {
        _process = process;
        _output = process.StandardOutput.ReadToEndAsync();
        _ = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                lock (_error)
                {
                    _error.Add(line);
                }

                _errorLines.Writer.TryWrite(line);
            }

            _errorLines.Writer.TryComplete();
        });
    }

    public int Id => _process.Id;

    /// <summary>Whether tests can run Mien without root's file-permission override (setpriv exists, or we are not root).</summary>
    public static bool CanRunUnprivileged => !Environment.IsPrivilegedProcess || File.Exists("/usr/bin/setpriv");

    public static MienProcess Start(IEnumerable<string> args, bool asUnprivileged = false)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "Mien.Cli.dll");
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // A suite started in the background (nohup, `&`) inherits SIGINT ignored, and so would Mien: the interrupt
        // tests could not deliver Ctrl-C. GNU env resets it to the default before Mien starts.
        var resetInterrupt = File.Exists("/usr/bin/env");
        if (resetInterrupt)
        {
            psi.FileName = "/usr/bin/env";
            psi.ArgumentList.Add("--default-signal=INT");
        }

        if (asUnprivileged && Environment.IsPrivilegedProcess)
        {
            Program("/usr/bin/setpriv");
            psi.ArgumentList.Add("--bounding-set=-dac_override,-dac_read_search");
            psi.ArgumentList.Add("dotnet");
        }
        else
        {
            Program("dotnet");
        }

        psi.ArgumentList.Add(cli);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return new MienProcess(Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start"));

        void Program(string path)
        {
            if (resetInterrupt)
            {
                psi.ArgumentList.Add(path);
            }
            else
            {
                psi.FileName = path;
            }
        }
    }

    /// <summary>Runs to the end and returns the exit code and both outputs.</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(IEnumerable<string> args, bool asUnprivileged = false)
    {
        using var p = Start(args, asUnprivileged);
        return await p.WaitForExitAsync();
    }

    /// <summary>Waits for a line on standard error that satisfies <paramref name="match"/>; fails if the process ends first.</summary>
    public async Task<string> WaitForErrorLineAsync(Func<string, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));   // a guard against a hang, not a synchronisation
        await foreach (var line in _errorLines.Reader.ReadAllAsync(timeout.Token))
        {
            if (match(line))
            {
                return line;
            }
        }

        throw new InvalidOperationException("mien ended before the expected line; stderr:\n" + Error);
    }

    /// <summary>Sends <paramref name="signal"/> (INT, TERM, STOP, CONT) with kill(1), as a user or a supervisor would.</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    public async Task<(int Code, string Out, string Err)> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await _process.WaitForExitAsync(timeout.Token);
        var stdout = await _output;
        _process.WaitForExit();   // lets the stderr reader reach the end
        return (_process.ExitCode, stdout, Error);
    }

    private string Error
    {
        get
        {
            lock (_error)
            {
                return string.Join('\n', _error);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}

/// <summary>Labelled image sets of real face crops for CLI tests (the golden smile crop from face-api's sample3.jpg).</summary>
internal static class FaceCrops
{
    /// <summary>Writes <paramref name="count"/> copies of the smile crop as <c>root/happiness/NNNNN.png</c> and returns <paramref name="root"/>.</summary>
    public static string SmileSet(string root, int count)
    {
        var folder = Path.Combine(root, "happiness");
        Directory.CreateDirectory(folder);
        using var face = new Mat(64, 64, MatType.CV_8UC1);
        face.SetArray(File.ReadAllBytes(Repository.Golden("inputs", "face-64x64x1.u8")));
        Cv2.ImEncode(".png", face, out var png);
        for (var i = 0; i < count; i++)
        {
            File.WriteAllBytes(Path.Combine(folder, $"{i:D5}.png"), png);
        }

        return root;
    }
}
