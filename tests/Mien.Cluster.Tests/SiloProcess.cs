using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Mien.Testing;

namespace Mien.Cluster.Tests;

/// <summary>
/// <c>mien serve --cluster</c> as a real child process (the CLI built next to this test's configuration), with its own
/// data folder, master key and ports; killed like a crashed machine (SIGKILL).
/// </summary>
internal sealed partial class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _root;
    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];
    private bool _keyNext;

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

    /// <summary>The node's HTTP address (from its "serving on" line), once it printed it.</summary>
    public Uri? Http { get; private set; }

    /// <summary>The project the node created on its first start, if it created one (the first node on an empty database).</summary>
    public Guid? FirstProject { get; private set; }

    /// <summary>That project's admin key, printed once.</summary>
    public string? FirstAdminKey { get; private set; }

    /// <summary>The core the process is pinned to, or null when it is not pinned.</summary>
    public int? Core { get; private init; }

    /// <summary>CPU time the process has used so far (user + system, from /proc), or zero once it has exited.</summary>
    public TimeSpan Cpu
    {
        get
        {
            try
            {
                _process.Refresh();
                return _process.HasExited ? TimeSpan.Zero : _process.TotalProcessorTime;
            }
            catch (InvalidOperationException)
            {
                return TimeSpan.Zero;
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The CLI of this build (or <c>MIEN_SILO_CLI</c>: a copy, so a long benchmark survives a rebuild), or null when it has not been built.</summary>
    public static string? Cli
    {
        get
        {
            if (Environment.GetEnvironmentVariable("MIEN_SILO_CLI") is { Length: > 0 } copy && File.Exists(copy))
            {
                return copy;
            }

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

    public static SiloProcess Start(string connection) => Start(connection, null, null, []);

    /// <summary>
    /// Starts a node. <paramref name="core"/>: pin it to that core with <c>taskset -c</c> (when taskset exists);
    /// <paramref name="configHome"/>: its XDG config folder (nodes sharing one results database must share the master
    /// key kept there); <paramref name="extra"/>: more <c>mien serve</c> options.
    /// </summary>
    public static SiloProcess Start(string connection, int? core, string? configHome, IReadOnlyList<string> extra)
    {
        var root = Directory.CreateTempSubdirectory("mien-silo-").FullName;
        int siloPort = FreePort(), gatewayPort = FreePort();
        var pinned = core is not null && File.Exists(Taskset);
        var psi = new ProcessStartInfo(pinned ? Taskset : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["XDG_CONFIG_HOME"] = configHome ?? Path.Combine(root, "config");
        if (pinned)
        {
            // taskset execs dotnet in the same process, so the pid (and its CPU time) is the node's.
            foreach (var a in new[] { "-c", core!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet" })
            {
                psi.ArgumentList.Add(a);
            }
        }

        foreach (var a in new[]
        {
            Cli!, "serve", "--cluster", connection, "--urls", "http://127.0.0.1:0", "--data", Path.Combine(root, "data"),
            "--silo-port", siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gateway-port", gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--jobs", "1",
        })
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var a in extra)
        {
            psi.ArgumentList.Add(a);
        }

        return new SiloProcess(Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start"), root, siloPort) { Core = pinned ? core : null };
    }

    private const string Taskset = "/usr/bin/taskset";

    public async Task WaitUntilJoinedAsync(TimeSpan timeout)
    {
        var done = await Task.WhenAny(_joined.Task, _process.WaitForExitAsync(), Task.Delay(timeout));
        if (done != _joined.Task)
        {
            throw new InvalidOperationException($"mien serve --cluster did not join within {timeout.TotalSeconds} s (exited: {_process.HasExited}). Output:\n{Output}");
        }
    }

    /// <summary>SIGKILL, and wait until the process is gone: Kill only sends the signal, and a call made at once could
    /// still be answered by the dying silo (seen once in the suite: the "resumed" frame came from the killed silo).</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        if (!_process.WaitForExit(10_000))
        {
            throw new TimeoutException($"silo process {_process.Id} still runs 10 s after SIGKILL");
        }
    }

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

        if (_keyNext)
        {
            _keyNext = false;
            FirstAdminKey = line.Trim();
        }
        else if (ServingLine().Match(line) is { Success: true } serving && Http is null)
        {
            Http = new Uri(serving.Groups[1].Value);
        }
        else if (ProjectLine().Match(line) is { Success: true } project)
        {
            FirstProject = Guid.Parse(project.Groups[1].Value);
            _keyNext = true;
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

    [System.Text.RegularExpressions.GeneratedRegex(@"^mien: serving on (http://\S+/) ")]
    private static partial System.Text.RegularExpressions.Regex ServingLine();

    [System.Text.RegularExpressions.GeneratedRegex(@"^mien: first project ([0-9a-fA-F-]{36});")]
    private static partial System.Text.RegularExpressions.Regex ProjectLine();
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
