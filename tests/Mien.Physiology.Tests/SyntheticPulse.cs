using Mien.Physiology.Pulse;
using Mien.Results;

namespace Mien.Physiology.Tests;

/// <summary>
/// Synthetic skin-colour traces with a known pulse. The pulse's colour signature is the blood-volume-pulse vector of
/// de Haan and van Leest (2014), normalised skin reflectance change ∝ (0.33, 0.77, 0.53) for (R, G, B): green-weighted.
/// </summary>
internal static class SyntheticPulse
{
    public static readonly (double R, double G, double B) Signature = (0.33, 0.77, 0.53);

    /// <summary>A pulse waveform with unit peak: fundamental plus a weaker harmonic (the dicrotic shape).</summary>
    public static double Wave(double t, double hz) => (Math.Sin(2 * Math.PI * hz * t) + (0.3 * Math.Sin((4 * Math.PI * hz * t) + 0.8))) / 1.25;

    /// <summary>Relative change of each channel at time t for a pulse of <paramref name="amplitude"/> (e.g. 0.003 = 0.3 % of intensity on green).</summary>
    public static (double R, double G, double B) Gain(double t, double hz, double amplitude)
    {
        var w = amplitude * Wave(t, hz) / Signature.G;
        return (1 + (w * Signature.R), 1 + (w * Signature.G), 1 + (w * Signature.B));
    }

    /// <summary>Runs an estimator over a synthetic trace and returns its estimates.</summary>
    public static List<HeartRateEstimate> Run(double bpm, double amplitude, double noise, double seconds = 30, double fps = 24, int seed = 1, Func<double, double>? light = null, HeartRateOptions? options = null)
    {
        var random = new Random(seed);
        var estimator = new HeartRateEstimator(options);
        var estimates = new List<HeartRateEstimate>();
        for (var i = 0; i < seconds * fps; i++)
        {
            var t = i / fps;
            var (gr, gg, gb) = Gain(t, bpm / 60, amplitude);
            var l = light?.Invoke(t) ?? 1;
            var sample = new SkinColorSample(
                (float)((170 * gr * l) + (noise * Gaussian(random))),
                (float)((120 * gg * l) + (noise * Gaussian(random))),
                (float)((95 * gb * l) + (noise * Gaussian(random))),
                3000,
                100,
                100,
                60);
            if (estimator.Add(TimeSpan.FromSeconds(t), sample, new HeadPose(0, 0, 0)) is { } e)
            {
                estimates.Add(e);
            }
        }

        return estimates;
    }

    public static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
