using System.Collections.Concurrent;
using Mien.Storage;

namespace Mien.Server.Protection;

/// <summary>
/// Finishes data-key rotations in the background: re-seals the project's rows and files still under a retiring
/// version, then retires it. Everything stays readable meanwhile (the retiring version still opens what it sealed).
/// At start it resumes the rotations a stopped process left unfinished.
/// </summary>
internal sealed partial class KeyRotations(IMienStore store, MediaVault vault, ILogger<KeyRotations> log) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, Task> _running = new();
    private CancellationToken _stopping;

    /// <summary>Starts (or joins) finishing the project's rotation.</summary>
    public Task FinishAsync(Guid projectId) => _running.GetOrAdd(projectId, id => Task.Run(() => RunAsync(id), CancellationToken.None));

    /// <summary>Whether a rotation of the project is being finished here now.</summary>
    public bool IsRunning(Guid projectId) => _running.ContainsKey(projectId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        try
        {
            foreach (var project in await store.Encryption.ProjectsWithRetiringKeysAsync(stoppingToken).ConfigureAwait(false))
            {
                _ = FinishAsync(project);
            }
        }
        catch (MienStoreException e)
        {
            LogFailed(log, Guid.Empty, e.Message);
        }
    }

    private async Task RunAsync(Guid projectId)
    {
        try
        {
            var rows = await store.Encryption.ReencryptRowsAsync(projectId, _stopping).ConfigureAwait(false);
            var files = await vault.ResealProjectAsync(projectId, _stopping).ConfigureAwait(false);
            var retired = await store.Encryption.RetireDataKeysAsync(projectId, _stopping).ConfigureAwait(false);
            LogDone(log, projectId, rows, files, string.Join(", ", retired));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The retiring version stays readable; the next start (or the next rotate call) tries again.
            LogFailed(log, projectId, e.Message);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _running.TryRemove(projectId, out _);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Project {ProjectId}: data key rotated; {Rows} rows and {Files} files re-encrypted, version(s) {Retired} retired")]
    private static partial void LogDone(ILogger logger, Guid projectId, long rows, int files, string retired);

    [LoggerMessage(Level = LogLevel.Error, Message = "Project {ProjectId}: finishing the data-key rotation failed (the old key stays readable; retried at next start): {Reason}")]
    private static partial void LogFailed(ILogger logger, Guid projectId, string reason);
}
