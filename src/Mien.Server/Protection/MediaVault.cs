using Mien.Privacy.Encryption;
using Mien.Storage;

namespace Mien.Server.Protection;

/// <summary>
/// Media at rest: uploads and every file of a recording's result folder are sealed with the project's data key
/// (<see cref="SealedFile"/>). Analysis needs plaintext (OpenCV and FFmpeg read files), so a job decrypts its upload
/// into <c>&lt;data&gt;/private</c> (mode 0700, wiped at every start), writes its results there, and seals them into
/// <c>&lt;data&gt;/recordings/&lt;id&gt;/</c> before the job is reported done. Downloads decrypt on the fly, with
/// random access so HTTP Range keeps working.
/// </summary>
internal sealed partial class MediaVault(IMienStore store, ServerOptions options, ILogger<MediaVault> log)
{
    /// <summary>Suffix of a sealed upload.</summary>
    public const string SealedSuffix = ".mienc";

    private const string LockFile = ".mien.lock";

    /// <summary>The private plaintext area (0700).</summary>
    public string PrivateRoot => Path.Combine(options.DataDirectory, "private");

    /// <summary>Deletes whatever plaintext a previous process left (a crash mid-upload or mid-job) and recreates the private folder 0700.</summary>
    public static void Prepare(ServerOptions options)
    {
        var root = Path.Combine(options.DataDirectory, "private");
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        CreatePrivate(root);
    }

    /// <summary>Where an upload is received before it is checked and sealed (inside the private folder).</summary>
    public string StagingPath()
    {
        var folder = CreatePrivate(Path.Combine(PrivateRoot, "uploads"));
        return Path.Combine(folder, Guid.NewGuid().ToString("N") + ".media");
    }

    /// <summary>Seals a checked upload into <c>uploads/&lt;project&gt;/</c> and deletes the plaintext; returns the sealed path (the recording's media path).</summary>
    public async Task<string> SealUploadAsync(Guid projectId, string plainPath, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(options.DataDirectory, "uploads", projectId.ToString("N"));
        Directory.CreateDirectory(folder);
        var name = Path.GetFileName(plainPath);
        var target = Path.Combine(folder, name + SealedSuffix);
        var key = await store.Encryption.ActiveDataKeyAsync(projectId, cancellationToken).ConfigureAwait(false);
        await Task.Run(() => SealedFile.Seal(plainPath, target, key, UploadContext(projectId, name)), cancellationToken).ConfigureAwait(false);
        File.Delete(plainPath);
        return target;
    }

    /// <summary>Decrypts the job's upload to a private temporary file (streams pass through) and gives it a private work folder.</summary>
    public async Task<JobFiles> BeginJobAsync(Recording job, CancellationToken cancellationToken)
    {
        var id = job.Id.ToString("N");
        var work = Path.Combine(CreatePrivate(Path.Combine(PrivateRoot, "jobs")), id);
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }

        CreatePrivate(work);
        var media = job.MediaPath ?? string.Empty;
        string? plain = null;
        if (job.Source == SourceKind.Upload && media.EndsWith(SealedSuffix, StringComparison.Ordinal) && File.Exists(media))
        {
            var name = Path.GetFileName(media)[..^SealedSuffix.Length];
            var folder = CreatePrivate(Path.Combine(PrivateRoot, "media", id));
            plain = Path.Combine(folder, name);
            var key = await store.Encryption.DataKeyAsync(job.ProjectId, SealedFile.KeyVersion(media), cancellationToken).ConfigureAwait(false);
            var context = UploadContext(job.ProjectId, name);
            await Task.Run(() => SealedFile.Unseal(media, plain, key, context), cancellationToken).ConfigureAwait(false);
        }

        return new JobFiles(this, job, work, plain ?? media, plain is null ? null : Path.GetDirectoryName(plain));
    }

    /// <summary>
    /// Seals every file of a work folder into the recording's result folder (replacing an earlier run's), with the
    /// project's active data key; sealed again when a rotation changed that key meanwhile.
    /// </summary>
    public async Task SealResultsAsync(Guid projectId, Guid recordingId, string work, CancellationToken cancellationToken)
    {
        var target = Folder(recordingId);
        var files = Directory.Exists(work)
            ? Directory.GetFiles(work, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != LockFile).ToArray()
            : [];
        for (var attempt = 0; ; attempt++)
        {
            var key = await store.Encryption.ActiveDataKeyAsync(projectId, cancellationToken).ConfigureAwait(false);
            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }

            Directory.CreateDirectory(target);
            foreach (var file in files)
            {
                var relative = Path.GetRelativePath(work, file).Replace('\\', '/');
                var sealedPath = Path.Combine(target, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(sealedPath)!);
                SealedFile.Seal(file, sealedPath, key, ResultContext(recordingId, relative));
            }

            if (attempt >= 2 || (await store.Encryption.ActiveDataKeyAsync(projectId, cancellationToken).ConfigureAwait(false)).Version == key.Version)
            {
                break;
            }
        }
    }

    /// <summary>A result file as a seekable plaintext stream, or null when it does not exist.</summary>
    public async Task<Stream?> OpenResultAsync(Guid projectId, Guid recordingId, string name, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Folder(recordingId), name);
        if (!File.Exists(path))
        {
            return null;
        }

        var key = await store.Encryption.DataKeyAsync(projectId, SealedFile.KeyVersion(path), cancellationToken).ConfigureAwait(false);
        return SealedFile.OpenRead(path, key, ResultContext(recordingId, name));
    }

    /// <summary>Re-seals the project's files still under an older data key (after a data-key rotation); returns how many.</summary>
    public async Task<int> ResealProjectAsync(Guid projectId, CancellationToken cancellationToken)
    {
        var active = await store.Encryption.ActiveDataKeyAsync(projectId, cancellationToken).ConfigureAwait(false);
        var resealed = 0;
        var uploads = Path.Combine(options.DataDirectory, "uploads", projectId.ToString("N"));
        if (Directory.Exists(uploads))
        {
            foreach (var file in Directory.GetFiles(uploads, "*" + SealedSuffix))
            {
                resealed += await ResealAsync(projectId, file, UploadContext(projectId, Path.GetFileName(file)[..^SealedSuffix.Length]), active, cancellationToken).ConfigureAwait(false);
            }
        }

        for (var offset = 0; ; offset += 500)
        {
            var page = await store.ListRecordingsAsync(projectId, new RecordingQuery(Offset: offset, Limit: 500), cancellationToken).ConfigureAwait(false);
            foreach (var recording in page.Items)
            {
                var folder = Folder(recording.Id);
                if (!Directory.Exists(folder))
                {
                    continue;
                }

                foreach (var file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories))
                {
                    var relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
                    resealed += await ResealAsync(projectId, file, ResultContext(recording.Id, relative), active, cancellationToken).ConfigureAwait(false);
                }
            }

            if (page.Items.Count < 500)
            {
                return resealed;
            }
        }
    }

    /// <summary>The folder of a recording's sealed result files.</summary>
    public string Folder(Guid recordingId) => Path.Combine(options.DataDirectory, "recordings", recordingId.ToString("N"));

    private async Task<int> ResealAsync(Guid projectId, string file, string context, DataKey active, CancellationToken cancellationToken)
    {
        var version = SealedFile.KeyVersion(file);
        if (version == active.Version)
        {
            return 0;
        }

        var old = await store.Encryption.DataKeyAsync(projectId, version, cancellationToken).ConfigureAwait(false);
        var temporary = file + ".resealing";
        await Task.Run(
            () =>
            {
                using (var input = SealedFile.OpenRead(file, old, context))
                using (var output = SealedFile.Create(temporary, active, context))
                {
                    input.CopyTo(output, SealedFile.ChunkSize);
                }

                File.Move(temporary, file, overwrite: true);
            },
            cancellationToken).ConfigureAwait(false);
        return 1;
    }

    private static string UploadContext(Guid projectId, string name) => $"upload/{projectId:N}/{name}";

    internal static string ResultContext(Guid recordingId, string relative) => $"recording/{recordingId:N}/{relative}";

    private static string CreatePrivate(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return folder;
    }

    private void SealFailed(Guid recordingId, string reason) => LogSealFailed(log, recordingId, reason);

    private void Discard(string? path)
    {
        if (path is null || !Directory.Exists(path))
        {
            return;
        }

        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogDiscardFailed(log, path, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete the plaintext folder {Path}: {Reason}; it is wiped at the next start")]
    private static partial void LogDiscardFailed(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not seal the partial results of recording {RecordingId}: {Reason}")]
    private static partial void LogSealFailed(ILogger logger, Guid recordingId, string reason);

    /// <summary>
    /// One job's plaintext: the decrypted media and the work folder. <see cref="SealAsync"/> seals the results;
    /// disposing seals what a failed job left (its partial results are kept, as before) and deletes all plaintext.
    /// </summary>
    internal sealed class JobFiles(MediaVault vault, Recording job, string folder, string mediaPath, string? mediaFolder) : IAsyncDisposable
    {
        private bool _sealed;

        /// <summary>Where analysis reads the media (plaintext file, or the stream URL).</summary>
        public string MediaPath { get; } = mediaPath;

        /// <summary>Where analysis writes its result files.</summary>
        public string Folder { get; } = folder;

        /// <summary>Seals the result files into the recording's folder (call after every sink is closed).</summary>
        public async Task SealAsync(CancellationToken cancellationToken)
        {
            await vault.SealResultsAsync(job.ProjectId, job.Id, Folder, cancellationToken).ConfigureAwait(false);
            _sealed = true;
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (!_sealed && Directory.Exists(Folder) && Directory.EnumerateFiles(Folder, "*", SearchOption.AllDirectories).Any(f => Path.GetFileName(f) != LockFile))
                {
                    await vault.SealResultsAsync(job.ProjectId, job.Id, Folder, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is IOException or MienStoreException or EncryptionException or UnauthorizedAccessException)
            {
                vault.SealFailed(job.Id, e.Message);
            }
            finally
            {
                vault.Discard(Folder);
                vault.Discard(mediaFolder);
            }
        }
    }
}
