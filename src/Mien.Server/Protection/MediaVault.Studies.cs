using Mien.Privacy.Encryption;

namespace Mien.Server.Protection;

// Study stimuli and their thumbnails are sealed like uploads (same folder, same context, so key rotation re-seals them
// with everything else); this part opens them for playback and thumbnails.
internal sealed partial class MediaVault
{
    /// <summary>A sealed file of the project's uploads folder as a seekable plaintext stream, or null when it is not there.</summary>
    public async Task<Stream?> OpenUploadAsync(Guid projectId, string sealedPath, CancellationToken cancellationToken)
    {
        var folder = Path.GetFullPath(Path.Combine(options.DataDirectory, "uploads", projectId.ToString("N"))) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(sealedPath);
        if (!full.StartsWith(folder, StringComparison.Ordinal) || !full.EndsWith(SealedSuffix, StringComparison.Ordinal) || !File.Exists(full))
        {
            return null;
        }

        var key = await store.Encryption.DataKeyAsync(projectId, SealedFile.KeyVersion(full), cancellationToken).ConfigureAwait(false);
        return SealedFile.OpenRead(full, key, UploadContext(projectId, Path.GetFileName(full)[..^SealedSuffix.Length]));
    }

    /// <summary>The sealed path a plaintext file named <paramref name="name"/> gets from <see cref="SealUploadAsync"/>.</summary>
    public string UploadPath(Guid projectId, string name) => Path.Combine(options.DataDirectory, "uploads", projectId.ToString("N"), name + SealedSuffix);
}
