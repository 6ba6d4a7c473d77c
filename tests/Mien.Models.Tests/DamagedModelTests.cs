using System.Security.Cryptography;
using Mien.Testing;

namespace Mien.Models.Tests;

/// <summary>
/// Damaged model weights must fail loudly (issue 14, case 1: 4 KiB overwritten in the middle of a cached
/// emotion.onnx gave NaN probabilities and a confident summary with exit code 0).
/// </summary>
[Collection(RealModelsCollection.Name)]
public sealed class DamagedModelTests(RealModels models) : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("mien-damaged-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    /// <summary>Overwrites 4 KiB in the middle of <paramref name="path"/> with 0xFF bytes (float32 NaN).</summary>
    private static void Damage(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Array.Fill(bytes, (byte)0xFF, bytes.Length / 2, 4096);
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public async Task Damaged_cached_onnx_is_refused_on_load_naming_the_file_and_the_fix_that_works()
    {
        var store = new ModelStore(models.Packages, _cache);
        var artifact = await store.EnsureAsync("emotion");
        Damage(artifact.OnnxPath);

        var e = Assert.Throws<ModelStoreException>(() => OnnxModel.Load(artifact));

        Assert.Contains(artifact.OnnxPath, e.Message, StringComparison.Ordinal);
        Assert.Contains("damaged", e.Message, StringComparison.Ordinal);
        Assert.Contains("mien models fetch emotion", e.Message, StringComparison.Ordinal);
        // The suggested command must actually repair: the damaged entry no longer counts as cached.
        Assert.False(store.IsReady("emotion"));
        var again = await store.EnsureAsync("emotion");
        using var model = OnnxModel.Load(again);
        Assert.Equal(artifact.OnnxSha256, again.OnnxSha256);
    }

    [Fact]
    public async Task Non_finite_output_of_damaged_weights_is_a_failure_naming_model_and_output()
    {
        var store = new ModelStore(models.Packages, _cache);
        var artifact = await store.EnsureAsync("emotion");
        // Damage the weights and record the damaged file as if it had been imported so: damage no hash can see
        // (a bad import, memory corruption, a different cache writer). The runner's output check is the last line.
        Damage(artifact.OnnxPath);
        var damaged = artifact with { OnnxSha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(artifact.OnnxPath))) };
        using var model = OnnxModel.Load(damaged);
        using var runner = model.CreateRunner();
        runner.Input.Fill(0.1f);

        var e = Assert.Throws<ModelOutputException>(runner.Run);

        Assert.Equal("emotion", e.ModelId);
        Assert.Equal("Identity", e.Output);
        Assert.Contains("non-finite", e.Message, StringComparison.Ordinal);
        Assert.Contains("mien models fetch emotion", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_finite_input_is_blamed_on_the_stage_that_prepared_it()
    {
        using var model = models.Load("emotion");
        using var runner = model.CreateRunner();
        runner.Input.Fill(0.5f);
        runner.Input[17] = float.NaN;

        var e = Assert.Throws<ModelRunException>(runner.Run);

        Assert.Contains("element 17", e.Message, StringComparison.Ordinal);
        Assert.Contains("stage preparing it", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("blazeface-back")]
    [InlineData("blazeface-front")]
    [InlineData("facemesh")]
    [InlineData("iris")]
    [InlineData("emotion")]
    [InlineData("movenet-lightning")]
    public void Intact_models_on_a_real_photo_pass_the_finite_output_check(string id)
    {
        using var model = models.Load(id);
        using var runner = model.CreateRunner();
        var shape = model.Descriptor.Input.Shape;
        var (h, w, c) = (shape[1], shape[2], shape[3]);
        using var photo = OpenCvSharp.Cv2.ImRead(models.GroupPhotos[0]);
        using var resized = photo.Resize(new OpenCvSharp.Size(w, h));
        var range = model.Descriptor.Input.Range;
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var px = resized.At<OpenCvSharp.Vec3b>(y, x);
                for (var k = 0; k < c; k++)
                {
                    var v = c == 1 ? (px.Item0 + px.Item1 + px.Item2) / 3f : px[2 - k];
                    var at = (((y * w) + x) * c) + k;
                    if (model.Descriptor.Input.Type == "int32")
                    {
                        runner.InputInt32[at] = (int)v;
                    }
                    else
                    {
                        runner.Input[at] = range[0] + ((range[1] - range[0]) * v / 255f);
                    }
                }
            }
        }

        runner.Run(); // throws on any NaN or infinity
        for (var i = 0; i < runner.OutputShapes.Count; i++)
        {
            Assert.True(System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(runner.Output(i)));
        }
    }
}
