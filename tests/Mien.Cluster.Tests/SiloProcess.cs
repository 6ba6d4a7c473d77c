using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Mien.Testing;

namespace Mien.Cluster.Tests;

/// <summary>
/// <c>mien serve --cluster</c> as a real child process (the CLI built next to this test's configuration), with its own
/// data folder, master key and ports; killed like a crashed machine (SIGKILL).
/// </summary>
internal sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _root;
    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];

    private SiloProcess(Process process, string root, int siloPort)
    {
        _process = process;
        _root = root;
        SiloPort = siloPort;
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int SiloPort { get; }

    /// <summary>The CLI of this build, or null when it has not been built.</summary>
    public static string? Cli
    {
        get
        {
            // tests/Mien.Cluster.Tests/bin/<Configuration>/net10.0/ → src/Mien.Cli/bin/<Configuration>/net10.0/Mien.Cli.dll
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent?.Name ?? "Release";
            var path = Path.Combine(Repository.Root, "src", "Mien.Cli", "bin", configuration, "net10.0", "Mien.Cli.dll");
            return File.Exists(path) ? path : null;
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    public static SiloProcess Start(string connection)
    {
        var root = Directory.CreateTempSubdirectory("mien-silo-").FullName;
        int siloPort = FreePort(), gatewayPort = FreePort();
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["XDG_CONFIG_HOME"] = Path.Combine(root, "config");
        foreach (var a in new[]
        {
            Cli!, "serve", "--cluster", connection, "--urls", "http://127.0.0.1:0", "--data", Path.Combine(root, "data"),
            "--silo-port", siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gateway-port", gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--jobs", "1",
        })
        {
            psi.ArgumentList.Add(a);
        }

        return new SiloProcess(Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start"), root, siloPort);
    }

    public async Task WaitUntilJoinedAsync(TimeSpan timeout)
    {
        var done = await Task.WhenAny(_joined.Task, _process.WaitForExitAsync(), Task.Delay(timeout));
        if (done != _joined.Task)
        {
            throw new InvalidOperationException($"mien serve --cluster did not join within {timeout.TotalSeconds} s (exited: {_process.HasExited}). Output:\n{Output}");
        }
    }

    public void Kill() => _process.Kill(entireProcessTree: true);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Line(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }

        if (line.Contains("silo joined the cluster", StringComparison.Ordinal))
        {
            _joined.TrySetResult();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A test that needs real PostgreSQL and the built CLI: skipped with the reason when either is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SiloProcessFactAttribute : FactAttribute
{
    public SiloProcessFactAttribute()
    {
        if (PostgresCluster.Unavailable is { } why)
        {
            Skip = "needs PostgreSQL: " + why;
        }
        else if (SiloProcess.Cli is null)
        {
            Skip = "needs the CLI built in the same configuration (dotnet build src/Mien.Cli): it runs the silo processes";
        }
    }
}
