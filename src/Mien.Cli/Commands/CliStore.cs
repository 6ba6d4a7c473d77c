using Mien.Models;
using Mien.Packages;
using Spectre.Console;

namespace Mien.Cli.Commands;

/// <summary>The package and model stores as the CLI configures them (environment, --offline), with console progress.</summary>
internal sealed class CliStore : IDisposable
{
    private CliStore(NpmStoreOptions options)
    {
        Options = options;
        Packages = new NpmPackageStore(options);
        Models = new ModelStore(Packages, options.CacheDirectory);
    }

    public NpmStoreOptions Options { get; }

    public NpmPackageStore Packages { get; }

    public ModelStore Models { get; }

    public static CliStore Open(bool offline)
    {
        var options = NpmStoreOptions.FromEnvironment();
        options.Offline = offline;
        OptionValidation.Run(
            options.Validate,
            ("NpmStoreOptions.CacheDirectory", "the cache folder (MIEN_CACHE_DIR)"),
            ("NpmStoreOptions.Registry", "the npm registry address (MIEN_NPM_REGISTRY)"));
        return new CliStore(options);
    }

    /// <summary>Ensures every model in <paramref name="ids"/> is imported, showing a download bar when the network is used.</summary>
    public async Task<IReadOnlyList<ModelArtifact>> EnsureModelsAsync(IReadOnlyList<string> ids, CancellationToken ct)
    {
        var result = new List<ModelArtifact>();
        var missing = ids.Where(id => !Models.IsReady(id)).ToArray();
        if (missing.Length == 0 || Console.IsErrorRedirected)
        {
            foreach (var id in ids)
            {
                if (!Models.IsReady(id))
                {
                    Console.Error.WriteLine($"importing {id} ...");
                }

                result.Add(await Models.EnsureAsync(id, cancellationToken: ct));
            }

            return result;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
            .StartAsync(async ctx =>
            {
                foreach (var id in ids)
                {
                    var task = ctx.AddTask(id, maxValue: 1);
                    var progress = new Progress<DownloadProgress>(p =>
                    {
                        task.Description = $"{id} ← {p.Package}";
                        if (p.TotalBytes is > 0)
                        {
                            task.MaxValue = p.TotalBytes.Value;
                        }

                        task.Value = p.BytesReceived;
                    });
                    result.Add(await Models.EnsureAsync(id, progress, ct));
                    task.Description = $"{id} imported";
                    task.Value = task.MaxValue;
                }
            });
        return result;
    }

    public void Dispose() => Packages.Dispose();
}
