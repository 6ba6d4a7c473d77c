using Mien.Media;
using Mien.ModelImport.Onnx;
using Mien.Models;
using Mien.Results;
using Mien.Testing;

namespace Mien.Expressions.Tests;

/// <summary>Int8 quantisation of a real expression model (Human's), calibrated and checked on real FER2013 faces.</summary>
[Collection(RealModelsCollection.Name)]
public sealed class Int8QuantizationTests(RealModels models)
{
    private const string Train = "fer2013/train";

    [SharedDataFact(Train)]
    public void Human_model_in_int8_computes_its_convolutions_in_integers_and_agrees_with_the_float_model_on_unseen_faces()
    {
        var files = Directory.EnumerateFiles(SharedData.Require(Train), "*.*", SearchOption.AllDirectories)
            .Where(f => StillImage.Extensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal).ToArray();
        new Random(3).Shuffle(files);
        var (calibration, unseen) = (files[..200], files[200..500]);
        var artifact = models.Artifacts[EmotionClassifier.ModelId];
        var floatSpec = new ExpressionModelSpec(artifact.Model.Id, artifact.OnnxPath, artifact.OnnxSha256, artifact.Model.Input, artifact.Model.Outputs[0].Name, OutputIsLogits: false, ExpressionEstimate.Labels);
        var folder = Directory.CreateTempSubdirectory("mien-int8-").FullName;
        try
        {
            var result = ExpressionModelQuantizer.Quantize(floatSpec, calibration, Path.Combine(folder, "emotion.int8.json"), new Int8QuantizationOptions());

            // Every convolution became a QLinearConv (Human's mini-Xception has 13), and the weights shrank to a byte.
            Assert.Equal(13, result.QuantizedNodes.Where(p => p.Key.StartsWith("Conv", StringComparison.Ordinal)).Sum(p => p.Value));
            Assert.True(result.Int8Bytes < 0.4 * result.FloatBytes, $"int8 file {result.Int8Bytes} bytes against float {result.FloatBytes}");

            var int8Spec = ExpressionModelSpec.Load(result.SpecPath);
            Assert.Equal("emotion-int8", int8Spec.Id);
            Assert.Equal(floatSpec.Labels, int8Spec.Labels);
            using var floatModel = OnnxModel.Load(floatSpec.ToArtifact());
            using var int8Model = OnnxModel.Load(int8Spec.ToArtifact());
            using var reference = new EmotionClassifier(floatModel);
            using var quantized = new EmotionClassifier(int8Model, new EmotionClassifierOptions { Labels = int8Spec.Labels });
            var (agree, difference) = (0, 0.0);
            foreach (var file in unseen)
            {
                using var face = StillImage.Load(file);
                var (f, q) = (reference.ClassifyCrop(face), quantized.ClassifyCrop(face));
                agree += f.Dominant == q.Dominant ? 1 : 0;
                difference += f.Probabilities.Zip(q.Probabilities, (a, b) => Math.Abs(a - b)).Max();
            }

            // Measured: 290 of 300 agree, mean largest |Δp| 0.023 (PublicTest accuracy 65.4 % float, 64.9 % int8).
            // A wrong scale, zero point or bias would scramble the classes (agreement near chance).
            Assert.True(agree >= 0.9 * unseen.Length, $"top-1 agreement {agree} of {unseen.Length}");
            Assert.True(difference / unseen.Length <= 0.05, $"mean largest probability difference {difference / unseen.Length:F3}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
