using System.Text;
using Mien.Privacy.Encryption;

namespace Mien.Server.Protection;

/// <summary>Rewriting a sealed result file in place (a user's correction of the results, e.g. a person split).</summary>
internal sealed partial class MediaVault
{
    /// <summary>
    /// Decrypts the recording's result file <paramref name="name"/>, passes it through <paramref name="rewrite"/> and
    /// seals the output under the project's active data key in its place (written beside, then renamed, so a failure
    /// leaves the old file whole). False when the recording has no such file.
    /// </summary>
    public async Task<bool> RewriteResultAsync(Guid projectId, Guid recordingId, string name, Action<TextReader, TextWriter> rewrite, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rewrite);
        var path = Path.Combine(Folder(recordingId), name);
        if (!File.Exists(path))
        {
            return false;
        }

        var context = ResultContext(recordingId, name);
        var old = await store.Encryption.DataKeyAsync(projectId, SealedFile.KeyVersion(path), cancellationToken).ConfigureAwait(false);
        var active = await store.Encryption.ActiveDataKeyAsync(projectId, cancellationToken).ConfigureAwait(false);
        var temporary = path + ".rewriting";
        await Task.Run(
            () =>
            {
                try
                {
                    using (var input = new StreamReader(SealedFile.OpenRead(path, old, context), new UTF8Encoding(false)))
                    using (var output = new StreamWriter(SealedFile.Create(temporary, active, context), new UTF8Encoding(false)))
                    {
                        rewrite(input, output);
                    }

                    File.Move(temporary, path, overwrite: true);
                }
                catch
                {
                    File.Delete(temporary);
                    throw;
                }
            },
            cancellationToken).ConfigureAwait(false);
        return true;
    }
}
