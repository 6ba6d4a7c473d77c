using Mien.Affect.Recurrent;
using Mien.Results;

namespace Mien.Affect.Tests.Recurrent;

/// <summary>Random weights and frame sequences for format and kernel tests (real-data parity lives in Mien.Training.Tests).</summary>
internal static class GruTestData
{
    public static GruWeights RandomWeights(Random random, int hidden, int layers)
    {
        float[] Values(int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => (float)(((random.NextDouble() * 2) - 1) * scale))];
        var f = TemporalFeatures.Length;
        var list = new GruLayerWeights[layers];
        for (var l = 0; l < layers; l++)
        {
            var input = l == 0 ? f : hidden;
            list[l] = new GruLayerWeights(Values(3 * hidden * input, 0.6), Values(3 * hidden * hidden, 0.6), Values(3 * hidden, 0.3), Values(3 * hidden, 0.3));
        }

        float[] std = [.. Enumerable.Range(0, f).Select(_ => (float)(0.5 + random.NextDouble()))];
        return new GruWeights(hidden, Values(f, 0.5), std, list, Values(7 * hidden, 1), Values(7, 0.5), "random test weights");
    }

    public static List<TemporalInput> RandomFrames(Random random, int count)
    {
        var frames = new List<TemporalInput>();
        var time = 0.0;
        for (var i = 0; i < count; i++)
        {
            time += (1 + random.Next(4)) / 30.0;
            var p = Enumerable.Range(0, 7).Select(_ => (float)Math.Pow(random.NextDouble(), 3) + 1e-3f).ToArray();
            var sum = p.Sum();
            var units = random.Next(2) == 0 ? null : new ActionUnits([.. Enumerable.Range(0, 16).Select(_ => (float)(random.NextDouble() * 5))], true);
            HeadPose? pose = random.Next(2) == 0 ? null : new HeadPose((float)((random.NextDouble() * 100) - 50), (float)((random.NextDouble() * 40) - 20), (float)((random.NextDouble() * 30) - 15));
            frames.Add(new TemporalInput(TimeSpan.FromSeconds(time), [.. p.Select(v => v / sum)], 0.1f + (0.9f * (float)random.NextDouble()), units, pose,
                random.Next(2) == 0 ? null : (float)random.NextDouble(), random.Next(2) == 0 ? null : (float)(random.NextDouble() * 0.5)));
        }

        return frames;
    }
}
