using System.Numerics;
using Mien.Faces.Geometry;
using Mien.Results;

namespace Mien.Affect;

/// <summary>Settings of <see cref="ActionUnitEstimator"/>.</summary>
public sealed record ActionUnitOptions
{
    /// <summary>Frames whose head is turned further than this (√(yaw² + pitch²), degrees) do not update the neutral baseline. Default 20°.</summary>
    public float BaselineMaxAngle { get; init; } = 20f;

    /// <summary>Frames whose neutral probability (when given) is below this do not update the baseline. Default 0.5.</summary>
    public float BaselineMinNeutral { get; init; } = 0.5f;

    /// <summary>Baseline frames kept per person (a ring; the baseline is their median). Default 300 (10 s at 30 fps).</summary>
    public int BaselineCapacity { get; init; } = 300;

    /// <summary>Accepted frames before <see cref="ActionUnits.BaselineReady"/> turns true. Default 30.</summary>
    public int BaselineReadyFrames { get; init; } = 30;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the option, value and constraint when a setting is invalid.</summary>
    public void Validate()
    {
        if (!(BaselineMaxAngle is > 0 and <= 90))
        {
            throw new ArgumentOutOfRangeException(nameof(BaselineMaxAngle), BaselineMaxAngle, $"{nameof(ActionUnitOptions)}.{nameof(BaselineMaxAngle)} must be within (0, 90] degrees");
        }

        if (!(BaselineMinNeutral is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(BaselineMinNeutral), BaselineMinNeutral, $"{nameof(ActionUnitOptions)}.{nameof(BaselineMinNeutral)} must be within [0, 1]");
        }

        if (BaselineCapacity is < 5 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(BaselineCapacity), BaselineCapacity, $"{nameof(ActionUnitOptions)}.{nameof(BaselineCapacity)} must be within [5, 100000]");
        }

        if (BaselineReadyFrames < 1 || BaselineReadyFrames > BaselineCapacity)
        {
            throw new ArgumentOutOfRangeException(nameof(BaselineReadyFrames), BaselineReadyFrames, $"{nameof(ActionUnitOptions)}.{nameof(BaselineReadyFrames)} must be within [1, {nameof(BaselineCapacity)} = {BaselineCapacity}]");
        }
    }
}

/// <summary>
/// Facial action unit intensities from the face mesh (one instance per track): geometric measures in a
/// pose-normalised face frame, compared with the person's own neutral baseline learned online.
/// </summary>
/// <remarks>
/// <para><b>Face frame.</b> From the 3-D mesh (z in the same scale as x, y): x axis from the right eye's outer
/// corner (33) to the left's (263); y axis from the top of the forehead (10) to the subnasale (2), made orthogonal
/// to x (both rigid points, so jaw and lips do not tilt the frame); z = x × y. Every point is expressed in this
/// frame and divided by the 3-D outer-eye-corner distance (IOD), which removes translation, roll, scale and — as
/// far as the mesh's depth is right — yaw and pitch. In the formulas below v is the frame's downward coordinate,
/// u the across coordinate, all in IOD units; "eye line" is the mean v of the four eye corners (33, 133, 362, 263).</para>
/// <para><b>Measures</b> (right and left sides averaged; indices are MediaPipe mesh vertices):</para>
/// <list type="table">
/// <item><term>M1 inner brow height</term><description>v(inner eye corner 133/362) − v(inner brow 107+55 / 336+285)</description></item>
/// <item><term>M2 outer brow height</term><description>v(outer eye corner 33/263) − v(outer brow 70, 46, 105, 52 / 300, 276, 334, 282)</description></item>
/// <item><term>M3 brow height</term><description>eye line − mean v of both brows' ten points each</description></item>
/// <item><term>M4 inner brow gap</term><description>|u(55) − u(285)|</description></item>
/// <item><term>M5 upper lid height</term><description>mean v of the eye's corners − v(upper lid centre 159/386)</description></item>
/// <item><term>M6 cheek height</term><description>mean v of the eye's corners − v(cheek 118, 50 / 347, 280)</description></item>
/// <item><term>M7 lower lid depth</term><description>v(lower lid centre 145/374) − mean v of the eye's corners</description></item>
/// <item><term>M8 nasal ala depth</term><description>v(ala 98/327) − eye line</description></item>
/// <item><term>M9 upper lip depth</term><description>v(upper lip 0, 37, 267) − eye line</description></item>
/// <item><term>M10 corner depth</term><description>mean v(mouth corners 61, 291) − mean v(inner lip centre 13, 14): negative when the corners sit above the lips' middle</description></item>
/// <item><term>M11 mouth width</term><description>3-D distance 61–291</description></item>
/// <item><term>M12 chin–lip distance</term><description>v(chin 152) − v(lower lip 17)</description></item>
/// <item><term>M13 red-lip thickness</term><description>(v(13) − v(0)) + (v(17) − v(14))</description></item>
/// <item><term>M14 lip gap</term><description>mean of v(14) − v(13), v(87) − v(82), v(317) − v(312), at least 0</description></item>
/// <item><term>M15 jaw length</term><description>v(152) − v(2)</description></item>
/// <item><term>M16 eye aspect ratio</term><description><see cref="EyeMetrics"/>, mean of both eyes (relative: closure = 1 − EAR/baseline)</description></item>
/// </list>
/// <para><b>Intensities.</b> With Δ = measure − baseline, each AU is a sum of one or two terms dir·Δ/scale
/// (negative parts clipped), then 5 × clamp((x − 0.1)/0.9, 0, 1): a dead zone of 10 % of the scale absorbs mesh
/// jitter, and "scale" is the deviation read as maximum intensity (E). AU1 = +ΔM1/0.10; AU2 = +ΔM2/0.10;
/// AU4 = −ΔM3/0.06 + −ΔM4/0.06; AU5 = +ΔM5/0.04; AU6 = +ΔM6/0.06 + ½·(−ΔM7/0.03); AU7 = −ΔM7/0.03;
/// AU9 = −ΔM8/0.05; AU10 = −ΔM9/0.06; AU12 = −ΔM10/0.08 + ½·(+ΔM11/0.15); AU15 = +ΔM10/0.06;
/// AU17 = −ΔM12/0.06 × clamp(1 − ΔM14/0.06, 0, 1) (a parted mouth stretches the lower lip towards the chin,
/// which would otherwise read as a chin raise); AU20 = (ΔM11 − 1.5·max(0, −ΔM10))/0.15 (widening not explained by a lift);
/// AU23 = −ΔM13/0.06; AU25 = +ΔM14/0.20; AU26 = +ΔM15/0.20; AU45 = (closure − 0.15)/0.55 (reported in the AU45 slot,
/// covering AU43 eyes closed too). The scales are anatomical guesses (an IOD is about 9 cm, a full brow raise about
/// 1 cm), checked against FER2013 PublicTest faces of each class and a blinking talker (docs/temporal.md), not fitted
/// to AU ground truth, which is not available here; after the first check the AU17 gate was added and the AU26
/// scale lowered from 0.30 to 0.20.</para>
/// <para><b>Baseline.</b> Each measure's neutral value is the median of a ring of recent accepted frames: frames
/// turned less than <see cref="ActionUnitOptions.BaselineMaxAngle"/> and, when the caller gives a neutral
/// probability, at least <see cref="ActionUnitOptions.BaselineMinNeutral"/> neutral. Until the first frame is
/// accepted the baseline is the first frame seen (assumed near neutral); <see cref="ActionUnits.BaselineReady"/>
/// turns true after <see cref="ActionUnitOptions.BaselineReadyFrames"/> accepted frames.</para>
/// </remarks>
public sealed class ActionUnitEstimator
{
    /// <summary>Number of geometric measures (M1…M16).</summary>
    internal const int MeasureCount = 16;

    private static readonly int[] RightBrow = [70, 63, 105, 66, 107, 46, 53, 52, 65, 55];
    private static readonly int[] LeftBrow = [300, 293, 334, 296, 336, 276, 283, 282, 295, 285];

    private readonly ActionUnitOptions _options;
    private readonly float[] _ring;
    private readonly float[] _baseline = new float[MeasureCount];
    private readonly float[] _measures = new float[MeasureCount];
    private readonly float[] _scratch;
    private int _ringCount;
    private int _ringNext;
    private long _accepted;

    /// <summary>Creates an estimator with an empty baseline.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is invalid (the message names it).</exception>
    public ActionUnitEstimator(ActionUnitOptions? options = null)
    {
        _options = options ?? new ActionUnitOptions();
        _options.Validate();
        _ring = new float[_options.BaselineCapacity * MeasureCount];
        _scratch = new float[_options.BaselineCapacity];
        ActionUnitCalibrationConstants.PopulationNeutral.CopyTo(_baseline);
    }

    /// <summary>Frames accepted into the neutral baseline so far.</summary>
    public long BaselineFrames => _accepted;

    /// <summary>
    /// Measures one frame and returns its action unit intensities.
    /// </summary>
    /// <param name="timestamp">Frame time (kept for the interface's symmetry with the other per-track models; the baseline ring counts frames).</param>
    /// <param name="landmarks">468 or 478 smoothed mesh points in frame pixels.</param>
    /// <param name="pose">Head pose; without it the frame does not update the baseline.</param>
    /// <param name="neutralProbability">Probability that the face is neutral (e.g. the temporal model's), when known.</param>
    /// <exception cref="ArgumentException">Fewer than 468 landmarks, or a degenerate mesh.</exception>
    public ActionUnits Update(TimeSpan timestamp, IReadOnlyList<Point3> landmarks, HeadPose? pose, float? neutralProbability = null)
    {
        ArgumentNullException.ThrowIfNull(landmarks);
        _ = timestamp;
        Measure(landmarks, _measures);

        var frontal = pose is { } p && MathF.Sqrt((p.Yaw * p.Yaw) + (p.Pitch * p.Pitch)) <= _options.BaselineMaxAngle;
        var neutral = neutralProbability is not { } n || n >= _options.BaselineMinNeutral;
        if (frontal && neutral)
        {
            Accept(_measures);
        }

        var intensities = new float[ActionUnits.Codes.Count];
        Score(_measures, _baseline, intensities);
        var kind = _accepted == 0 ? ActionUnitBaseline.Population
            : _accepted >= _options.BaselineReadyFrames ? ActionUnitBaseline.Person
            : ActionUnitBaseline.Provisional;
        return new ActionUnits(intensities, kind);
    }

    /// <summary>
    /// Action units of a face seen once (an unrelated still image): measured against the population neutral face,
    /// since there is no earlier frame of this person to learn their own neutral from.
    /// </summary>
    /// <param name="landmarks">468 or 478 mesh points in frame pixels.</param>
    /// <exception cref="ArgumentException">Fewer than 468 landmarks, or a degenerate mesh.</exception>
    public static ActionUnits MeasureStill(IReadOnlyList<Point3> landmarks)
    {
        ArgumentNullException.ThrowIfNull(landmarks);
        Span<float> measures = stackalloc float[MeasureCount];
        Measure(landmarks, measures);
        var intensities = new float[ActionUnits.Codes.Count];
        Score(measures, ActionUnitCalibrationConstants.PopulationNeutral, intensities);
        return new ActionUnits(intensities, ActionUnitBaseline.Population);
    }

    /// <summary>Forgets the baseline (a different person).</summary>
    public void Reset()
    {
        _ringCount = 0;
        _ringNext = 0;
        _accepted = 0;
        ActionUnitCalibrationConstants.PopulationNeutral.CopyTo(_baseline);
    }

    /// <summary>The current baseline measures (tests and diagnostics).</summary>
    internal ReadOnlySpan<float> Baseline => _baseline;

    /// <summary>Computes M1…M16 of a mesh (see the class remarks).</summary>
    internal static void Measure(IReadOnlyList<Point3> mesh, Span<float> m)
    {
        if (mesh.Count < MeshIndices.FaceCount)
        {
            throw new ArgumentException($"expected at least {MeshIndices.FaceCount} landmarks, got {mesh.Count}", nameof(mesh));
        }

        var origin = Mid(V(mesh, 33), V(mesh, 263));
        var across = V(mesh, 263) - V(mesh, 33);
        var iod = across.Length();
        if (!(iod > 0) || !float.IsFinite(iod))
        {
            throw new ArgumentException("eye corners 33 and 263 coincide or are not finite: not a face mesh", nameof(mesh));
        }

        var x = across / iod;
        var down = V(mesh, 2) - V(mesh, 10);
        var y = down - (Vector3.Dot(down, x) * x);
        var yLength = y.Length();
        if (!(yLength > 1e-6f * iod))
        {
            throw new ArgumentException("forehead (10) and subnasale (2) lie on the eye line: not a face mesh", nameof(mesh));
        }

        y /= yLength;
        float Vd(int i) => Vector3.Dot(V(mesh, i) - origin, y) / iod;
        float Ud(int i) => Vector3.Dot(V(mesh, i) - origin, x) / iod;

        var rightCorners = (Vd(33) + Vd(133)) / 2;
        var leftCorners = (Vd(263) + Vd(362)) / 2;
        var eyeLine = (rightCorners + leftCorners) / 2;

        m[0] = ((Vd(133) - ((Vd(107) + Vd(55)) / 2)) + (Vd(362) - ((Vd(336) + Vd(285)) / 2))) / 2;
        m[1] = ((Vd(33) - ((Vd(70) + Vd(46) + Vd(105) + Vd(52)) / 4)) + (Vd(263) - ((Vd(300) + Vd(276) + Vd(334) + Vd(282)) / 4))) / 2;
        var brows = 0f;
        for (var i = 0; i < RightBrow.Length; i++)
        {
            brows += Vd(RightBrow[i]) + Vd(LeftBrow[i]);
        }

        m[2] = eyeLine - (brows / (2 * RightBrow.Length));
        m[3] = MathF.Abs(Ud(285) - Ud(55));
        m[4] = ((rightCorners - Vd(159)) + (leftCorners - Vd(386))) / 2;
        m[5] = ((rightCorners - ((Vd(118) + Vd(50)) / 2)) + (leftCorners - ((Vd(347) + Vd(280)) / 2))) / 2;
        m[6] = ((Vd(145) - rightCorners) + (Vd(374) - leftCorners)) / 2;
        m[7] = ((Vd(98) + Vd(327)) / 2) - eyeLine;
        m[8] = ((Vd(0) + Vd(37) + Vd(267)) / 3) - eyeLine;
        m[9] = ((Vd(61) + Vd(291)) / 2) - ((Vd(13) + Vd(14)) / 2);
        m[10] = Vector3.Distance(V(mesh, 61), V(mesh, 291)) / iod;
        m[11] = Vd(152) - Vd(17);
        m[12] = (Vd(13) - Vd(0)) + (Vd(17) - Vd(14));
        m[13] = Math.Max(0, ((Vd(14) - Vd(13)) + (Vd(87) - Vd(82)) + (Vd(317) - Vd(312))) / 3);
        m[14] = Vd(152) - Vd(2);
        var points = mesh as Point3[] ?? [.. mesh];
        m[15] = (EyeMetrics.RightAspectRatio(points) + EyeMetrics.LeftAspectRatio(points)) / 2;
    }

    /// <summary>Maps measures and a baseline to the 16 intensities in <see cref="ActionUnits.Codes"/> order (calibrated scales).</summary>
    internal static void Score(ReadOnlySpan<float> m, ReadOnlySpan<float> b, Span<float> au)
    {
        Deviations(m, b, au, ActionUnitCalibrationConstants.NoseLift, ActionUnitCalibrationConstants.UpperLipLift, ActionUnitCalibrationConstants.LidCheek);
        var scales = ActionUnitCalibrationConstants.Scales;
        for (var a = 0; a < au.Length; a++)
        {
            au[a] = Intensity(au[a] / scales[a]);
        }
    }

    /// <summary>
    /// Each AU's deviation from the baseline in units of its anatomical scale (the formulas of the class remarks,
    /// before calibration): 1 = the anatomical guess of a maximal action.
    /// </summary>
    /// <param name="m">Measures of the frame.</param>
    /// <param name="b">Baseline measures.</param>
    /// <param name="f">The 16 deviations, in <see cref="ActionUnits.Codes"/> order.</param>
    /// <param name="noseLift">Share of the lip corners' lift (IOD units) that a smile also lifts the nasal alae by; not counted as AU9.</param>
    /// <param name="upperLipLift">Share of the lip corners' lift that a smile also lifts the upper lip by; not counted as AU10.</param>
    /// <param name="lidCheek">Share of the cheeks' rise by which the lower lids rise with it; that narrowing is AU6's, not counted as AU7.</param>
    internal static void Deviations(ReadOnlySpan<float> m, ReadOnlySpan<float> b, Span<float> f, float noseLift, float upperLipLift, float lidCheek)
    {
        Span<float> d = stackalloc float[MeasureCount];
        for (var i = 0; i < MeasureCount; i++)
        {
            d[i] = m[i] - b[i];
        }

        static float Pos(float v) => v > 0 ? v : 0;

        var lift = Pos(-d[9]);
        f[0] = Pos(d[0]) / 0.10f;                                    // AU01
        f[1] = Pos(d[1]) / 0.10f;                                    // AU02
        f[2] = (Pos(-d[2]) / 0.06f) + (Pos(-d[3]) / 0.06f);          // AU04
        f[3] = Pos(d[4]) / 0.04f;                                    // AU05
        f[4] = (Pos(d[5]) / 0.06f) + (0.5f * Pos(-d[6]) / 0.03f);    // AU06
        f[5] = Pos(-d[6] - (lidCheek * Pos(d[5]))) / 0.03f;          // AU07, beyond what the cheek raise explains
        f[6] = Pos(-d[7] - (noseLift * lift)) / 0.05f;               // AU09, beyond what a smile's lift explains
        f[7] = Pos(-d[8] - (upperLipLift * lift)) / 0.06f;           // AU10, likewise
        f[8] = (lift / 0.08f) + (0.5f * Pos(d[10]) / 0.15f);         // AU12
        f[9] = Pos(d[9]) / 0.06f;                                    // AU15
        f[10] = Pos(-d[11]) / 0.06f * Math.Clamp(1 - (Pos(d[13]) / 0.06f), 0f, 1f); // AU17, only with lips together
        f[11] = Pos(d[10] - (1.5f * lift)) / 0.15f;                  // AU20
        f[12] = Pos(-d[12]) / 0.06f;                                 // AU23
        f[13] = Pos(d[13]) / 0.20f;                                  // AU25
        f[14] = Pos(d[14]) / 0.20f;                                  // AU26
        var closure = b[15] > 0 ? 1 - (m[15] / b[15]) : 0;
        f[15] = (closure - 0.15f) / 0.55f;                           // AU45
    }

    /// <summary>
    /// Deviation (1 = calibrated scale) → intensity: a dead zone of 10 % absorbs mesh jitter, then linear up to 4
    /// (D, severe); above that a soft knee approaches 5 (E) without reaching it, so 5.0 means an extreme deviation
    /// (≥ 4.95 needs 1.36× the calibrated scale) instead of everything past the scale.
    /// </summary>
    internal static float Intensity(float fraction)
    {
        var linear = 5 * (fraction - 0.1f) / 0.9f;
        if (!float.IsFinite(linear) || linear <= 0)
        {
            return 0f;
        }

        return linear <= 4 ? linear : 5 - MathF.Exp(4 - linear);
    }

    private void Accept(ReadOnlySpan<float> measures)
    {
        measures.CopyTo(_ring.AsSpan(_ringNext * MeasureCount, MeasureCount));
        _ringNext = (_ringNext + 1) % _options.BaselineCapacity;
        _ringCount = Math.Min(_ringCount + 1, _options.BaselineCapacity);
        _accepted++;

        // Medians are recomputed every frame while the ring fills, then every 10th frame (they move slowly).
        if (_accepted <= Math.Max(60, _options.BaselineReadyFrames) || _accepted % 10 == 0)
        {
            var values = _scratch.AsSpan(0, _ringCount);
            for (var k = 0; k < MeasureCount; k++)
            {
                for (var i = 0; i < _ringCount; i++)
                {
                    values[i] = _ring[(i * MeasureCount) + k];
                }

                values.Sort();
                var median = (_ringCount & 1) == 1 ? values[_ringCount / 2] : (values[(_ringCount / 2) - 1] + values[_ringCount / 2]) / 2;

                // While the person's baseline settles it is shrunk towards the population neutral (weight falls
                // linearly to 0 at BaselineReadyFrames), so one odd first frame does not become everyone's zero.
                var own = Math.Min(1f, (float)_ringCount / _options.BaselineReadyFrames);
                _baseline[k] = (own * median) + ((1 - own) * ActionUnitCalibrationConstants.PopulationNeutral[k]);
            }
        }
    }

    private static Vector3 V(IReadOnlyList<Point3> mesh, int i)
    {
        var p = mesh[i];
        return new Vector3(p.X, p.Y, p.Z);
    }

    private static Vector3 Mid(Vector3 a, Vector3 b) => (a + b) / 2;
}
