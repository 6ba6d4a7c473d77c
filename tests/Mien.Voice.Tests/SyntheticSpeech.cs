namespace Mien.Voice.Tests;

/// <summary>
/// A crude formant synthesiser (glottal pulse train with a falling-rising pitch through three vowel resonators,
/// syllables of 180–260 ms grouped into words with pauses) for tests that must run without the shared speech data.
/// </summary>
internal static class SyntheticSpeech
{
    private static readonly (double F1, double F2, double F3)[] Vowels = [(730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480), (570, 840, 2410)];

    public static float[] Generate(int rate, double seconds, int seed = 3)
    {
        var random = new Random(seed);
        var output = new float[(int)(seconds * rate)];
        var at = (int)(0.4 * rate);
        var phase = 0.0;
        var word = 0;
        while (at < output.Length - rate)
        {
            var syllables = 2 + random.Next(4);
            for (var s = 0; s < syllables && at < output.Length - rate; s++)
            {
                var length = (int)((0.18 + (0.08 * random.NextDouble())) * rate);
                var (f1, f2, f3) = Vowels[random.Next(Vowels.Length)];
                var r = new Resonator[] { new(f1, 90, rate), new(f2, 110, rate), new(f3, 170, rate) };
                var f0Base = 105 + (25 * Math.Sin(word + s));
                for (var i = 0; i < length; i++)
                {
                    var progress = i / (double)length;
                    var f0 = f0Base * (1 + (0.08 * Math.Sin(Math.PI * progress)));
                    phase += f0 / rate;
                    var pulse = 0.0;
                    if (phase >= 1)
                    {
                        phase -= 1;
                        pulse = 1;
                    }

                    var excitation = pulse + (0.02 * ((random.NextDouble() * 2) - 1));
                    var y = (r[0].Step(excitation) + (0.6 * r[1].Step(excitation)) + (0.3 * r[2].Step(excitation))) * Math.Sin(Math.PI * progress);
                    output[at + i] = (float)(0.02 * y);
                }

                at += length + (int)((0.03 + (0.04 * random.NextDouble())) * rate);
            }

            at += (int)((0.5 + (0.6 * random.NextDouble())) * rate);
            word++;
        }

        // Peak at −10 dBFS, as speech recorded with sensible gain.
        var peak = output.Max(MathF.Abs);
        for (var i = 0; i < output.Length; i++)
        {
            output[i] *= 0.3f / peak;
        }

        var noise = new Random(seed + 1);
        for (var i = 0; i < output.Length; i++)
        {
            output[i] += (float)(1e-3 * ((noise.NextDouble() * 2) - 1));
        }

        return output;
    }

    /// <summary>Second-order resonator (Klatt's).</summary>
    private sealed class Resonator
    {
        private readonly double _a, _b, _c;
        private double _y1, _y2;

        public Resonator(double frequency, double bandwidth, int rate)
        {
            var t = 1.0 / rate;
            _c = -Math.Exp(-2 * Math.PI * bandwidth * t);
            _b = 2 * Math.Exp(-Math.PI * bandwidth * t) * Math.Cos(2 * Math.PI * frequency * t);
            _a = 1 - _b - _c;
        }

        public double Step(double x)
        {
            var y = (_a * x) + (_b * _y1) + (_c * _y2);
            _y2 = _y1;
            _y1 = y;
            return y;
        }
    }
}
