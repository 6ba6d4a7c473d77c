using Mien.Faces.Geometry;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Faces.Occlusion;

/// <summary>
/// The evidence behind one <see cref="FaceOcclusion"/> (for evaluation and calibration).
/// </summary>
/// <param name="MouthNoseColour">Share of the mouth-and-nose regions that do not look like the forehead's skin or lie outside the frame.</param>
/// <param name="EyesColour">Share of the skin under the eyes that does not look like the forehead's skin or lies outside the frame.</param>
/// <param name="LipRedness">Upper-quartile a* of the lips minus the forehead's median a* (CIELAB units).</param>
/// <param name="EyeBrightness">Brightest tenth of the eye openings' lightness over the forehead's median lightness.</param>
public readonly record struct OcclusionCues(float MouthNoseColour, float EyesColour, float LipRedness, float EyeBrightness);

/// <summary>Limits of <see cref="OcclusionEstimator"/>.</summary>
public sealed record OcclusionOptions
{
    /// <summary>
    /// Share of the mouth-and-nose regions judged covered at and above which they count as covered (default 0.8; on 273
    /// real faces clean ones scored a median of 0.06 and a 95th percentile of 0.51, drawn masks 0.89 and more at their
    /// 5th percentile, and a clean face with blue light on its lower half 0.71; docs/identity.md, "Occlusion"). Hidden
    /// lips flag the region whatever the share.
    /// </summary>
    public float MouthNoseThreshold { get; init; } = 0.8f;

    /// <summary>
    /// Share of the eye regions judged covered at and above which the eyes count as covered (default 0.7); dark eye
    /// openings (<see cref="MaxCoveredEyeBrightness"/>) flag them whatever the share.
    /// </summary>
    public float EyesThreshold { get; init; } = 0.7f;

    /// <summary>
    /// Brightest tenth of the eye openings' lightness over the forehead's, below which the eyes are behind dark lenses
    /// (default 0.3: clean faces measured 0.52 and more at their 5th percentile, drawn sunglasses 0.23 and less at their 95th).
    /// </summary>
    public float MaxCoveredEyeBrightness { get; init; } = 0.3f;

    /// <summary>
    /// Largest CIELAB chroma distance (a*, b*) from the forehead's median at which a pixel still looks like the face's
    /// own skin (default 10): shading moves lightness a lot and chroma little, masks and lenses move chroma far.
    /// </summary>
    public float ChromaTolerance { get; init; } = 10f;

    /// <summary>
    /// Least redness of the lips over the forehead (upper-quartile a* of the lips minus the forehead's median, default 1):
    /// lips are redder than skin on every skin tone (a median of 7 on clean faces), so lips that are not are covered by
    /// something skin-coloured (a drawn hand: 0 and less).
    /// </summary>
    public float MinLipRedness { get; init; } = 1f;

    /// <summary>
    /// Least outer-eye-corner distance in pixels at which a face is judged (default 24, about a 60-pixel face, as the
    /// identity quality gate): on smaller faces the lip ring and eye openings are a few pixels and blurred into the skin.
    /// </summary>
    public float MinEyeDistance { get; init; } = 24f;

    /// <summary>Checks the values; the message names the option, its value and the limit.</summary>
    public void Validate()
    {
        static void Check(string name, float value, float lo, float hi)
        {
            if (float.IsNaN(value) || value < lo || value > hi)
            {
                throw new ArgumentException($"{nameof(OcclusionOptions)}.{name} = {value}: must be within [{lo}, {hi}].");
            }
        }

        Check(nameof(MouthNoseThreshold), MouthNoseThreshold, 0.01f, 1);
        Check(nameof(EyesThreshold), EyesThreshold, 0.01f, 1);
        Check(nameof(ChromaTolerance), ChromaTolerance, 1, 100);
        Check(nameof(MinLipRedness), MinLipRedness, -50, 50);
        Check(nameof(MaxCoveredEyeBrightness), MaxCoveredEyeBrightness, 0, 2);
        Check(nameof(MinEyeDistance), MinEyeDistance, 0, 1000);
    }
}

/// <summary>
/// Estimates per face whether mouth and nose, and the eyes, are covered, from the frame's pixels under the face mesh
/// (which still follows a masked face): each region's pixels are compared with the same face's forehead skin in CIELAB
/// chroma. A mask or sunglasses differ in chroma from skin (white and blue masks are achromatic or blue, lenses dark
/// and grey); a skin-coloured hand does not, so the lips are checked to be redder than the forehead and the eye openings
/// to show something bright (sclera or lid), as uncovered ones do. Pixels outside the frame count as covered (a partial
/// crop hides the face as surely as a hand). One per stream; not thread-safe; allocation-free per face after the first.
/// </summary>
public sealed class OcclusionEstimator : IDisposable
{
    // The face is resampled into a small square canvas: colour statistics need no more, and the cost stays ~0.1 ms.
    private const int Side = 96;

    // Labels drawn into the canvas (0 = none). Reference skin first; later regions overwrite shared edges.
    private const byte Forehead = 1, RightCheek = 2, LeftCheek = 3, Nose = 4, Chin = 5, Lips = 6, RightUnder = 7, LeftUnder = 8, RightEye = 9, LeftEye = 10;
    private const int Labels = 11;

    // Skin under the eyes, from the lower lid's second ring down to the cheek's top edge (the same rings Mien.Skin
    // measures as under-eye regions): sunglasses cover it, masks and hands rarely reach it.
    private static readonly int[] RightUnderEyeRing = [25, 110, 24, 23, 22, 26, 112, 121, 120, 119, 118, 117, 111];
    private static readonly int[] LeftUnderEyeRing = [255, 339, 254, 253, 252, 256, 341, 350, 349, 348, 347, 346, 340];

    private static readonly (byte Label, int[] Ring)[] AllRings =
    [
        (Forehead, FaceRegions.Indices(FaceRegion.Forehead).ToArray()),
        (RightCheek, FaceRegions.Indices(FaceRegion.RightCheek).ToArray()),
        (LeftCheek, FaceRegions.Indices(FaceRegion.LeftCheek).ToArray()),
        (Nose, FaceRegions.Indices(FaceRegion.Nose).ToArray()),
        (Chin, FaceRegions.Indices(FaceRegion.Chin).ToArray()),
        (Lips, FaceRegions.Indices(FaceRegion.Mouth).ToArray()),
        (RightUnder, RightUnderEyeRing),
        (LeftUnder, LeftUnderEyeRing),
        (RightEye, FaceRegions.Indices(FaceRegion.RightEye).ToArray()),
        (LeftEye, FaceRegions.Indices(FaceRegion.LeftEye).ToArray()),
    ];

    private readonly OcclusionOptions _options;
    private readonly Mat _canvas = new(Side, Side, MatType.CV_8UC3);
    private readonly Mat _lab = new(Side, Side, MatType.CV_8UC3);
    private readonly Mat _labels = new(Side, Side, MatType.CV_8UC1);
    private readonly Mat _transform = new(2, 3, MatType.CV_64FC1);
    private readonly float[] _refA = new float[Side * Side];
    private readonly float[] _refB = new float[Side * Side];
    private readonly float[] _refL = new float[Side * Side];
    private readonly float[] _lipA = new float[Side * Side];
    private readonly float[] _eyeL = new float[Side * Side];
    private readonly Point[][] _polygons;

    /// <summary>Creates an estimator with <paramref name="options"/> (defaults when null).</summary>
    public OcclusionEstimator(OcclusionOptions? options = null)
    {
        _options = options ?? new OcclusionOptions();
        _options.Validate();
        _polygons = new Point[Labels][];
        foreach (var (label, ring) in Rings())
        {
            _polygons[label] = new Point[ring.Length];
        }
    }

    /// <summary>The limits.</summary>
    public OcclusionOptions Options => _options;

    /// <summary>
    /// Estimates how much of the face whose mesh (≥ 468 points, frame pixels) is <paramref name="mesh"/> is covered in
    /// BGR frame <paramref name="bgr"/>; null when the face is too small to judge
    /// (<see cref="OcclusionOptions.MinEyeDistance"/>) or there is no reference skin to compare with: the forehead out of the
    /// frame, without colour (a greyscale picture, grey hair over it) or darker than the eyes (a fringe, a hat's shadow).
    /// </summary>
    public FaceOcclusion? Estimate(Mat bgr, IReadOnlyList<Point3> mesh) => Estimate(bgr, mesh, out _);

    /// <summary>As <see cref="Estimate(Mat, IReadOnlyList{Point3})"/>, also giving the evidence behind the estimate.</summary>
    public FaceOcclusion? Estimate(Mat bgr, IReadOnlyList<Point3> mesh, out OcclusionCues cues)
    {
        cues = default;
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentNullException.ThrowIfNull(mesh);
        if (bgr.Type() != MatType.CV_8UC3 || bgr.Empty())
        {
            throw new ArgumentException($"frames must be 8-bit BGR (CV_8UC3); got {bgr.Type()} {bgr.Width}×{bgr.Height}", nameof(bgr));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(mesh.Count, MeshIndices.FaceCount, nameof(mesh) + ".Count");
        var eyeDistance = MathF.Sqrt(((mesh[33].X - mesh[263].X) * (mesh[33].X - mesh[263].X)) + ((mesh[33].Y - mesh[263].Y) * (mesh[33].Y - mesh[263].Y)));
        if (!(eyeDistance >= _options.MinEyeDistance))
        {
            return null; // too small to judge: no estimate rather than a guess
        }

        // Square around the face oval, 8 % margin, mapped onto the canvas by scale + shift (no rotation: colour
        // statistics do not care, and the regions come from the mesh itself).
        float minX = float.MaxValue, minY = float.MaxValue, maxX = float.MinValue, maxY = float.MinValue;
        foreach (var i in FaceRegions.Indices(FaceRegion.FaceOval))
        {
            var p = mesh[i];
            minX = MathF.Min(minX, p.X);
            maxX = MathF.Max(maxX, p.X);
            minY = MathF.Min(minY, p.Y);
            maxY = MathF.Max(maxY, p.Y);
        }

        var size = MathF.Max(maxX - minX, maxY - minY) * 1.08f;
        if (!(size >= 4) || !float.IsFinite(size))
        {
            return null;
        }

        var x0 = ((minX + maxX) / 2) - (size / 2);
        var y0 = ((minY + maxY) / 2) - (size / 2);
        var scale = Side / size;
        _transform.Set(0, 0, (double)scale);
        _transform.Set(0, 1, 0d);
        _transform.Set(0, 2, (double)(-x0 * scale));
        _transform.Set(1, 0, 0d);
        _transform.Set(1, 1, (double)scale);
        _transform.Set(1, 2, (double)(-y0 * scale));
        Cv2.WarpAffine(bgr, _canvas, _transform, new Size(Side, Side), InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
        Cv2.CvtColor(_canvas, _lab, ColorConversionCodes.BGR2Lab);

        _labels.SetTo(Scalar.All(0));
        foreach (var (label, ring) in Rings())
        {
            var polygon = _polygons[label];
            for (var k = 0; k < ring.Length; k++)
            {
                var p = mesh[ring[k]];
                polygon[k] = new Point((int)MathF.Round((p.X - x0) * scale), (int)MathF.Round((p.Y - y0) * scale));
            }

            Cv2.FillPoly(_labels, [polygon], Scalar.All(label), LineTypes.Link8);
        }

        // The canvas pixels whose source lies inside the frame (the rest is border fill, i.e. not seen).
        var inX0 = (int)MathF.Ceiling(-x0 * scale);
        var inX1 = (int)MathF.Floor((bgr.Width - x0) * scale) - 1;
        var inY0 = (int)MathF.Ceiling(-y0 * scale);
        var inY1 = (int)MathF.Floor((bgr.Height - y0) * scale) - 1;

        Span<int> total = stackalloc int[Labels];
        Span<int> covered = stackalloc int[Labels];
        total.Clear();
        covered.Clear();
        var nRef = 0;
        var nLip = 0;
        var nEye = 0;
        // Both canvases are allocated here, so continuous: read them as flat spans.
        var lab = Flat(_lab, Side * Side * 3);
        var labels = Flat(_labels, Side * Side);

        // Pass 1: the forehead's own skin (reference) and the raw values of lips and eye openings.
        for (var y = 0; y < Side; y++)
        {
            for (var x = 0; x < Side; x++)
            {
                var label = labels[(y * Side) + x];
                if (label == 0)
                {
                    continue;
                }

                var seen = x >= inX0 && x <= inX1 && y >= inY0 && y <= inY1;
                total[label]++;
                if (!seen)
                {
                    covered[label]++;
                    continue;
                }

                var o = ((y * Side) + x) * 3;
                if (label == Forehead)
                {
                    _refL[nRef] = lab[o] * (100f / 255f);
                    _refA[nRef] = lab[o + 1] - 128f;
                    _refB[nRef] = lab[o + 2] - 128f;
                    nRef++;
                }
                else if (label == Lips)
                {
                    _lipA[nLip++] = lab[o + 1] - 128f;
                }
                else if (label is RightEye or LeftEye)
                {
                    _eyeL[nEye++] = lab[o] * (100f / 255f);
                }
            }
        }

        // Too little forehead in view (or under a fringe the mesh still covers) leaves no reference to compare with.
        if (nRef < 20 || nRef < total[Forehead] / 2)
        {
            return null;
        }

        var refL = Median(_refL.AsSpan(0, nRef));
        var refA = Median(_refA.AsSpan(0, nRef));
        var refB = Median(_refB.AsSpan(0, nRef));
        var eyeBrightness = nEye > 0 && refL > 0 ? Percentile(_eyeL.AsSpan(0, nEye), 0.9f) / refL : 0f;

        // Skin has chroma on every tone (a*, b* both well above 0); a colourless "forehead" is a greyscale picture or
        // grey hair, and one at less than half the eye openings' brightness is hair or shadow: no reference either way.
        if ((refA * refA) + (refB * refB) < 16f || eyeBrightness > 2f)
        {
            return null;
        }

        var tolerance = _options.ChromaTolerance;

        // Pass 2: skin regions pixel by pixel against the reference.
        for (var y = Math.Max(0, inY0); y <= Math.Min(Side - 1, inY1); y++)
        {
            for (var x = Math.Max(0, inX0); x <= Math.Min(Side - 1, inX1); x++)
            {
                var label = labels[(y * Side) + x];
                if (label is not (RightCheek or LeftCheek or Nose or Chin or RightUnder or LeftUnder))
                {
                    continue;
                }

                var o = ((y * Side) + x) * 3;
                var l = lab[o] * (100f / 255f);
                var da = lab[o + 1] - 128f - refA;
                var db = lab[o + 2] - 128f - refB;
                // Chroma decides; lightness only when extreme (deep shadow, a black lens or mask, a white reflection),
                // because shading across a face moves lightness by half and more.
                var skin = (da * da) + (db * db) <= tolerance * tolerance && l >= refL * 0.35f && l <= (refL * 1.6f) + 10f;
                if (!skin)
                {
                    covered[label]++;
                }
            }
        }

        var mouthNoseColour = Share(covered, total, RightCheek, LeftCheek, Nose, Chin);
        var eyesColour = Share(covered, total, RightUnder, LeftUnder);

        // Lips: hidden when they are not redder than the forehead (a hand, a mask of any colour but red). The upper
        // quartile, because an open mouth fills the outer lip ring with teeth and shadow. A skin-coloured cover hides
        // its own extent, so hidden lips flag the region whatever share the colours give.
        var lipRedness = nLip > 0 ? Percentile(_lipA.AsSpan(0, nLip), 0.75f) - refA : float.NaN;
        var lipsHidden = nLip == 0 || lipRedness < _options.MinLipRedness;
        if (lipsHidden)
        {
            covered[Lips] = total[Lips];
        }

        // Eye openings: uncovered ones show sclera or lid skin, so their brightest tenth is near the forehead's
        // lightness; behind dark lenses even that stays dark.
        var darkEyes = eyeBrightness < _options.MaxCoveredEyeBrightness;
        if (darkEyes)
        {
            covered[RightEye] = total[RightEye];
            covered[LeftEye] = total[LeftEye];
        }

        var mouthNose = Share(covered, total, RightCheek, LeftCheek, Nose, Chin, Lips);
        var eyes = Share(covered, total, RightUnder, LeftUnder, RightEye, LeftEye);
        cues = new OcclusionCues(mouthNoseColour, eyesColour, lipRedness, eyeBrightness);
        return new FaceOcclusion(mouthNose, eyes, mouthNose >= _options.MouthNoseThreshold || lipsHidden, eyes >= _options.EyesThreshold || darkEyes);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _canvas.Dispose();
        _lab.Dispose();
        _labels.Dispose();
        _transform.Dispose();
    }

    private static float Share(ReadOnlySpan<int> covered, ReadOnlySpan<int> total, params ReadOnlySpan<byte> labels)
    {
        int c = 0, t = 0;
        foreach (var label in labels)
        {
            c += covered[label];
            t += total[label];
        }

        return t == 0 ? 1f : (float)c / t;
    }

    private static unsafe ReadOnlySpan<byte> Flat(Mat continuous, int length) => new((void*)continuous.Data, length);

    private static float Median(Span<float> values) => Percentile(values, 0.5f);

    private static float Percentile(Span<float> values, float q)
    {
        values.Sort();
        return values[Math.Clamp((int)(q * (values.Length - 1)), 0, values.Length - 1)];
    }

    private static (byte Label, int[] Ring)[] Rings() => AllRings;
}
