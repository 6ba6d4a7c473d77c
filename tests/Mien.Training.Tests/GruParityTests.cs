using Mien.Affect;
using Mien.Affect.Recurrent;
using Mien.Results;
using Mien.Testing;
using TorchSharp;

namespace Mien.Training.Tests;

/// <summary>
/// The hand-written C# GRU against TorchSharp's <c>torch.nn.GRU</c> (the independent reference): same exported
/// weights, same frames, probabilities within 1e-5.
/// </summary>
public sealed class GruParityTests(CkPlusClips data) : IClassFixture<CkPlusClips>
{
    [Theory]
    [InlineData(32, 1, 11)]
    [InlineData(16, 2, 12)]
    [InlineData(5, 3, 13)]
    public void CSharpGruReproducesTorchSharpOnFramesWithEveryFeature(int hidden, int layers, int seed)
    {
        var clip = SyntheticClip(new Random(seed), 300);
        AssertParity(clip, hidden, layers, seed);
    }

    [SharedDataFact("ckplus48_dev")]
    public void CSharpGruReproducesTorchSharpOnRealClassifierOutput()
    {
        AssertParity(data.Clips[0], 32, 1, 5);
    }

    private static void AssertParity(LabelledClip clip, int hidden, int layers, int seed)
    {
        LibTorchCompatibility.EnsureLoadable();
        torch.manual_seed(seed);
        using var net = new TemporalGruNet(hidden, layers);
        var features = ClipFeatures.From(clip);
        var (mean, std) = ClipFeatures.Normalisation([features]);
        var weights = net.Export(mean, std, "parity");
        var f = TemporalFeatures.Length;
        var normalised = new float[features.Features.Length];
        for (var i = 0; i < normalised.Length; i++)
        {
            normalised[i] = (features.Features[i] - mean[i % f]) / std[i % f];
        }

        var reference = net.Probabilities(normalised, features.Length);
        var model = new GruExpressionModel(GruWeights.Parse(weights.ToBytes(), "parity"));
        var worst = 0f;
        for (var t = 0; t < clip.Frames.Count; t++)
        {
            var p = model.Update(clip.Frames[t]).Probabilities;
            for (var c = 0; c < GruWeights.Classes; c++)
            {
                worst = MathF.Max(worst, MathF.Abs(p[c] - reference[(t * GruWeights.Classes) + c]));
            }
        }

        Assert.True(worst <= 1e-5f, $"max |C# − TorchSharp| = {worst:E2} over {clip.Frames.Count} frames (hidden {hidden}, layers {layers})");
    }

    /// <summary>Frames exercising every feature: random probabilities, AUs, pose, eyes, mouth, reliability and gaps.</summary>
    internal static LabelledClip SyntheticClip(Random random, int length)
    {
        var frames = new List<TemporalInput>();
        var time = 0.0;
        for (var i = 0; i < length; i++)
        {
            time += (1 + random.Next(3)) / 25.0 * (random.Next(20) == 0 ? 30 : 1);
            var p = new float[7];
            for (var c = 0; c < 7; c++)
            {
                p[c] = MathF.Pow((float)random.NextDouble(), 3);
            }

            var sum = p.Sum();
            for (var c = 0; c < 7; c++)
            {
                p[c] /= sum;
            }

            var units = random.Next(3) == 0 ? null : new ActionUnits([.. Enumerable.Range(0, 16).Select(_ => (float)(random.NextDouble() * 5))], true);
            HeadPose? pose = random.Next(3) == 0 ? null : new HeadPose((float)((random.NextDouble() * 120) - 60), (float)((random.NextDouble() * 60) - 30), (float)((random.NextDouble() * 40) - 20));
            frames.Add(new TemporalInput(TimeSpan.FromSeconds(time), p, 0.05f + (0.95f * (float)random.NextDouble()), units, pose,
                random.Next(2) == 0 ? null : (float)random.NextDouble(), random.Next(2) == 0 ? null : (float)(random.NextDouble() * 0.6)));
        }

        return new LabelledClip("s", "c", frames, [.. frames.Select(_ => random.Next(7))]);
    }
}
