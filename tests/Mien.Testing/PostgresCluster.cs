using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Xunit;

namespace Mien.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster for the test run: Debian's binaries (installed with apt-get when missing and we
/// are root), <c>initdb</c> into a temp directory, started with <c>pg_ctl</c> on a free loopback port as an
/// unprivileged user (PostgreSQL refuses root), stopped and deleted when the test process exits. Clusters left by a
/// killed test process are removed by the next run. Set <c>MIEN_TEST_POSTGRES</c> to a connection string (a
/// superuser on a server you run) to use that server instead.
/// </summary>
public sealed class PostgresCluster
{
    private const string DirectoryPrefix = "mien-pg-";
    private static readonly Lazy<(string? BinDir, string? Reason)> Binaries = new(FindOrInstallBinaries);
    private static readonly Lazy<PostgresCluster> Shared = new(Start);
    private readonly string? _root;
    private readonly string? _binDir;
    private readonly string? _user;

    private PostgresCluster(string adminConnectionString, string? root, string? binDir, string? user)
    {
        AdminConnectionString = adminConnectionString;
        _root = root;
        _binDir = binDir;
        _user = user;
    }

    /// <summary>Why PostgreSQL tests cannot run here, or null when they can (checked once, at test discovery).</summary>
    public static string? Unavailable => ExternalServer is not null ? null : Binaries.Value.Reason;

    /// <summary>The running cluster (started on first use).</summary>
    public static PostgresCluster Instance => Shared.Value;

    /// <summary>Superuser connection to the maintenance database.</summary>
    public string AdminConnectionString { get; }

    /// <summary>The cluster's data directory (its raw files, for tests that scan what is on disk), or null for an external server.</summary>
    public string? DataDirectory => _root is null ? null : Path.Combine(_root, "data");

    private static string? ExternalServer => Environment.GetEnvironmentVariable("MIEN_TEST_POSTGRES") is { Length: > 0 } s ? s : null;

    /// <summary>A new empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true }.ToString();
    }

    public async Task DropDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static (string? BinDir, string? Reason) FindOrInstallBinaries()
    {
        if (FindBinaries() is { } found)
        {
            return (found, null);
        }

        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/apt-get"))
        {
            return (null, "PostgreSQL tests need Debian's 'postgresql' package (initdb, pg_ctl under /usr/lib/postgresql/<version>/bin); it is not installed and there is no apt-get here.");
        }

        if (Environment.UserName != "root")
        {
            return (null, "PostgreSQL tests need Debian's 'postgresql' package; it is not installed and installing needs root: run 'sudo apt-get install -y postgresql' (or .ci/run as root).");
        }

        var (code, output) = Run("/bin/sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql"], null, TimeSpan.FromMinutes(10));
        return FindBinaries() is { } installed
            ? (installed, null)
            : (null, $"PostgreSQL tests need Debian's 'postgresql' package; 'apt-get install postgresql' failed (exit {code}): {Tail(output)}");
    }

    private static string? FindBinaries()
    {
        if (!Directory.Exists("/usr/lib/postgresql"))
        {
            return null;
        }

        return Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            .Where(d => File.Exists(Path.Combine(d.Dir, "initdb")) && File.Exists(Path.Combine(d.Dir, "pg_ctl")))
            .OrderByDescending(d => d.Version)
            .Select(d => d.Dir)
            .FirstOrDefault();
    }

    private static PostgresCluster Start()
    {
        if (ExternalServer is { } external)
        {
            return new PostgresCluster(external, null, null, null);
        }

        var binDir = Binaries.Value.BinDir ?? throw new InvalidOperationException(Binaries.Value.Reason);
        RemoveAbandonedClusters(binDir);
        var user = Environment.UserName == "root" ? EnsureUnprivilegedUser() : null;
        var root = Path.Combine(Path.GetTempPath(), DirectoryPrefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "owner.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (user is not null)
        {
            Check(Run("chown", ["-R", user, root], null, TimeSpan.FromSeconds(30)), "chown the cluster directory");
        }

        var data = Path.Combine(root, "data");
        Check(Run(Path.Combine(binDir, "initdb"), ["-D", data, "-U", "mien", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"], user, TimeSpan.FromMinutes(3)), "initdb");

        // Another engineer's tests may take the port between probing and binding: try a few.
        (int Code, string Output) started = default;
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var port = FreePort();
            started = Run(Path.Combine(binDir, "pg_ctl"), ["-D", data, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60",
                "-o", $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200", "start"], user, TimeSpan.FromMinutes(2));
            if (started.Code == 0)
            {
                var cluster = new PostgresCluster($"Host=127.0.0.1;Port={port};Username=mien;Database=postgres;Pooling=false;Timeout=30", root, binDir, user);
                AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
                return cluster;
            }
        }

        var log = Path.Combine(root, "server.log");
        throw new InvalidOperationException($"pg_ctl start failed: {Tail(started.Output ?? string.Empty)} {(File.Exists(log) ? Tail(File.ReadAllText(log)) : string.Empty)}");
    }

    private void Stop()
    {
        if (_root is null || _binDir is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();

        // One shell does stop-then-delete: the test runner may kill this process right after the run, and the
        // shell (its own process) still finishes the clean-up.
        var stop = $"{Quote(Path.Combine(_binDir, "pg_ctl"))} -D {Quote(Path.Combine(_root, "data"))} -m immediate -w stop";
        var script = (_user is null ? stop : $"runuser -u {_user} -- {stop}") + $" >/dev/null 2>&1; rm -rf {Quote(_root)}";
        Run("/bin/sh", ["-c", script], null, TimeSpan.FromSeconds(30));
    }

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Stops and deletes clusters whose test process is gone (killed runs never reach ProcessExit).</summary>
    private static void RemoveAbandonedClusters(string binDir)
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), DirectoryPrefix + "*"))
        {
            var ownerFile = Path.Combine(dir, "owner.pid");
            if (!File.Exists(ownerFile) || !int.TryParse(File.ReadAllText(ownerFile), out var owner) || Directory.Exists($"/proc/{owner}"))
            {
                continue;
            }

            var user = Environment.UserName == "root" ? "postgres" : null;
            Run(Path.Combine(binDir, "pg_ctl"), ["-D", Path.Combine(dir, "data"), "-m", "immediate", "-w", "stop"], user, TimeSpan.FromSeconds(30));
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static string EnsureUnprivilegedUser()
    {
        if (Run("id", ["-u", "postgres"], null, TimeSpan.FromSeconds(10)).Code == 0)
        {
            return "postgres";
        }

        Check(Run("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"], null, TimeSpan.FromSeconds(30)), "create the unprivileged user 'postgres'");
        return "postgres";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Check((int Code, string Output) result, string what)
    {
        if (result.Code != 0)
        {
            throw new InvalidOperationException($"could not {what} (exit {result.Code}): {Tail(result.Output)}");
        }
    }

    /// <summary>Runs a program (as <paramref name="user"/> through runuser when given) and returns its exit code and output.</summary>
    private static (int Code, string Output) Run(string program, IReadOnlyList<string> arguments, string? user, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(user is null ? program : "runuser") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
        if (user is not null)
        {
            foreach (var a in new[] { "-u", user, "--", program })
            {
                info.ArgumentList.Add(a);
            }
        }

        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return (-1, $"{program} timed out after {timeout}");
            }

            return (process.ExitCode, stdout.Result + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"{program}: {e.Message}");
        }
    }

    private static string Tail(string text) => text.Length <= 600 ? text.Trim() : "…" + text[^600..].Trim();
}

/// <summary>A fact that needs PostgreSQL: skipped, with the reason, when no cluster can be started here.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    /// <inheritdoc />
    public override string? Skip
    {
        get => PostgresCluster.Unavailable;
        set => throw new NotSupportedException("the skip reason comes from the PostgreSQL probe");
    }
}
