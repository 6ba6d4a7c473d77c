using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Mien.Testing;

namespace Mien.Models.Tests;

/// <summary>
/// Every imported model, run by ONNX Runtime with Mien's default session options, reproduces TF.js
/// 4.22 (CPU backend) outputs recorded in tests/golden by tools/reference/make-golden.mjs.
/// </summary>
/// <remarks>
/// Tolerance: |ort − tfjs| ≤ tol · max(1, |tfjs|), tol = 1e-4 for float32 weights and 1e-3 for float16.
/// For values within ±1 (probabilities, scores, embeddings) that is the absolute bound; for larger
/// outputs (pixel coordinates, logits down to −1349) it is relative, because float32 itself cannot
/// hold 1e-4 absolute there (ulp(1348) = 1.2e-4) and TF.js's own CPU and WASM backends differ by up
/// to 7.9e-4 on the same output (tests/golden/README.md).
/// </remarks>
[Collection(RealModelsCollection.Name)]
public sealed class TfjsParityTests(RealModels models)
{
    /// <summary>Golden model name → manifest id (the reference follows the package's file names).</summary>
    private static readonly Dictionary<string, string> IdOf = new(StringComparer.Ordinal) { ["blazeface"] = "blazeface-back" };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Directory.GetFiles(Repository.Golden("tfjs"), "*.json").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
            {
                data.Add(Path.GetFileNameWithoutExtension(file), c.GetProperty("name").GetString()!);
            }
        }

        return data;
    }

    [Fact]
    public void Every_manifest_model_has_golden_outputs()
    {
        var golden = Directory.GetFiles(Repository.Golden("tfjs"), "*.json")
            .Select(f => Path.GetFileNameWithoutExtension(f))
            .Select(n => IdOf.GetValueOrDefault(n) ?? n)
            .ToHashSet(StringComparer.Ordinal);
        var missing = models.Store.Manifest.Models.Select(m => m.Id).Where(id => !golden.Contains(id)).ToArray();
        Assert.True(missing.Length == 0, $"models without TF.js golden outputs: {string.Join(", ", missing)}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Imported_model_matches_tfjs_reference(string goldenModel, string caseName)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Repository.Golden("tfjs", goldenModel + ".json")));
        var root = doc.RootElement;
        var c = root.GetProperty("cases").EnumerateArray().Single(x => x.GetProperty("name").GetString() == caseName);
        var artifact = models.Artifacts[IdOf.GetValueOrDefault(goldenModel) ?? goldenModel];
        var descriptor = artifact.Model;
        Assert.Equal(root.GetProperty("input").GetProperty("name").GetString(), descriptor.Input.Name);

        var shape = c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        using var model = OnnxModel.Load(artifact);
        using var runner = model.CreateRunner(shape[0]);
        var inputBytes = FillInput(runner, descriptor.Input.Type == "int32", c.GetProperty("input"));
        Assert.Equal(c.GetProperty("input").GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(inputBytes)));

        runner.Run();

        var tolerance = descriptor.Weights == "float16" ? 1e-3 : 1e-4;
        var report = new List<string>();
        foreach (var o in c.GetProperty("outputs").EnumerateArray())
        {
            var name = o.GetProperty("signatureKey").ValueKind == JsonValueKind.String
                ? o.GetProperty("signatureKey").GetString()!
                : o.GetProperty("node").GetString()!;
            var expected = o.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var actual = runner.Output(name);
            Assert.Equal(expected.Length, actual.Length);
            var index = Array.IndexOf(descriptor.Outputs.Select(x => x.Name).ToArray(), name);
            Assert.Equal(o.GetProperty("shape").EnumerateArray().Select(e => (long)e.GetInt32()), runner.OutputShapes[index]);

            double worst = 0, worstAbs = 0;
            var at = -1;
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.False(float.IsNaN(actual[i]), $"{name}[{i}] is NaN");
                var diff = Math.Abs(actual[i] - expected[i]);
                var scaled = diff / Math.Max(1, Math.Abs(expected[i]));
                worstAbs = Math.Max(worstAbs, diff);
                if (scaled > worst)
                {
                    worst = scaled;
                    at = i;
                }
            }

            if (worst > tolerance)
            {
                report.Add($"{name}: scaled error {worst:E2} at [{at}] (ort {actual[at]}, tfjs {expected[at]}), max abs {worstAbs:E2}, tolerance {tolerance:E0}");
            }
        }

        Assert.True(report.Count == 0, $"{goldenModel}/{caseName}: " + string.Join("; ", report));
    }

    /// <summary>Rebuilds the golden input bit for bit and returns its little-endian bytes (hashed against the golden record).</summary>
    private static byte[] FillInput(ModelRunner runner, bool isInt, JsonElement input)
    {
        if (input.GetProperty("kind").GetString() == "noise")
        {
            var seed = (uint)input.GetProperty("seed").GetInt64();
            if (isInt)
            {
                SeededNoise.FillBytes(runner.InputInt32, seed);
            }
            else
            {
                SeededNoise.Fill(runner.Input, seed, input.GetProperty("low").GetDouble(), input.GetProperty("high").GetDouble());
            }
        }
        else
        {
            var pixels = File.ReadAllBytes(Repository.Golden(input.GetProperty("file").GetString()!));
            var scale = input.GetProperty("scale").GetDouble();
            var offset = input.GetProperty("offset").GetDouble();
            var length = isInt ? runner.InputInt32.Length : runner.Input.Length;
            Assert.Equal(length, pixels.Length);
            for (var i = 0; i < length; i++)
            {
                if (isInt)
                {
                    runner.InputInt32[i] = pixels[i];
                }
                else
                {
                    runner.Input[i] = (float)((pixels[i] * scale) + offset);
                }
            }
        }

        return isInt ? MemoryMarshal.AsBytes(runner.InputInt32).ToArray() : MemoryMarshal.AsBytes(runner.Input).ToArray();
    }
}
