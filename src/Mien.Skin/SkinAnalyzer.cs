using Mien.Faces.Geometry;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Skin;

/// <summary>
/// Measures skin tone, texture, redness, spots, shine and under-eye darkness of one face per call, on mesh regions
/// with eyes, brows, lips, hair, nostrils and highlights removed. One per pipeline (not thread-safe): it reuses its
/// scratch images across calls.
/// </summary>
/// <remarks>
/// <para>Each face is warped by a similarity transform to a canonical 192×240 crop with the eye centres level and
/// 64 px apart (≈ 1 px per mm for an adult's 63 mm), so texture and spot sizes do not depend on the camera's
/// resolution and the cost per face is fixed. Small faces are upsampled and look smoother: compare texture only
/// between recordings of similar resolution.</para>
/// <para>Colours are normalised for illumination (<see cref="IlluminationNormalization"/>), converted exactly to
/// CIELAB, and filtered by a per-face skin-colour model: pixels far from the face's robust median (3.5 MAD, at
/// least 8 units in a*/b*, 15 darker in L*) are hair, beard, nostrils, shadows or make-up edges and are left out;
/// bright desaturated pixels are highlights (counted as shine, left out of colour).</para>
/// </remarks>
public sealed class SkinAnalyzer : IDisposable
{
    /// <summary>Canonical crop width.</summary>
    internal const int Width = 192;

    /// <summary>Canonical crop height.</summary>
    internal const int Height = 240;

    /// <summary>Distance between the eye centres in the canonical crop (pixels).</summary>
    internal const float EyeDistance = 64;

    private const float EyeY = 100;
    private const int Pixels = Width * Height;

    // Pixel flags.
    private const byte Clipped = 1;
    private const byte Specular = 2;
    private const byte Outlier = 4;
    private const byte Usable = 8;
    private const byte Core = 16;

    private static readonly int RegionCount = SkinRegions.All.Count;

    private readonly Mat _canon = new(Height, Width, MatType.CV_8UC3);
    private readonly Mat _labels = new(Height, Width, MatType.CV_8UC1);
    private readonly Mat _mask = new(Height, Width, MatType.CV_8UC1);
    private readonly Mat _l = new(Height, Width, MatType.CV_32FC1);
    private readonly Mat _a = new(Height, Width, MatType.CV_32FC1);
    private readonly Mat _blurL = new(Height, Width, MatType.CV_32FC1);
    private readonly Mat _blurA = new(Height, Width, MatType.CV_32FC1);
    private readonly Mat _dxx = new(Height, Width, MatType.CV_32FC1);
    private readonly Mat _dyy = new(Height, Width, MatType.CV_32FC1);
    private readonly Mat _dxy = new(Height, Width, MatType.CV_32FC1);
    private readonly Mat _components = new(Height, Width, MatType.CV_32SC1);
    private readonly Mat _componentStats = new();
    private readonly Mat _componentCentroids = new();
    private readonly Mat _erodeKernel = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(3, 3));
    private readonly float[] _b = new float[Pixels];
    private readonly float[] _linR = new float[Pixels];
    private readonly float[] _linG = new float[Pixels];
    private readonly byte[] _flags = new byte[Pixels];
    private readonly float[] _scratch = new float[Pixels];
    private readonly float[][] _lut = [new float[256], new float[256], new float[256]];
    private readonly EyeWhites _eyeWhites = new();
    private readonly Point[][] _polygons;
    private bool _disposed;

    /// <summary>Creates an analyser with <paramref name="options"/> (validated).</summary>
    public SkinAnalyzer(SkinAnalyzerOptions? options = null)
    {
        Options = options ?? new SkinAnalyzerOptions();
        Options.Validate();
        _polygons = new Point[RegionCount + SkinRegions.Excluded.Count][];
        for (var r = 0; r < RegionCount; r++)
        {
            _polygons[r] = new Point[SkinRegions.Ring(SkinRegions.All[r]).Length];
        }

        for (var e = 0; e < SkinRegions.Excluded.Count; e++)
        {
            _polygons[RegionCount + e] = new Point[FaceRegions.Indices(SkinRegions.Excluded[e]).Length];
        }
    }

    /// <summary>The settings in use.</summary>
    public SkinAnalyzerOptions Options { get; }

    /// <summary>
    /// Analyses the face whose mesh is <paramref name="landmarks"/> (468 or 478 points in <paramref name="bgrFrame"/>'s
    /// pixels). Returns "insufficient quality" with reasons instead of numbers when the face is missing, too small,
    /// turned, out of frame, badly exposed, blurred or occluded.
    /// </summary>
    /// <param name="bgrFrame">The frame, 8-bit BGR. Only the face is looked at: the backdrop never changes the result.</param>
    /// <param name="landmarks">The face mesh, or null when no face was found.</param>
    /// <param name="pose">Head pose when known (gates on yaw and pitch).</param>
    public SkinFrame Analyze(Mat bgrFrame, IReadOnlyList<Point3>? landmarks, HeadPose? pose)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(bgrFrame);
        if (bgrFrame.Type() != MatType.CV_8UC3 || bgrFrame.Empty())
        {
            throw new ArgumentException($"expected a non-empty 8-bit BGR image, got {bgrFrame.Type()} {bgrFrame.Width}x{bgrFrame.Height}", nameof(bgrFrame));
        }

        if (landmarks is null || landmarks.Count < MeshIndices.FaceCount)
        {
            return Reject(new SkinIssue("no-face", landmarks is null ? "no face was found" : $"the mesh has {landmarks.Count} points, needs {MeshIndices.FaceCount}"), 0);
        }

        var faceWidth = Distance(landmarks[234], landmarks[454]);
        var reasons = new List<SkinIssue>();
        if (!(faceWidth >= Options.MinFaceWidth))
        {
            reasons.Add(Issue("face-too-small", $"face is {faceWidth:F0} px wide, needs ≥ {Options.MinFaceWidth:F0}"));
        }

        if (pose is { } p)
        {
            if (Math.Abs(p.Yaw) > Options.MaxYaw)
            {
                reasons.Add(Issue("pose", $"head turned {p.Yaw:F0}° (yaw limit ±{Options.MaxYaw:F0}°)"));
            }

            if (Math.Abs(p.Pitch) > Options.MaxPitch)
            {
                reasons.Add(Issue("pose", $"head tilted {p.Pitch:F0}° (pitch limit ±{Options.MaxPitch:F0}°)"));
            }
        }

        var outside = OutsideFraction(landmarks, bgrFrame.Width, bgrFrame.Height);
        if (outside > 0.05f)
        {
            reasons.Add(Issue("out-of-frame", $"{outside:P0} of the face outline is outside the image"));
        }

        if (reasons.Count > 0)
        {
            return Reject(reasons, faceWidth);
        }

        Warp(bgrFrame, landmarks);
        DrawLabels(landmarks);
        return Measure(bgrFrame, landmarks, faceWidth, pose);
    }

    /// <summary>
    /// The region labels (0 = none, 1 + <see cref="SkinRegion"/> otherwise) of the last call whose pixels were
    /// usable, in the canonical crop, and the frame→canonical affine transform (2×3, row-major). For overlays.
    /// </summary>
    internal Mat LastLabels => _labels;

    /// <summary>Per-pixel flags of the last measured call (bit 8 = usable for colour, 2 = highlight).</summary>
    internal ReadOnlySpan<byte> LastFlags => _flags;

    /// <summary>Frame → canonical transform of the last call.</summary>
    internal double[] LastTransform { get; } = new double[6];

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _eyeWhites.Dispose();
        foreach (var m in new[] { _canon, _labels, _mask, _l, _a, _blurL, _blurA, _dxx, _dyy, _dxy, _components, _componentStats, _componentCentroids, _erodeKernel })
        {
            m.Dispose();
        }
    }

    private static SkinIssue Issue(string code, string message) => new(code, message);

    private static SkinFrame Reject(SkinIssue issue, float faceWidth) => Reject([issue], faceWidth);

    private static SkinFrame Reject(IReadOnlyList<SkinIssue> reasons, float faceWidth, float sharpness = float.NaN, float medianL = float.NaN, float clipped = float.NaN, float usable = float.NaN, SkinColourCorrection? colour = null) =>
        new(new SkinQuality(false, reasons, 0, faceWidth, sharpness, medianL, clipped, usable, colour), [], null);

    private static float Distance(Point3 a, Point3 b) => MathF.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));

    private static float OutsideFraction(IReadOnlyList<Point3> mesh, int width, int height)
    {
        var ring = FaceRegions.Indices(FaceRegion.FaceOval);
        var outside = 0;
        foreach (var i in ring)
        {
            var q = mesh[i];
            if (q.X < 0 || q.Y < 0 || q.X > width - 1 || q.Y > height - 1)
            {
                outside++;
            }
        }

        return outside / (float)ring.Length;
    }

    /// <summary>Similarity transform putting the eye centres level, <see cref="EyeDistance"/> apart, centred at the top third.</summary>
    internal static void Transform(IReadOnlyList<Point3> mesh, Span<double> m)
    {
        double rx = (mesh[MeshIndices.RightEyeOuter].X + mesh[MeshIndices.RightEyeInner].X) / 2.0;
        double ry = (mesh[MeshIndices.RightEyeOuter].Y + mesh[MeshIndices.RightEyeInner].Y) / 2.0;
        double lx = (mesh[MeshIndices.LeftEyeOuter].X + mesh[MeshIndices.LeftEyeInner].X) / 2.0;
        double ly = (mesh[MeshIndices.LeftEyeOuter].Y + mesh[MeshIndices.LeftEyeInner].Y) / 2.0;
        double dx = lx - rx, dy = ly - ry;
        var d = Math.Sqrt((dx * dx) + (dy * dy));
        var k = EyeDistance / Math.Max(d, 1e-6);
        double c = dx / Math.Max(d, 1e-6), s = dy / Math.Max(d, 1e-6);
        double mx = (rx + lx) / 2, my = (ry + ly) / 2;
        m[0] = k * c;
        m[1] = k * s;
        m[3] = -k * s;
        m[4] = k * c;
        m[2] = (Width / 2.0) - ((m[0] * mx) + (m[1] * my));
        m[5] = EyeY - ((m[3] * mx) + (m[4] * my));
    }

    private void Warp(Mat frame, IReadOnlyList<Point3> mesh)
    {
        Transform(mesh, LastTransform);
        using var m = Mat.FromPixelData(2, 3, MatType.CV_64FC1, LastTransform);
        Cv2.WarpAffine(frame, _canon, m, new Size(Width, Height), InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
    }

    private void DrawLabels(IReadOnlyList<Point3> mesh)
    {
        var t = LastTransform;
        _labels.SetTo(Scalar.All(0));
        for (var r = 0; r < RegionCount; r++)
        {
            Project(mesh, SkinRegions.Ring(SkinRegions.All[r]), _polygons[r], t);
            Cv2.FillPoly(_labels, [_polygons[r]], Scalar.All(r + 1), LineTypes.Link8);
        }

        for (var e = 0; e < SkinRegions.Excluded.Count; e++)
        {
            var poly = _polygons[RegionCount + e];
            Project(mesh, FaceRegions.Indices(SkinRegions.Excluded[e]), poly, t);
            Cv2.FillPoly(_labels, [poly], Scalar.All(0), LineTypes.Link8);

            // Lashes, brow hairs and the lip border reach a few pixels beyond the mesh contours.
            Cv2.Polylines(_labels, [poly], isClosed: true, Scalar.All(0), thickness: 5, LineTypes.Link8);
        }
    }

    private static void Project(IReadOnlyList<Point3> mesh, ReadOnlySpan<int> ring, Point[] destination, double[] t)
    {
        for (var i = 0; i < ring.Length; i++)
        {
            var q = mesh[ring[i]];
            destination[i] = new Point(
                (int)Math.Round((t[0] * q.X) + (t[1] * q.Y) + t[2]),
                (int)Math.Round((t[3] * q.X) + (t[4] * q.Y) + t[5]));
        }
    }

    private unsafe SkinFrame Measure(Mat frame, IReadOnlyList<Point3> mesh, float faceWidth, HeadPose? pose)
    {
        var labels = new ReadOnlySpan<byte>((void*)_labels.DataPointer, Pixels);
        var bgr = new ReadOnlySpan<byte>((void*)_canon.DataPointer, Pixels * 3);
        var l = new Span<float>((void*)_l.DataPointer, Pixels);
        var a = new Span<float>((void*)_a.DataPointer, Pixels);
        var b = _b.AsSpan();
        var flags = _flags.AsSpan();

        // Raw exposure statistics (before normalisation) decide the exposure gates.
        var polygon = 0;
        var clipped = 0;
        var raw = _scratch.AsSpan();
        var rawChroma = _linR.AsSpan();
        for (var i = 0; i < Pixels; i++)
        {
            flags[i] = 0;
            if (labels[i] == 0)
            {
                continue;
            }

            byte cb = bgr[3 * i], cg = bgr[(3 * i) + 1], cr = bgr[(3 * i) + 2];
            if (Math.Max(cb, Math.Max(cg, cr)) >= 250 || Math.Min(cb, Math.Min(cg, cr)) <= 5)
            {
                flags[i] = Clipped;
                clipped++;
            }

            var rawLab = CieLab.FromSrgb(cr, cg, cb);
            rawChroma[polygon] = MathF.Sqrt((rawLab.A * rawLab.A) + (rawLab.B * rawLab.B));
            raw[polygon++] = rawLab.L;
        }

        if (polygon < Options.MinRegionPixels)
        {
            return Reject([Issue("occluded", $"only {polygon} face-skin pixels inside the mesh regions")], faceWidth);
        }

        var rawMedianL = RobustStats.Median(raw[..polygon]);
        var clippedFraction = clipped / (float)polygon;
        var reasons = new List<SkinIssue>();
        if (rawMedianL < Options.MinLightness)
        {
            reasons.Add(Issue("too-dark", $"face skin median L* is {rawMedianL:F0}, needs ≥ {Options.MinLightness:F0}"));
        }
        else if (rawMedianL > Options.MaxLightness)
        {
            reasons.Add(Issue("overexposed", $"face skin median L* is {rawMedianL:F0}, needs ≤ {Options.MaxLightness:F0}"));
        }

        if (clippedFraction > Options.MaxClippedFraction)
        {
            reasons.Add(Issue("clipped", $"{clippedFraction:P0} of face-skin pixels are clipped (limit {Options.MaxClippedFraction:P0})"));
        }

        // A greyscale (or nearly so) image has no tone to measure: without this gate b* ≈ 0 gives ITA° ±90°.
        var rawChromaMedian = RobustStats.Median(rawChroma[..polygon]);
        if (rawChromaMedian < Options.MinSkinChroma)
        {
            reasons.Add(Issue("greyscale", $"the image has almost no colour (face skin median chroma C* {rawChromaMedian:F1}, needs ≥ {Options.MinSkinChroma:F1}): tone and redness cannot be measured"));
        }

        if (reasons.Count > 0)
        {
            return Reject(reasons, faceWidth, float.NaN, rawMedianL, clippedFraction);
        }

        if (Illuminant(frame, mesh, faceWidth) is { } lighting)
        {
            return Reject([lighting], faceWidth, float.NaN, rawMedianL, clippedFraction, colour: LastColour);
        }

        for (var i = 0; i < Pixels; i++)
        {
            if (labels[i] == 0)
            {
                continue;
            }

            float rl = _lut[2][bgr[(3 * i) + 2]], gl = _lut[1][bgr[(3 * i) + 1]], bl = _lut[0][bgr[3 * i]];
            var lab = CieLab.FromLinear(rl, gl, bl);
            l[i] = lab.L;
            a[i] = lab.A;
            b[i] = lab.B;
            _linR[i] = rl;
            _linG[i] = gl;
        }

        var model = SkinModel(labels, l, a, b);
        if (Options.Illumination != IlluminationNormalization.None && (model.L > Options.MaxLightness || model.L < Options.MinLightness))
        {
            // The eye whites put the skin outside the range a camera records it in: the reference is not credible.
            return Reject([Issue("lighting", $"insufficient quality: lighting: after normalising to the whites of the eyes face skin median L* is {model.L:F0} (limits {Options.MinLightness:F0}–{Options.MaxLightness:F0})")], faceWidth, float.NaN, rawMedianL, clippedFraction, colour: LastColour);
        }

        var usableCount = 0;
        for (var i = 0; i < Pixels; i++)
        {
            if (labels[i] == 0 || (flags[i] & Clipped) != 0)
            {
                continue;
            }

            var chroma = MathF.Sqrt((a[i] * a[i]) + (b[i] * b[i]));
            if (l[i] > model.L + model.SpecularL && chroma < 0.75f * model.Chroma)
            {
                flags[i] |= Specular;
            }
            else if (l[i] < model.L - model.DarkL || l[i] > model.L + model.SpecularL
                || Math.Abs(a[i] - model.A) > model.SpreadA || Math.Abs(b[i] - model.B) > model.SpreadB)
            {
                flags[i] |= Outlier;
            }
            else
            {
                flags[i] |= Usable;
                usableCount++;
            }
        }

        FillOutside(l, a, model);
        MarkCore(flags);
        var sharpness = Texture(labels, flags, out var rough, out var linePixels, out var corePixels);
        var (spotCounts, spotAreas) = Spots(labels, flags, l, model);

        var usableFraction = usableCount / (float)polygon;
        if (sharpness < Options.MinSharpness)
        {
            reasons.Add(Issue("blurred", $"sharpness {sharpness:F2} L* RMS Laplacian, needs ≥ {Options.MinSharpness:F2}"));
        }

        if (usableFraction < Options.MinUsableSkinFraction)
        {
            reasons.Add(Issue("occluded", $"only {usableFraction:P0} of the regions look like skin (needs ≥ {Options.MinUsableSkinFraction:P0}): hair, hands, glasses or shadows"));
        }

        var regions = new SkinRegionMeasurement[RegionCount];
        var stats = new RegionStats[RegionCount];
        for (var r = 0; r < RegionCount; r++)
        {
            stats[r] = RegionStat(r + 1, labels, flags, l, a, b);
            stats[r].SquaredResidual = rough[r];
            stats[r].LinePixels = linePixels[r];
            stats[r].CorePixels = corePixels[r];
            stats[r].Spots = spotCounts[r];
            stats[r].SpotArea = spotAreas[r];
            regions[r] = ToMeasurement(SkinRegions.All[r], stats[r]);
        }

        var weight = 0f;
        if (reasons.Count == 0)
        {
            var poseFactor = pose is { } q ? Math.Max(0, 1 - (0.5f * ((q.Yaw * q.Yaw) + (q.Pitch * q.Pitch)) / (Options.MaxYaw * Options.MaxYaw))) : 1;
            weight = Math.Clamp(sharpness / (2 * Options.MinSharpness), 0, 1) * Math.Clamp(usableFraction / 0.8f, 0, 1) * poseFactor;
        }

        var quality = new SkinQuality(reasons.Count == 0, reasons, weight, faceWidth, sharpness, rawMedianL, clippedFraction, usableFraction, LastColour);
        var face = reasons.Count == 0 ? FaceLevel(regions, stats, labels, flags, l, a, b) : null;
        return new SkinFrame(quality, regions, face);
    }

    /// <summary>
    /// Fills the per-channel LUT from 8-bit code to linear light, normalised by the whites of the eyes when they are a
    /// usable reference, or returns why the frame must be refused (<c>lighting</c>). Each channel c maps as
    /// W_c · linear / white_c: the lit sclera (white_c) goes to the reference white W_c, which removes exposure gain
    /// and the light's colour (any per-channel gain) exactly. When the whites cannot be measured (closed eyes, small
    /// or low-resolution faces, the two eyes disagree) the camera's own exposure and white balance are kept rather
    /// than guessed (<see cref="SkinQuality.Colour"/> says which, and why); when they can and say the correction would be large,
    /// the frame is refused.
    /// </summary>
    private SkinIssue? Illuminant(Mat frame, IReadOnlyList<Point3> mesh, float faceWidth)
    {
        LastWhites = default;
        LastColour = null;
        FillLut(1, 1, 1);
        if (Options.Illumination == IlluminationNormalization.None)
        {
            LastColour = SkinColourCorrection.Camera("illumination normalisation is off: camera exposure and white balance are kept");
            return null;
        }

        if (faceWidth < Options.MinEyeWhiteFaceWidth)
        {
            LastColour = SkinColourCorrection.Camera($"the face is {faceWidth:F0} px wide; the whites of the eyes serve as the colour reference from {Options.MinEyeWhiteFaceWidth:F0} px, so the camera white balance is kept");
            return null;
        }

        var right = Eye(frame, mesh, FaceRegion.RightEye, MeshIndices.RightIrisCenter);
        var left = Eye(frame, mesh, FaceRegion.LeftEye, MeshIndices.LeftIrisCenter);
        LastWhites = (right, left);
        bool rightOk = IsReference(right), leftOk = IsReference(left);
        if (!rightOk && !leftOk)
        {
            LastColour = SkinColourCorrection.Camera("the whites of the eyes could not be measured (closed, covered, too few pixels or clipped), so the camera white balance is kept");
            return null;
        }

        float logR, logG, logB;
        if (rightOk && leftOk)
        {
            // The two whites see the same light; when their colours differ one of them is not sclera (lid skin at low
            // resolution, a reflection) or the light is mixed: no estimate rather than a wrong one.
            var disagreement = Math.Max(Math.Abs(right.LogRg - left.LogRg), Math.Abs(right.LogBg - left.LogBg));
            if (disagreement > MathF.Log(Options.MaxEyeWhiteDisagreement))
            {
                LastColour = SkinColourCorrection.Camera($"the two eye whites disagree in colour (×{MathF.Exp(disagreement):F2}, limit ×{Options.MaxEyeWhiteDisagreement:F2}), so the camera white balance is kept");
                return null;
            }

            logR = (MathF.Log(right.R) + MathF.Log(left.R)) / 2;
            logG = (MathF.Log(right.G) + MathF.Log(left.G)) / 2;
            logB = (MathF.Log(right.B) + MathF.Log(left.B)) / 2;
        }
        else
        {
            var e = rightOk ? right : left;
            (logR, logG, logB) = (MathF.Log(e.R), MathF.Log(e.G), MathF.Log(e.B));
        }

        // Colour: the lit sclera's chromaticity against that of a typical sclera (slightly warm, not grey).
        var castR = (logR - logG) - Options.WhiteLogRedGreen;
        var castB = (logB - logG) - Options.WhiteLogBlueGreen;

        // Exposure: the sclera's luminance against the reference white.
        var whiteY = (0.2126729f * MathF.Exp(logR)) + (0.7151522f * MathF.Exp(logG)) + (0.0721750f * MathF.Exp(logB));
        var gain = Options.ReferenceWhite / whiteY;
        LastColour = new SkinColourCorrection(SkinColourReference.EyeWhites, null, gain, MathF.Exp(castR), MathF.Exp(castB));
        var maxColour = MathF.Log(Options.MaxColourCorrection);
        if (Math.Abs(castR) > maxColour || Math.Abs(castB) > maxColour)
        {
            return Issue("lighting", $"insufficient quality: lighting: the whites of the eyes show a strong colour cast (red ×{MathF.Exp(castR):F2}, blue ×{MathF.Exp(castB):F2} relative to green; limit ×{Options.MaxColourCorrection:F2} either way)");
        }

        if (gain > Options.MaxExposureCorrection || gain < 1 / Options.MaxExposureCorrection)
        {
            return Issue("lighting", $"insufficient quality: lighting: the face would need an exposure correction of ×{gain:F2} (limit ×{1 / Options.MaxExposureCorrection:F2}–×{Options.MaxExposureCorrection:F2}) to bring the whites of the eyes to the reference");
        }

        // Reference white per channel: the reference chromaticity at luminance ReferenceWhite.
        var g0 = Options.ReferenceWhite / ((0.2126729f * MathF.Exp(Options.WhiteLogRedGreen)) + 0.7151522f + (0.0721750f * MathF.Exp(Options.WhiteLogBlueGreen)));
        FillLut(g0 * MathF.Exp(Options.WhiteLogBlueGreen) / MathF.Exp(logB), g0 / MathF.Exp(logG), g0 * MathF.Exp(Options.WhiteLogRedGreen) / MathF.Exp(logR));
        return null;
    }

    /// <summary>LUT (B, G, R) = gain_c · linear.</summary>
    private void FillLut(float gainB, float gainG, float gainR)
    {
        Span<float> gains = [gainB, gainG, gainR];
        for (var c = 0; c < 3; c++)
        {
            for (var v = 0; v < 256; v++)
            {
                _lut[c][v] = gains[c] * CieLab.Linear((byte)v);
            }
        }
    }

    private bool IsReference(EyeWhite e) => e.Found && e.Pixels >= Options.MinEyeWhitePixels && e.ClippedShare <= MaxClippedWhite;

    private EyeWhite Eye(Mat frame, IReadOnlyList<Point3> mesh, FaceRegion eye, int irisCentre) =>
        _eyeWhites.Measure(frame, mesh, FaceRegions.Indices(eye), mesh.Count >= MeshIndices.WithIrisCount ? irisCentre : -1, LastTransform);

    /// <summary>Largest share of clipped eye-white pixels for the white to serve as a reference.</summary>
    private const float MaxClippedWhite = 0.25f;


    /// <summary>The eye whites of the last call that got as far as the illumination estimate (right, left).</summary>
    internal (EyeWhite Right, EyeWhite Left) LastWhites { get; private set; }

    /// <summary>The colour reference of the last call that reached the illuminant estimate (written into its <see cref="SkinQuality.Colour"/>).</summary>
    private SkinColourCorrection? LastColour { get; set; }

    /// <summary>Robust face skin colour: medians and spreads over all polygon pixels that are not clipped.</summary>
    private SkinColourModel SkinModel(ReadOnlySpan<byte> labels, ReadOnlySpan<float> l, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var scratch = _scratch.AsSpan();
        Span<float> med = stackalloc float[3];
        Span<float> mad = stackalloc float[3];
        for (var c = 0; c < 3; c++)
        {
            var channel = c == 0 ? l : c == 1 ? a : b;
            var n = 0;
            for (var i = 0; i < Pixels; i++)
            {
                if (labels[i] != 0 && (_flags[i] & Clipped) == 0)
                {
                    scratch[n++] = channel[i];
                }
            }

            med[c] = RobustStats.Median(scratch[..n]);
            mad[c] = RobustStats.Mad(scratch[..n], med[c]);
        }

        var chroma = MathF.Sqrt((med[1] * med[1]) + (med[2] * med[2]));
        return new SkinColourModel(
            med[0], med[1], med[2], chroma,
            DarkL: Math.Max(3.5f * 1.4826f * mad[0], 15f),
            SpecularL: Math.Max(3f * 1.4826f * mad[0], 10f),
            SpreadA: Math.Max(3.5f * 1.4826f * mad[1], 8f),
            SpreadB: Math.Max(3.5f * 1.4826f * mad[2], 8f));
    }

    /// <summary>Outside usable skin, L* and a* take the face medians so that filters do not see hair, eyes or background edges.</summary>
    private void FillOutside(Span<float> l, Span<float> a, SkinColourModel model)
    {
        for (var i = 0; i < Pixels; i++)
        {
            if ((_flags[i] & Usable) == 0)
            {
                l[i] = model.L;
                a[i] = model.A;
            }
        }
    }

    /// <summary>Core = usable pixels whose 5×5 neighbourhood is usable too: filter responses there are not bent by filled pixels.</summary>
    private unsafe void MarkCore(Span<byte> flags)
    {
        var mask = new Span<byte>((void*)_mask.DataPointer, Pixels);
        for (var i = 0; i < Pixels; i++)
        {
            mask[i] = (flags[i] & Usable) != 0 ? (byte)255 : (byte)0;
        }

        Cv2.Erode(_mask, _mask, _erodeKernel, iterations: 2);
        for (var i = 0; i < Pixels; i++)
        {
            if (mask[i] != 0)
            {
                flags[i] |= Core;
            }
        }
    }

    /// <summary>Roughness, line density and sharpness on the core pixels; returns sharpness (RMS Laplacian of L*).</summary>
    private unsafe float Texture(ReadOnlySpan<byte> labels, ReadOnlySpan<byte> flags, out double[] squaredResidual, out int[] linePixels, out int[] corePixels)
    {
        squaredResidual = new double[RegionCount];
        linePixels = new int[RegionCount];
        corePixels = new int[RegionCount];
        var l = new ReadOnlySpan<float>((void*)_l.DataPointer, Pixels);

        // Roughness: high-pass residual against a σ = 2 px Gaussian (features below ≈ 4 mm).
        Cv2.GaussianBlur(_l, _blurL, new Size(0, 0), 2.0);
        var smooth = new ReadOnlySpan<float>((void*)_blurL.DataPointer, Pixels);
        for (var i = 0; i < Pixels; i++)
        {
            if ((flags[i] & Core) != 0)
            {
                var r = labels[i] - 1;
                var d = l[i] - smooth[i];
                squaredResidual[r] += d * d;
                corePixels[r]++;
            }
        }

        // Lines: Hessian of L* smoothed with σ = 1.5 px; a dark valley has a large positive curvature across it.
        Cv2.GaussianBlur(_l, _blurL, new Size(0, 0), 1.5);
        Cv2.Sobel(_blurL, _dxx, MatType.CV_32F, 2, 0, 3);
        Cv2.Sobel(_blurL, _dyy, MatType.CV_32F, 0, 2, 3);
        Cv2.Sobel(_blurL, _dxy, MatType.CV_32F, 1, 1, 3);
        var dxx = new ReadOnlySpan<float>((void*)_dxx.DataPointer, Pixels);
        var dyy = new ReadOnlySpan<float>((void*)_dyy.DataPointer, Pixels);
        var dxy = new ReadOnlySpan<float>((void*)_dxy.DataPointer, Pixels);
        double laplacian2 = 0;
        var core = 0;
        var forehead = (int)SkinRegion.Forehead;
        for (var i = 0; i < Pixels; i++)
        {
            if ((flags[i] & Core) == 0)
            {
                continue;
            }

            var r = labels[i] - 1;
            float response;
            if (r == forehead)
            {
                // Forehead lines run across the face: only the vertical curvature (eyes are level in the crop).
                response = dyy[i];
            }
            else
            {
                var half = (dxx[i] + dyy[i]) / 2;
                var diff = (dxx[i] - dyy[i]) / 2;
                response = half + MathF.Sqrt((diff * diff) + (dxy[i] * dxy[i]));
            }

            if (response > LineThreshold)
            {
                linePixels[r]++;
            }

            var lap = dxx[i] + dyy[i];
            laplacian2 += lap * lap;
            core++;
        }

        return core == 0 ? 0 : (float)Math.Sqrt(laplacian2 / core);
    }

    /// <summary>Second-derivative threshold for a line pixel (L* per px², 3×3 Sobel on σ = 1.5 smoothing).</summary>
    internal const float LineThreshold = 4f;

    /// <summary>Spot threshold in L* (darker) or a* (redder) than the σ = 5 px surroundings.</summary>
    internal const float SpotContrast = 7f;

    private unsafe (int[] Counts, int[] Areas) Spots(ReadOnlySpan<byte> labels, ReadOnlySpan<byte> flags, ReadOnlySpan<float> l, SkinColourModel model)
    {
        var counts = new int[RegionCount];
        var areas = new int[RegionCount];
        Cv2.GaussianBlur(_l, _blurL, new Size(0, 0), 5.0);
        Cv2.GaussianBlur(_a, _blurA, new Size(0, 0), 5.0);
        var bgL = new ReadOnlySpan<float>((void*)_blurL.DataPointer, Pixels);
        var bgA = new ReadOnlySpan<float>((void*)_blurA.DataPointer, Pixels);
        var a = new ReadOnlySpan<float>((void*)_a.DataPointer, Pixels);
        var mask = new Span<byte>((void*)_mask.DataPointer, Pixels);

        // The candidate test needs the real L*/a* of outlier pixels, which FillOutside replaced: recompute them.
        var bgr = new ReadOnlySpan<byte>((void*)_canon.DataPointer, Pixels * 3);
        for (var i = 0; i < Pixels; i++)
        {
            if (labels[i] == 0 || (flags[i] & (Clipped | Specular)) != 0)
            {
                continue;
            }

            float pl, pa;
            if ((flags[i] & Usable) != 0)
            {
                pl = l[i];
                pa = a[i];
            }
            else
            {
                var lab = CieLab.FromLinear(_lut[2][bgr[(3 * i) + 2]], _lut[1][bgr[(3 * i) + 1]], _lut[0][bgr[3 * i]]);
                (pl, pa) = (lab.L, lab.A);
            }

            var dark = bgL[i] - pl >= SpotContrast && pl >= model.L - 30;
            var red = pa - bgA[i] >= SpotContrast && pa <= model.A + 30;
            if (dark || red)
            {
                mask[i] = 255;
            }
        }

        var n = Cv2.ConnectedComponentsWithStats(_mask, _components, _componentStats, _componentCentroids, PixelConnectivity.Connectivity8, MatType.CV_32S);
        if (n <= 1)
        {
            return (counts, areas);
        }

        var region = new int[n];
        Array.Fill(region, -1);
        var ids = new ReadOnlySpan<int>((void*)_components.DataPointer, Pixels);
        for (var i = 0; i < Pixels; i++)
        {
            var id = ids[i];
            if (id > 0 && region[id] < 0)
            {
                region[id] = labels[i] - 1;
            }
        }

        for (var id = 1; id < n; id++)
        {
            var area = _componentStats.At<int>(id, (int)ConnectedComponentsTypes.Area);
            if (area is >= 3 and <= 150 && region[id] >= 0)
            {
                counts[region[id]]++;
                areas[region[id]] += area;
            }
        }

        return (counts, areas);
    }

    private RegionStats RegionStat(int label, ReadOnlySpan<byte> labels, ReadOnlySpan<byte> flags, ReadOnlySpan<float> l, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var s = new RegionStats();
        double sumL = 0, sumA = 0, sumB = 0, sumR = 0, sumG = 0;
        for (var i = 0; i < Pixels; i++)
        {
            if (labels[i] != label)
            {
                continue;
            }

            s.Polygon++;
            if ((flags[i] & Specular) != 0)
            {
                s.Specular++;
            }

            if ((flags[i] & Usable) != 0)
            {
                s.Usable++;
                sumL += l[i];
                sumA += a[i];
                sumB += b[i];
                sumR += _linR[i];
                sumG += _linG[i];
            }
        }

        if (s.Usable > 0)
        {
            s.Mean = new LabColor((float)(sumL / s.Usable), (float)(sumA / s.Usable), (float)(sumB / s.Usable));
            s.Median = Medians(label, labels, flags, l, a, b);
            s.SumR = sumR;
            s.SumG = sumG;
        }

        return s;
    }

    /// <summary>Per-channel medians of usable pixels with label <paramref name="label"/> (0: pooled regions).</summary>
    private LabColor Medians(int label, ReadOnlySpan<byte> labels, ReadOnlySpan<byte> flags, ReadOnlySpan<float> l, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var scratch = _scratch.AsSpan();
        Span<float> med = stackalloc float[3];
        for (var c = 0; c < 3; c++)
        {
            var channel = c == 0 ? l : c == 1 ? a : b;
            var n = 0;
            for (var i = 0; i < Pixels; i++)
            {
                var li = labels[i];
                var take = label == 0 ? li != 0 && SkinRegions.IsPooled(SkinRegions.All[li - 1]) : li == label;
                if (take && (flags[i] & Usable) != 0)
                {
                    scratch[n++] = channel[i];
                }
            }

            med[c] = RobustStats.Median(scratch[..n]);
        }

        return new LabColor(med[0], med[1], med[2]);
    }

    private SkinRegionMeasurement ToMeasurement(SkinRegion region, RegionStats s)
    {
        SkinIssue? issue = null;
        if (s.Polygon == 0)
        {
            issue = Issue("not-visible", "the region has no pixels inside the image");
        }
        else if (s.Usable < Options.MinRegionPixels)
        {
            issue = Issue("too-few-pixels", $"{s.Usable} usable pixels of {s.Polygon}, needs ≥ {Options.MinRegionPixels} (hair, shadow, highlights or a small face)");
        }

        if (issue is not null)
        {
            return new SkinRegionMeasurement(region, s.Polygon, s.Usable, issue, null, null, null, null, null, null, s.Polygon == 0 ? null : 100f * s.Specular / s.Polygon);
        }

        return new SkinRegionMeasurement(
            region,
            s.Polygon,
            s.Usable,
            null,
            Tone(s.Median, s.Mean),
            s.CorePixels > 0 ? (float)Math.Sqrt(s.SquaredResidual / s.CorePixels) : null,
            s.CorePixels > 0 ? 100f * s.LinePixels / s.CorePixels : null,
            ErythemaIndex(s.SumR, s.SumG),
            s.Spots,
            100f * s.SpotArea / s.Polygon,
            100f * s.Specular / s.Polygon);
    }

    private SkinFaceMeasurement? FaceLevel(SkinRegionMeasurement[] regions, RegionStats[] stats, ReadOnlySpan<byte> labels, ReadOnlySpan<byte> flags, ReadOnlySpan<float> l, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sumL = 0, sumA = 0, sumB = 0, sumR = 0, sumG = 0, squared = 0;
        long usable = 0, core = 0, polygon = 0, specular = 0;
        int spots = 0, spotArea = 0;
        for (var r = 0; r < RegionCount; r++)
        {
            var s = stats[r];
            if (!SkinRegions.IsPooled(SkinRegions.All[r]) || regions[r].Issue is not null)
            {
                continue;
            }

            sumL += s.Mean.L * s.Usable;
            sumA += s.Mean.A * s.Usable;
            sumB += s.Mean.B * s.Usable;
            sumR += s.SumR;
            sumG += s.SumG;
            usable += s.Usable;
            squared += s.SquaredResidual;
            core += s.CorePixels;
            polygon += s.Polygon;
            specular += s.Specular;
            spots += s.Spots;
            spotArea += s.SpotArea;
        }

        if (usable == 0)
        {
            return null;
        }

        var mean = new LabColor((float)(sumL / usable), (float)(sumA / usable), (float)(sumB / usable));
        var median = Medians(0, labels, flags, l, a, b);
        var forehead = regions[(int)SkinRegion.Forehead];
        var underLines = Mean(regions[(int)SkinRegion.RightUnderEye].LineDensity, regions[(int)SkinRegion.LeftUnderEye].LineDensity);
        var darkness = Mean(
            Darkness(regions[(int)SkinRegion.RightCheek], regions[(int)SkinRegion.RightUnderEye]),
            Darkness(regions[(int)SkinRegion.LeftCheek], regions[(int)SkinRegion.LeftUnderEye]));
        return new SkinFaceMeasurement(
            Tone(median, mean),
            core > 0 ? (float)Math.Sqrt(squared / core) : float.NaN,
            forehead.LineDensity,
            underLines,
            ErythemaIndex(sumR, sumG),
            spots,
            100f * spotArea / polygon,
            100f * specular / polygon,
            darkness);
    }

    private static float? Darkness(SkinRegionMeasurement cheek, SkinRegionMeasurement underEye) =>
        cheek.Tone is { } c && underEye.Tone is { } u ? c.Median.L - u.Median.L : null;

    private static float? Mean(float? x, float? y) => (x, y) switch
    {
        ({ } p, { } q) => (p + q) / 2,
        ({ } p, null) => p,
        (null, { } q) => q,
        _ => null,
    };

    private static float ErythemaIndex(double sumR, double sumG) => sumG > 0 && sumR > 0 ? (float)(100 * Math.Log10(sumR / sumG)) : float.NaN;

    private static SkinTone Tone(LabColor median, LabColor mean)
    {
        var ita = median.Ita;
        var (monk, confidence) = MonkSkinTone.Nearest(median);
        return new SkinTone(median, mean, ita, CieLab.Category(ita), monk, confidence);
    }

    private readonly record struct SkinColourModel(float L, float A, float B, float Chroma, float DarkL, float SpecularL, float SpreadA, float SpreadB);

    private sealed class RegionStats
    {
        public int Polygon { get; set; }

        public int Usable { get; set; }

        public int Specular { get; set; }

        public LabColor Mean { get; set; }

        public LabColor Median { get; set; }

        public double SumR { get; set; }

        public double SumG { get; set; }

        public double SquaredResidual { get; set; }

        /// <summary>Core pixels (texture statistics denominator).</summary>
        public int CorePixels { get; set; }

        public int LinePixels { get; set; }

        public int Spots { get; set; }

        public int SpotArea { get; set; }
    }
}
