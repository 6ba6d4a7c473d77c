using System.Text.Json.Nodes;
using Mien.Testing;

namespace Mien.Models.Tests;

/// <summary>
/// Failure modes of the model cache. The package files come from the real (already verified) npm cache;
/// the ONNX cache of each test is a fresh temporary folder.
/// </summary>
[Collection(RealModelsCollection.Name)]
public sealed class ModelStoreTests(RealModels models) : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("mien-models-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    private static ModelManifest ManifestWith(string id, Action<JsonObject> edit)
    {
        using var stream = typeof(ModelManifest).Assembly.GetManifestResourceStream("Mien.Models.models.manifest.json")!;
        var doc = JsonNode.Parse(stream)!.AsObject();
        var entry = doc["models"]!.AsArray().Select(m => m!.AsObject()).Single(m => (string?)m["id"] == id);
        edit(entry);
        return ModelManifest.Parse(doc.ToJsonString());
    }

    [Fact]
    public async Task Imports_into_an_empty_cache_then_serves_the_cached_file()
    {
        var store = new ModelStore(models.Packages, _cache);
        Assert.False(store.IsReady("emotion"));

        var first = await store.EnsureAsync("emotion");
        var written = File.GetLastWriteTimeUtc(first.OnnxPath);
        var second = await store.EnsureAsync("emotion");

        Assert.True(store.IsReady("emotion"));
        Assert.Equal(first.OnnxSha256, second.OnnxSha256);
        Assert.Equal(written, File.GetLastWriteTimeUtc(second.OnnxPath));
        Assert.Empty(store.Verify("emotion"));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(first.OnnxPath)!, "*.tmp"));
    }

    [Fact]
    public async Task A_package_file_that_differs_from_the_manifest_hash_is_refused()
    {
        var manifest = ManifestWith("emotion", m => m["files"]![1]!["sha256"] = new string('0', 64));
        var store = new ModelStore(models.Packages, _cache, manifest);

        var e = await Assert.ThrowsAsync<ModelStoreException>(() => store.EnsureAsync("emotion"));

        Assert.Contains("models/emotion.bin", e.Message, StringComparison.Ordinal);
        Assert.Contains("SHA-256", e.Message, StringComparison.Ordinal);
        Assert.False(store.IsReady("emotion"));
    }

    [Fact]
    public async Task An_imported_interface_that_differs_from_the_manifest_is_refused()
    {
        var manifest = ManifestWith("emotion", m => m["input"]!["name"] = "pixels");
        var store = new ModelStore(models.Packages, _cache, manifest);

        var e = await Assert.ThrowsAsync<ModelStoreException>(() => store.EnsureAsync("emotion"));

        Assert.Contains("input_1", e.Message, StringComparison.Ordinal);
        Assert.Contains("pixels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupted_onnx_file_is_reported_by_verify_and_refused_by_the_runtime()
    {
        var store = new ModelStore(models.Packages, _cache);
        var artifact = await store.EnsureAsync("emotion");
        var bytes = File.ReadAllBytes(artifact.OnnxPath);
        File.WriteAllBytes(artifact.OnnxPath, bytes[..(bytes.Length / 2)]);

        var problems = store.Verify("emotion");
        var e = Assert.Throws<ModelStoreException>(() => OnnxModel.Load(artifact));

        Assert.Contains(problems, p => p.Contains("corrupt", StringComparison.Ordinal));
        // Refused by the hash check on load (before ONNX Runtime reads a byte), with what to run.
        Assert.Contains("damaged", e.Message, StringComparison.Ordinal);
        Assert.Contains("mien models fetch emotion", e.Message, StringComparison.Ordinal);

        store.Evict("emotion");
        var repaired = await store.EnsureAsync("emotion");
        Assert.Empty(store.Verify("emotion"));
        using var model = OnnxModel.Load(repaired);
    }

    [Fact]
    public async Task An_unwritable_cache_folder_gets_a_clear_message()
    {
        var notAFolder = Path.Combine(_cache, "file");
        File.WriteAllText(notAFolder, "occupied");
        var store = new ModelStore(models.Packages, notAFolder);

        var e = await Assert.ThrowsAsync<ModelStoreException>(() => store.EnsureAsync("emotion"));

        Assert.Contains("MIEN_CACHE_DIR", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_model_ids_list_the_known_ones()
    {
        var store = new ModelStore(models.Packages, _cache);
        var e = Assert.Throws<KeyNotFoundException>(() => store.OnnxPath("emotions"));
        Assert.Contains("emotion", e.Message, StringComparison.Ordinal);
        Assert.Contains("facemesh", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inference_options_name_the_option_value_and_constraint()
    {
        var e = Assert.Throws<ArgumentException>(() => new InferenceOptions { IntraOpThreads = 0 }.Validate());
        Assert.Contains("IntraOpThreads = 0", e.Message, StringComparison.Ordinal);
        var gpu = Assert.Throws<ArgumentException>(() => new InferenceOptions { ExecutionProvider = "cuda" }.Validate());
        Assert.Contains("cuda", gpu.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_importer_builds_folders_are_deleted_once_stale_and_kept_while_recent()
    {
        var root = Directory.CreateTempSubdirectory("mien-prune-").FullName;
        try
        {
            string Folder(string name, TimeSpan ago)
            {
                var folder = Path.Combine(root, name);
                Directory.CreateDirectory(folder);
                var file = Path.Combine(folder, "emotion.onnx");
                File.WriteAllBytes(file, [1, 2, 3]);
                File.SetLastWriteTimeUtc(file, DateTime.UtcNow - ago);
                return folder;
            }

            var stale = Folder("import-aaaaaaaaaaaa", TimeSpan.FromDays(3));
            var recent = Folder("import-bbbbbbbbbbbb", TimeSpan.FromHours(5));
            var current = Folder("import-cccccccccccc", TimeSpan.FromDays(30));
            var unrelated = Folder("keep-me", TimeSpan.FromDays(30));

            var deleted = ModelStore.PruneStaleImports(root, "import-cccccccccccc", ModelStore.StaleImportAge);

            Assert.Equal([stale], deleted);
            Assert.False(Directory.Exists(stale));
            Assert.True(Directory.Exists(recent), "a folder written 5 hours ago may belong to another installed build");
            Assert.True(Directory.Exists(current), "the current build's folder is never pruned, however old");
            Assert.True(Directory.Exists(unrelated));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
