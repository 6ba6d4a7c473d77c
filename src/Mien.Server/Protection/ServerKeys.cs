using Mien.Privacy.Encryption;
using Mien.Storage;

namespace Mien.Server.Protection;

/// <summary>
/// The master key the server starts with: <see cref="ServerOptions.MasterKey"/>, else <c>--master-key-file</c>,
/// <c>MIEN_MASTER_KEY_FILE</c>, <c>MIEN_MASTER_KEY</c>, the default key file; on the very first start (a database
/// without encryption record) a new key file is generated outside the data folder, with a warning. A database that
/// already holds wrapped keys is never started without its key.
/// </summary>
internal sealed partial class ServerKeys(MasterKey master, MasterKey? previous, string? generatedFile)
{
    public MasterKey Master { get; } = master;

    public MasterKey? Previous { get; } = previous;

    public string? GeneratedFile { get; } = generatedFile;

    public static async Task<ServerKeys> ResolveAsync(ServerOptions options, string connectionString, CancellationToken cancellationToken)
    {
        var previous = options.PreviousMasterKey ?? MasterKeySources.ResolvePrevious();
        if (options.MasterKey is { } given)
        {
            return new ServerKeys(given, previous, null);
        }

        var resolved = MasterKeySources.Resolve(options.MasterKeyFile);
        if (resolved.Key is { } found)
        {
            return new ServerKeys(found, previous, null);
        }

        var expected = await MienStore.ProbeMasterKeyIdAsync(connectionString, cancellationToken).ConfigureAwait(false);
        if (expected is not null)
        {
            throw new MasterKeyException($"the database is encrypted under master key {expected}, but no master key is configured and the default key file {resolved.DefaultFile} does not exist: pass the key with {MasterKeySources.HowToPass}");
        }

        var file = Path.GetFullPath(resolved.DefaultFile);
        var data = Path.GetFullPath(options.DataDirectory) + Path.DirectorySeparatorChar;
        if (file.StartsWith(data, StringComparison.Ordinal))
        {
            throw new MasterKeyException($"the default key file {file} would be inside the data folder {data}, next to the data it protects; set {MasterKeySources.FileVariable} (or XDG_CONFIG_HOME) to a path outside it");
        }

        return new ServerKeys(MasterKey.CreateFile(file, "the default key file " + file), previous, file);
    }

    /// <summary>Logs which key is used (its id, never the key) and, after generating one, where it is and what losing it means.</summary>
    public void Report(ILogger log)
    {
        if (GeneratedFile is not null)
        {
            LogGenerated(log, GeneratedFile, Master.Id);
        }

        LogUsing(log, Master.Id, Master.Source);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No master key was configured: generated {Path} (key id {KeyId}, mode 0600). It encrypts every project's data keys: back it up apart from the data; if it is lost, the encrypted data is lost with it. Pass it with --master-key-file, MIEN_MASTER_KEY_FILE or MIEN_MASTER_KEY")]
    private static partial void LogGenerated(ILogger logger, string path, string keyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Encryption at rest: master key {KeyId} from {Source}")]
    private static partial void LogUsing(ILogger logger, string keyId, string source);
}
