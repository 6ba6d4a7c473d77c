using FsCheck;
using FsCheck.Xunit;
using Mien.Affect.Recurrent;
using Mien.Results;

namespace Mien.Affect.Tests.Recurrent;

public sealed class GruExpressionModelTests
{
    /// <summary>Naive double-precision GRU straight from PyTorch's equations, for "optimised equals naive".</summary>
    private sealed class NaiveGru(GruWeights w)
    {
        private readonly double[][] _h = [.. w.Layers.Select(_ => new double[w.HiddenSize])];

        public double[] Step(float[] raw)
        {
            var x = raw.Select((v, i) => (double)((v - w.FeatureMean[i]) / w.FeatureStd[i])).ToArray();
            var hs = w.HiddenSize;
            for (var l = 0; l < _h.Length; l++)
            {
                var layer = w.Layers[l];
                var h = _h[l];
                double Row(float[] m, float[] b, double[] v, int row) => b[row] + v.Select((value, j) => m[(row * v.Length) + j] * value).Sum();
                double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
                var next = new double[hs];
                for (var j = 0; j < hs; j++)
                {
                    var r = Sigmoid(Row(layer.WeightIh, layer.BiasIh, x, j) + Row(layer.WeightHh, layer.BiasHh, h, j));
                    var z = Sigmoid(Row(layer.WeightIh, layer.BiasIh, x, hs + j) + Row(layer.WeightHh, layer.BiasHh, h, hs + j));
                    var n = Math.Tanh(Row(layer.WeightIh, layer.BiasIh, x, (2 * hs) + j) + (r * Row(layer.WeightHh, layer.BiasHh, h, (2 * hs) + j)));
                    next[j] = ((1 - z) * n) + (z * h[j]);
                }

                _h[l] = next;
                x = next;
            }

            var logits = Enumerable.Range(0, 7).Select(c => Row2(w.HeadWeight, w.HeadBias, x, c)).ToArray();
            var max = logits.Max();
            var e = logits.Select(v => Math.Exp(v - max)).ToArray();
            return [.. e.Select(v => v / e.Sum())];

            static double Row2(float[] m, float[] b, double[] v, int row) => b[row] + v.Select((value, j) => m[(row * v.Length) + j] * value).Sum();
        }
    }

    [Property(MaxTest = 30)]
    public bool MatchesANaiveGruWhereDroppedAndUnreliableFramesOnlyChangeTheTimeGap(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var weights = GruTestData.RandomWeights(random, 1 + random.Next(24), 1 + random.Next(3));
        var frames = GruTestData.RandomFrames(random, 60);
        // Reliability-0 frames are ignored by the model; the reference never sees them, so its Δt spans them.
        var withUnreliable = frames.Select(f => random.Next(4) == 0 ? f with { Reliability = 0, Probabilities = [1, 0, 0, 0, 0, 0, 0] } : f).ToList();
        var model = new GruExpressionModel(weights);
        var naive = new NaiveGru(weights);
        TimeSpan? last = null;
        var raw = new float[TemporalFeatures.Length];
        IReadOnlyList<float> expected = [.. Enumerable.Repeat(1f / 7, 7)];
        foreach (var frame in withUnreliable)
        {
            var actual = model.Update(frame).Probabilities;
            if (frame.Reliability > 0)
            {
                TemporalFeatures.Write(frame, last is { } l ? (frame.Timestamp - l).TotalSeconds : 0, raw);
                last = frame.Timestamp;
                expected = [.. naive.Step(raw).Select(v => (float)v)];
            }

            for (var c = 0; c < 7; c++)
            {
                if (MathF.Abs(actual[c] - expected[c]) > 1e-5f)
                {
                    return false;
                }
            }
        }

        return true;
    }

    [Property(MaxTest = 200)]
    public bool DeltaFeatureIsTheClippedGapAndNothingElseDependsOnIt(PositiveInt seed, NormalFloat gap)
    {
        var frame = GruTestData.RandomFrames(new Random(seed.Get), 1)[0];
        var a = new float[TemporalFeatures.Length];
        var b = new float[TemporalFeatures.Length];
        TemporalFeatures.Write(frame, gap.Get, a);
        TemporalFeatures.Write(frame, 0.5, b);
        var expected = (float)Math.Clamp(gap.Get, 0, TemporalFeatures.MaxDeltaSeconds);
        return a[TemporalFeatures.DeltaIndex] == expected && a.Select((v, i) => i == TemporalFeatures.DeltaIndex || v == b[i]).All(x => x);
    }

    [Fact]
    public void LongerGapsChangeTheEstimate()
    {
        var weights = GruTestData.RandomWeights(new Random(3), 16, 1);
        var frames = GruTestData.RandomFrames(new Random(4), 20);
        var steady = new GruExpressionModel(weights);
        var dropped = new GruExpressionModel(weights);
        FilteredExpression? a = null, b = null;
        for (var i = 0; i < frames.Count; i++)
        {
            a = steady.Update(frames[i] with { Timestamp = TimeSpan.FromSeconds(i / 30.0) });
            b = dropped.Update(frames[i] with { Timestamp = TimeSpan.FromSeconds(i / 3.0) });
        }

        Assert.NotEqual(a!.Probabilities, b!.Probabilities);
    }

    [Fact]
    public void FeaturesMaskAbsentGeometryAndFloorProbabilities()
    {
        var f = new float[TemporalFeatures.Length];
        TemporalFeatures.Write(new TemporalInput(TimeSpan.Zero, [0, 0, 0, 1, 0, 0, 0], 0.7f), 0.04, f);
        Assert.Equal(TemporalFeatures.Length, TemporalFeatures.Names.Count);
        Assert.Equal(MathF.Log(1e-4f), f[0]);
        Assert.Equal(0f, f[3]);
        Assert.All(f[TemporalFeatures.UnitsOffset..TemporalFeatures.ReliabilityIndex], v => Assert.Equal(0f, v));
        Assert.Equal(0.7f, f[TemporalFeatures.ReliabilityIndex]);
        Assert.Equal(0.04f, f[TemporalFeatures.DeltaIndex]);

        TemporalFeatures.Write(new TemporalInput(TimeSpan.Zero, [0, 0, 0, 1, 0, 0, 0], 1, Pose: new HeadPose(90, 0, -9)), 5, f);
        Assert.Equal([2f, 0f, -0.2f, 1f], f[24..28]);
        Assert.Equal(TemporalFeatures.MaxDeltaSeconds, f[TemporalFeatures.DeltaIndex]);
    }

    [Fact]
    public void ResetForgetsTheHistoryAndEarlierTimestampsAreRejected()
    {
        var weights = GruTestData.RandomWeights(new Random(5), 12, 2);
        var frames = GruTestData.RandomFrames(new Random(6), 30);
        var model = new GruExpressionModel(weights);
        var first = frames.Select(f => model.Update(f).Probabilities).ToList();
        model.Reset();
        var second = frames.Select(f => model.Update(f).Probabilities).ToList();
        Assert.Equal(first, second);
        Assert.Throws<ArgumentException>(() => model.Update(frames[0]));
        Assert.All(first, p => Assert.Equal(1f, p.Sum(), 5));
    }
}
