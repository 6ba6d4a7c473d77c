using Mien.Results;

namespace Mien.Reports;

/// <summary>
/// Compact time series of one track for the report: one sample per frame the face was seen, times in seconds
/// of presentation time, measurements as floats with NaN where they could not be made.
/// </summary>
public sealed class TrackSeries
{
    private readonly double[] times;
    private readonly float[][] expression;
    private readonly float[] yaw, pitch, roll, openness, mouth;
    private readonly bool[] inBlink;
    private readonly int[] segmentStarts;

    internal TrackSeries(
        int trackId, double[] times, float[][] expression, float[] yaw, float[] pitch, float[] roll,
        float[] openness, bool[] inBlink, float[] mouth, int[] segmentStarts)
    {
        TrackId = trackId;
        this.times = times;
        this.expression = expression;
        this.yaw = yaw;
        this.pitch = pitch;
        this.roll = roll;
        this.openness = openness;
        this.inBlink = inBlink;
        this.mouth = mouth;
        this.segmentStarts = segmentStarts;
        HasExpression = AnyFinite(expression[0]);
        HasPose = AnyFinite(yaw);
        HasEyes = AnyFinite(openness);
        HasMouth = AnyFinite(mouth);
    }

    /// <summary>The track.</summary>
    public int TrackId { get; }

    /// <summary>Number of samples (frames in which the face was seen).</summary>
    public int Count => times.Length;

    /// <summary>Presentation time of each sample, in seconds.</summary>
    public ReadOnlySpan<double> Times => times;

    /// <summary>
    /// Indices of the samples that start a continuous stretch: the first sample, and every sample after
    /// analysed frames without this face (or after a step over one second). Lines break there.
    /// </summary>
    public ReadOnlySpan<int> SegmentStarts => segmentStarts;

    /// <summary>Head yaw in degrees (NaN where unknown).</summary>
    public ReadOnlySpan<float> Yaw => yaw;

    /// <summary>Head pitch in degrees (NaN where unknown).</summary>
    public ReadOnlySpan<float> Pitch => pitch;

    /// <summary>Head roll in degrees (NaN where unknown).</summary>
    public ReadOnlySpan<float> Roll => roll;

    /// <summary>Eye openness relative to the person's baseline (NaN where unknown).</summary>
    public ReadOnlySpan<float> Openness => openness;

    /// <summary>Whether the sample is inside a blink (false where the eyes were not measured).</summary>
    public ReadOnlySpan<bool> InBlink => inBlink;

    /// <summary>Mouth opening (NaN where unknown).</summary>
    public ReadOnlySpan<float> MouthOpening => mouth;

    /// <summary>Whether any sample has an expression estimate.</summary>
    public bool HasExpression { get; }

    /// <summary>Whether any sample has a head pose.</summary>
    public bool HasPose { get; }

    /// <summary>Whether any sample has an eye state.</summary>
    public bool HasEyes { get; }

    /// <summary>Whether any sample has a mouth opening.</summary>
    public bool HasMouth { get; }

    /// <summary>Temporal-model, action-unit, body and skin series, sample for sample with <see cref="Times"/>.</summary>
    public TrackModalitySeries Modalities { get; internal init; } = TrackModalitySeries.None;

    /// <summary>Pulse, gestures, asymmetry and driver indicators (empty when physiology was off).</summary>
    public TrackPhysiologySeries Physiology { get; internal init; } = TrackPhysiologySeries.None;

    /// <summary>How often the face was covered and which estimates were withheld because of it.</summary>
    public OcclusionTally Occlusion { get; internal init; } = OcclusionTally.Empty;

    /// <summary>Probability of the expression at <paramref name="labelIndex"/> in <see cref="ExpressionEstimate.Labels"/> (NaN where unknown).</summary>
    public ReadOnlySpan<float> Expression(int labelIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(labelIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(labelIndex, expression.Length);
        return expression[labelIndex];
    }

    internal static bool AnyFinite(float[] values)
    {
        foreach (var v in values)
        {
            if (float.IsFinite(v))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// The per-sample series of a track beyond the face core: the temporal model's smoothed expression, valence and
/// arousal, action unit intensities, body cues and skin tone. NaN (or false) where not measured in that sample
/// (body and skin are measured only every few frames).
/// </summary>
public sealed class TrackModalitySeries
{
    private readonly float[][] smoothed;
    private readonly float[][] units;
    private readonly float[] valence, arousal, energy, lean, ita, handToFace, armsCrossed;
    private readonly float[] handConfidence, armsConfidence, unitBaseline;

    internal TrackModalitySeries(float[][] smoothed, float[] valence, float[] arousal, float[][] units, float[] energy, float[] lean, float[] handToFace, float[] armsCrossed, float[] ita)
        : this(smoothed, valence, arousal, units, energy, lean, handToFace, armsCrossed, ita, Nan(handToFace.Length), Nan(armsCrossed.Length), Nan(valence.Length))
    {
    }

    internal TrackModalitySeries(
        float[][] smoothed, float[] valence, float[] arousal, float[][] units, float[] energy, float[] lean, float[] handToFace, float[] armsCrossed, float[] ita,
        float[] handConfidence, float[] armsConfidence, float[] unitBaseline)
    {
        this.handConfidence = handConfidence;
        this.armsConfidence = armsConfidence;
        this.unitBaseline = unitBaseline;
        this.smoothed = smoothed;
        this.valence = valence;
        this.arousal = arousal;
        this.units = units;
        this.energy = energy;
        this.lean = lean;
        this.handToFace = handToFace;
        this.armsCrossed = armsCrossed;
        this.ita = ita;
        HasAffect = smoothed.Length > 0 && TrackSeries.AnyFinite(valence);
        HasUnits = units.Length > 0 && Array.Exists(units, TrackSeries.AnyFinite);
        HasBody = TrackSeries.AnyFinite(energy) || TrackSeries.AnyFinite(lean);
        HasSkin = TrackSeries.AnyFinite(ita);
    }

    internal static TrackModalitySeries None { get; } = new([], [], [], [], [], [], [], [], []);

    private static float[] Nan(int length)
    {
        var values = new float[length];
        Array.Fill(values, float.NaN);
        return values;
    }

    /// <summary>Whether any sample has the temporal model's output and valence/arousal.</summary>
    public bool HasAffect { get; }

    /// <summary>Whether any sample has action units.</summary>
    public bool HasUnits { get; }

    /// <summary>Whether any sample has body cues.</summary>
    public bool HasBody { get; }

    /// <summary>Whether any sample has a usable skin measurement.</summary>
    public bool HasSkin { get; }

    /// <summary>Smoothed probability of the expression at <paramref name="labelIndex"/>.</summary>
    public ReadOnlySpan<float> Smoothed(int labelIndex) => smoothed[labelIndex];

    /// <summary>Valence in [−1, 1].</summary>
    public ReadOnlySpan<float> Valence => valence;

    /// <summary>Arousal in [−1, 1].</summary>
    public ReadOnlySpan<float> Arousal => arousal;

    /// <summary>Intensity (0–5) of the action unit at <paramref name="unitIndex"/> in <c>ActionUnits.Codes</c>.</summary>
    public ReadOnlySpan<float> Unit(int unitIndex) => units[unitIndex];

    /// <summary>Body movement energy (shoulder widths per second).</summary>
    public ReadOnlySpan<float> Energy => energy;

    /// <summary>Lean (−1 away … +1 towards the camera).</summary>
    public ReadOnlySpan<float> Lean => lean;

    /// <summary>1 where a hand was at the face, 0 where not, NaN where the body was not measured (between pose runs).</summary>
    public ReadOnlySpan<float> HandToFace => handToFace;

    /// <summary>1 where the arms were crossed, 0 where not, NaN where the body was not measured.</summary>
    public ReadOnlySpan<float> ArmsCrossed => armsCrossed;

    /// <summary>Face ITA° of usable skin measurements.</summary>
    public ReadOnlySpan<float> Ita => ita;

    /// <summary>Confidence of each hand-to-face measurement in [0, 1] (NaN where not measured).</summary>
    public ReadOnlySpan<float> HandToFaceConfidence => handConfidence;

    /// <summary>Confidence of each arms-crossed measurement in [0, 1] (NaN where not measured).</summary>
    public ReadOnlySpan<float> ArmsCrossedConfidence => armsConfidence;

    /// <summary>What each sample's action units were measured against (<c>(int)ActionUnitBaseline</c>; NaN without units).</summary>
    public ReadOnlySpan<float> UnitBaseline => unitBaseline;
}

/// <summary>Everything the HTML report plots, built by <see cref="ReportSeriesBuilder"/>.</summary>
public sealed class ReportSeries
{
    internal ReportSeries(double start, double end, long frames, double frameInterval, IReadOnlyList<TrackSeries> tracks)
    {
        Start = start;
        End = end;
        Frames = frames;
        FrameInterval = frameInterval;
        Tracks = tracks;
    }

    /// <summary>An analysis without frames.</summary>
    public static ReportSeries Empty { get; } = new(0, 0, 0, 0, []);

    /// <summary>Time of the first analysed frame, in seconds.</summary>
    public double Start { get; }

    /// <summary>Time of the last analysed frame, in seconds.</summary>
    public double End { get; }

    /// <summary>Frames analysed (with or without faces).</summary>
    public long Frames { get; }

    /// <summary>Median step between analysed frames in seconds (0 with fewer than two frames): the width one sample covers.</summary>
    public double FrameInterval { get; }

    /// <summary>Per-track series, by track id.</summary>
    public IReadOnlyList<TrackSeries> Tracks { get; }

    /// <summary>The series of <paramref name="trackId"/>, or null.</summary>
    public TrackSeries? Find(int trackId)
    {
        foreach (var t in Tracks)
        {
            if (t.TrackId == trackId)
            {
                return t;
            }
        }

        return null;
    }
}
