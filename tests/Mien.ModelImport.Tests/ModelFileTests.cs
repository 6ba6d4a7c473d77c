using System.Buffers.Binary;
using Mien.ModelImport.Tfjs;

namespace Mien.ModelImport.Tests;

/// <summary>Loading model.json and its shards from a folder on disk.</summary>
public sealed class ModelFileTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("mien-modelimport-tests-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void ImportFile_reads_the_shards_next_to_model_json_and_names_the_graph_after_the_model()
    {
        var folder = _root.CreateSubdirectory("blazeface");
        var shard = new byte[8];
        BinaryPrimitives.WriteSingleLittleEndian(shard, 1.5f);
        BinaryPrimitives.WriteSingleLittleEndian(shard.AsSpan(4), -2f);
        File.WriteAllBytes(Path.Combine(folder.FullName, "group1-shard1of1.bin"), shard);
        var modelJson = Path.Combine(folder.FullName, "model.json");
        File.WriteAllText(modelJson, ModelJson("group1-shard1of1.bin"));

        var imported = TfjsOnnxImporter.ImportFile(modelJson, "blazeface");

        Assert.Equal(("x", "y"), (imported.Inputs[0].Name, imported.Outputs[0].Name));
        Assert.Equal(1, imported.OpCounts["AddV2"]);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(imported.OnnxBytes);
        Assert.Equal("blazeface", Onnx.ModelProto.Parser.ParseFrom(imported.OnnxBytes).Graph.Name);
    }

    [Fact]
    public void Shard_path_leaving_the_model_folder_is_rejected()
    {
        var folder = _root.CreateSubdirectory("m");
        File.WriteAllBytes(Path.Combine(_root.FullName, "outside.bin"), new byte[8]);
        var modelJson = Path.Combine(folder.FullName, "model.json");
        File.WriteAllText(modelJson, ModelJson("../outside.bin"));

        var e = Assert.Throws<ModelImportException>(() => TfjsGraphModel.Load(modelJson));

        Assert.Equal("model", e.Model);
        Assert.Contains("leaves the model folder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_shard_file_names_the_shard()
    {
        var folder = _root.CreateSubdirectory("m");
        var modelJson = Path.Combine(folder.FullName, "model.json");
        File.WriteAllText(modelJson, ModelJson("group1-shard1of1.bin"));

        var e = Assert.Throws<ModelImportException>(() => TfjsGraphModel.Load(modelJson, "face"));

        Assert.Contains("group1-shard1of1.bin", e.Message, StringComparison.Ordinal);
        Assert.Contains("face", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_model_json_names_the_path()
    {
        var path = Path.Combine(_root.FullName, "absent", "model.json");

        var e = Assert.Throws<ModelImportException>(() => TfjsGraphModel.Load(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    private static string ModelJson(string shardPath) =>
        """
        {"format":"graph-model","modelTopology":{"node":[
          {"name":"x","op":"Placeholder","attr":{"dtype":{"type":"DT_FLOAT"},"shape":{"shape":{"dim":[{"size":"2"}]}}}},
          {"name":"b","op":"Const","attr":{"dtype":{"type":"DT_FLOAT"}}},
          {"name":"y","op":"AddV2","input":["x","b"],"attr":{"T":{"type":"DT_FLOAT"}}}]},
         "weightsManifest":[{"paths":["
        """.TrimEnd() + shardPath + """
        "],"weights":[{"name":"b","shape":[2],"dtype":"float32"}]}]}
        """;
}
