using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Mien.Media;
using Mien.ModelImport;
using Mien.ModelImport.Onnx;
using Mien.Models;

namespace Mien.Expressions;

/// <summary>What <see cref="ExpressionModelQuantizer.Quantize"/> wrote.</summary>
/// <param name="OnnxPath">The int8 model.</param>
/// <param name="SpecPath">Its declaration, for <c>--expression-model</c>.</param>
/// <param name="CalibrationImages">Images the ranges were measured on.</param>
/// <param name="FloatBytes">Size of the float model file.</param>
/// <param name="Int8Bytes">Size of the int8 model file.</param>
/// <param name="QuantizedNodes">Nodes computed in integers, by op type.</param>
/// <param name="FloatNodes">Nodes left in float, by op type.</param>
public sealed record QuantizedExpressionModel(string OnnxPath, string SpecPath, int CalibrationImages, long FloatBytes, long Int8Bytes, IReadOnlyDictionary<string, int> QuantizedNodes, IReadOnlyDictionary<string, int> FloatNodes);

/// <summary>
/// Int8 post-training quantisation of a declared expression model (<c>model.json</c>, e.g. from
/// <c>mien train expression</c>): batch normalisations folded, activation ranges measured on calibration face crops fed
/// exactly as the classifier feeds them, then <see cref="Int8Quantization"/>. Writes <c>&lt;name&gt;.int8.onnx</c> and a
/// declaration beside it that keeps the original's input, output and labels and records the quantisation.
/// </summary>
public static class ExpressionModelQuantizer
{
    /// <summary>Most calibration images read (ranges settle well before; more only costs time).</summary>
    public const int MaxCalibrationImages = 100_000;

    /// <summary>A seeded sample of the images under <paramref name="folder"/> (any depth), and how many there were.</summary>
    /// <exception cref="Mien.Failures.InputException">The folder does not exist or holds no images.</exception>
    public static (IReadOnlyList<string> Sample, int Available) SampleImages(string folder, int count, int seed)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new Mien.Failures.InputException($"--calibration '{folder}': not a folder.");
        }

        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => StillImage.Extensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
        {
            throw new Mien.Failures.InputException($"--calibration '{folder}': no images ({string.Join(", ", StillImage.Extensions)}).");
        }

        new Random(seed).Shuffle(files);
        return (files[..Math.Min(count, files.Length)], files.Length);
    }

    /// <summary>Quantises the declared model <paramref name="spec"/> with ranges from <paramref name="calibrationImages"/>.</summary>
    /// <param name="spec">The float model (<see cref="ExpressionModelSpec.Load"/>, or built from a manifest model).</param>
    /// <param name="calibrationImages">Face crops (any size, grey or colour), e.g. a sample of the training images.</param>
    /// <param name="outputSpecPath">Where the int8 declaration goes (the ONNX file is written beside it).</param>
    /// <param name="options">Quantisation options.</param>
    /// <param name="progress">Images done.</param>
    /// <param name="cancellationToken">Stops between images.</param>
    /// <exception cref="ModelStoreException">The model file is unreadable or differs from its declared SHA-256.</exception>
    /// <exception cref="ModelImportException">The model is not ONNX or its opset is too old.</exception>
    /// <exception cref="Mien.Failures.InputException">A calibration image cannot be decoded.</exception>
    public static QuantizedExpressionModel Quantize(ExpressionModelSpec spec, IReadOnlyList<string> calibrationImages, string outputSpecPath, Int8QuantizationOptions options, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(calibrationImages);
        ArgumentException.ThrowIfNullOrEmpty(outputSpecPath);
        ArgumentNullException.ThrowIfNull(options);
        if (calibrationImages.Count is 0 or > MaxCalibrationImages)
        {
            throw new ArgumentException($"calibration images: {calibrationImages.Count}; give 1–{MaxCalibrationImages} (a few hundred is plenty)", nameof(calibrationImages));
        }

        var artifact = spec.ToArtifact();
        var floatBytes = File.ReadAllBytes(artifact.OnnxPath);
        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(floatBytes)), artifact.OnnxSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelStoreException(spec.Id, $"'{artifact.OnnxPath}' changed while it was being read");
        }

        Int8Quantization.EnsureQuantizable(floatBytes, spec.Id);
        var folded = Int8Quantization.FoldBatchNorm(floatBytes, spec.Id);
        var tensors = Int8Quantization.CalibrationTensors(folded, spec.Id);
        var ranges = Calibrate(spec, folded, tensors, calibrationImages, progress, cancellationToken);
        var result = Int8Quantization.Quantize(folded, ranges, options, spec.Id);

        var outputSpec = Path.GetFullPath(outputSpecPath);
        var folder = Path.GetDirectoryName(outputSpec)!;
        Directory.CreateDirectory(folder);
        var onnxName = Path.GetFileNameWithoutExtension(outputSpec) + ".onnx";
        var onnxPath = Path.Combine(folder, onnxName);
        WriteAtomically(onnxPath, result.Model);

        var declaration = new JsonObject
        {
            ["id"] = spec.Id + "-int8",
            ["onnx"] = onnxName,
            ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(result.Model)),
            ["input"] = new JsonObject
            {
                ["name"] = spec.Input.Name,
                ["shape"] = JsonSerializer.SerializeToNode(spec.Input.Shape),
                ["layout"] = spec.Input.Layout,
                ["colour"] = spec.Input.Colour,
                ["range"] = JsonSerializer.SerializeToNode(spec.Input.Range),
            },
            ["output"] = new JsonObject { ["name"] = spec.OutputName, ["kind"] = spec.OutputIsLogits ? "logits" : "probabilities" },
            ["labels"] = JsonSerializer.SerializeToNode(spec.Labels),
            ["quantization"] = new JsonObject
            {
                ["from"] = new JsonObject { ["id"] = spec.Id, ["onnx"] = Path.GetFileName(artifact.OnnxPath), ["sha256"] = artifact.OnnxSha256 },
                ["scheme"] = options.ReduceRange ? "static int8: uint8 activations (calibrated min/max), 7-bit int8 weights per output channel" : "static int8: uint8 activations (calibrated min/max), int8 weights per output channel",
                ["calibrationImages"] = calibrationImages.Count,
                ["quantizedNodes"] = JsonSerializer.SerializeToNode(result.QuantizedNodes),
                ["floatNodes"] = JsonSerializer.SerializeToNode(result.FloatNodes),
            },
        };
        WriteAtomically(outputSpec, System.Text.Encoding.UTF8.GetBytes(declaration.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
        return new QuantizedExpressionModel(onnxPath, outputSpec, calibrationImages.Count, floatBytes.Length, result.Model.Length, result.QuantizedNodes, result.FloatNodes);
    }

    private static Dictionary<string, TensorRange> Calibrate(ExpressionModelSpec spec, byte[] folded, IReadOnlyList<string> tensors, IReadOnlyList<string> images, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(OnnxGraphOutputs.WithOutputs(folded, tensors, spec.Id), options);
        using var encoder = new ExpressionInputEncoder(spec.Input);
        var input = new float[encoder.Length];
        var shape = new long[] { 1, spec.Input.Shape[1], spec.Input.Shape[2], spec.Input.Shape[3] };
        var ranges = new Dictionary<string, TensorRange>(StringComparer.Ordinal);
        var inputRange = new TensorRange(float.MaxValue, float.MinValue);
        using var run = new RunOptions();
        for (var i = 0; i < images.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using (var face = StillImage.Load(images[i]))
            {
                encoder.EncodeAny(face, input);
            }

            inputRange = inputRange.Union(System.Numerics.Tensors.TensorPrimitives.Min(input), System.Numerics.Tensors.TensorPrimitives.Max(input));
            using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
            using var outputs = session.Run(run, [spec.Input.Name], [value], tensors);
            for (var t = 0; t < tensors.Count; t++)
            {
                var data = outputs[t].GetTensorDataAsSpan<float>();
                if (data.IsEmpty)
                {
                    continue;
                }

                var (min, max) = (System.Numerics.Tensors.TensorPrimitives.Min(data), System.Numerics.Tensors.TensorPrimitives.Max(data));
                ranges[tensors[t]] = ranges.TryGetValue(tensors[t], out var r) ? r.Union(min, max) : new TensorRange(min, max);
            }

            progress?.Report(i + 1);
        }

        ranges[spec.Input.Name] = inputRange;
        return ranges;
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
