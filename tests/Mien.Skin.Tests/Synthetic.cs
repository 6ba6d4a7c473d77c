using OpenCvSharp;


namespace Mien.Skin.Tests;

/// <summary>Synthetic illumination changes of real images: exposure gain and colour cast in linear light, then a tone curve (gamma) on the encoded values.</summary>
internal static class Synthetic
{
    /// <summary>A new image: linear value × gain × cast per channel (B, G, R), clipped, re-encoded, then raised to <paramref name="gamma"/>.</summary>
    public static Mat Relight(Mat bgr, float gain, float gamma, (float B, float G, float R) cast)
    {
        using var lut = new Mat(1, 256, MatType.CV_8UC3);
        var factors = new[] { cast.B, cast.G, cast.R };
        for (var v = 0; v < 256; v++)
        {
            var px = new Vec3b();
            for (var c = 0; c < 3; c++)
            {
                var encoded = CieLab.Encode(CieLab.Linear((byte)v) * gain * factors[c]);
                px[c] = (byte)Math.Clamp(Math.Round(255 * Math.Pow(encoded, gamma)), 0, 255);
            }

            lut.Set(0, v, px);
        }

        var result = new Mat();
        Cv2.LUT(bgr, lut, result);
        return result;
    }

    /// <summary>The grid of realistic conditions used for validation (b): gains 0.7–1.3, gammas 0.8–1.25, casts of ±15 % blue/red.</summary>
    public static IEnumerable<(string Name, float Gain, float Gamma, (float B, float G, float R) Cast)> Conditions()
    {
        foreach (var gain in new[] { 0.7f, 1f, 1.3f })
        {
            foreach (var gamma in new[] { 0.8f, 1f, 1.25f })
            {
                foreach (var cast in new[] { (1f, 1f, 1f), (1.15f, 1f, 0.85f), (0.85f, 1f, 1.15f) })
                {
                    yield return ($"gain {gain} gamma {gamma} cast B{cast.Item1}/R{cast.Item3}", gain, gamma, cast);
                }
            }
        }
    }
}
