using Mien.Results;

namespace Mien.Affect;

/// <summary>Settings of <see cref="TrackAffect"/>.</summary>
public sealed record AffectOptions
{
    /// <summary>
    /// Creates the temporal expression model for a new track; null = <see cref="HmmExpressionFilter"/> with
    /// <see cref="Hmm"/>. Plug the GRU in here.
    /// </summary>
    public Func<IExpressionSequenceModel>? ModelFactory { get; init; }

    /// <summary>Settings of the default HMM filter (ignored when <see cref="ModelFactory"/> is set).</summary>
    public HmmOptions Hmm { get; init; } = new();

    /// <summary>Settings of the action unit estimator.</summary>
    public ActionUnitOptions ActionUnits { get; init; } = new();

    /// <summary>Settings of the segmenter.</summary>
    public SegmenterOptions Segments { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the option, value and constraint when a setting is invalid.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Hmm, nameof(Hmm));
        ArgumentNullException.ThrowIfNull(ActionUnits, nameof(ActionUnits));
        ArgumentNullException.ThrowIfNull(Segments, nameof(Segments));
        Hmm.Validate();
        ActionUnits.Validate();
        Segments.Validate();
    }
}

/// <summary>
/// Everything affective about one track, updated frame by frame: reliability, action units, the temporal
/// expression model, valence/arousal and expression segments. One instance per track, frames in time order.
/// </summary>
public sealed class TrackAffect
{
    private readonly IExpressionSequenceModel _model;
    private readonly ActionUnitEstimator _units;
    private readonly ExpressionSegmenter _segmenter;
    private float? _neutral;

    /// <summary>Creates the per-track state.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is invalid (the message names it).</exception>
    public TrackAffect(AffectOptions? options = null)
    {
        var o = options ?? new AffectOptions();
        o.Validate();
        _model = o.ModelFactory?.Invoke() ?? new HmmExpressionFilter(o.Hmm);
        _units = new ActionUnitEstimator(o.ActionUnits);
        _segmenter = new ExpressionSegmenter(o.Segments);
    }

    /// <summary>The temporal model in use.</summary>
    public IExpressionSequenceModel Model => _model;

    /// <summary>Processes one frame of the track.</summary>
    /// <param name="timestamp">Frame presentation time (not decreasing).</param>
    /// <param name="landmarks">478 (or 468) smoothed mesh points in frame pixels, when measured.</param>
    /// <param name="pose">Head pose, when measured.</param>
    /// <param name="eyeOpenness">Eye openness relative to the person's baseline, when measured.</param>
    /// <param name="mouthOpening">Inner-lip gap over mouth width, when measured.</param>
    /// <param name="raw">The per-frame classifier's estimate, when run.</param>
    /// <param name="detectionScore">Detector/tracker confidence.</param>
    /// <param name="meshPresence">Mesh presence score.</param>
    public AffectFrame Update(
        TimeSpan timestamp,
        IReadOnlyList<Point3>? landmarks,
        HeadPose? pose,
        float? eyeOpenness,
        float? mouthOpening,
        ExpressionEstimate? raw,
        float detectionScore,
        float meshPresence)
    {
        var reliability = FaceReliability.Estimate(detectionScore, meshPresence, pose);
        ActionUnits? units = null;
        if (landmarks is { Count: >= 468 })
        {
            units = _units.Update(timestamp, landmarks, pose, _neutral);
        }

        if (raw is null)
        {
            return new AffectFrame(units, null, null, reliability);
        }

        var expression = _model.Update(new TemporalInput(timestamp, raw.Probabilities, reliability, units, pose, eyeOpenness, mouthOpening));
        _neutral = expression.Probabilities[6];
        var affect = ValenceArousalMapper.Map(expression.Probabilities, units, reliability);
        _segmenter.Update(timestamp, expression, units, affect);
        return new AffectFrame(units, expression, affect, reliability);
    }

    /// <summary>
    /// One face in an unrelated still image: nothing to smooth over and no earlier frame of the person. Action units
    /// are measured against the population neutral (<see cref="ActionUnitBaseline.Population"/>), no temporal model
    /// runs (<see cref="AffectFrame.Expression"/> is null: the per-frame estimate is the result), and valence/arousal
    /// come from the per-frame probabilities.
    /// </summary>
    /// <param name="landmarks">478 (or 468) mesh points in frame pixels, when measured.</param>
    /// <param name="pose">Head pose, when measured.</param>
    /// <param name="raw">The per-frame classifier's estimate, when run.</param>
    /// <param name="detectionScore">Detector confidence.</param>
    /// <param name="meshPresence">Mesh presence score.</param>
    public static AffectFrame Still(IReadOnlyList<Point3>? landmarks, HeadPose? pose, ExpressionEstimate? raw, float detectionScore, float meshPresence)
    {
        var reliability = FaceReliability.Estimate(detectionScore, meshPresence, pose);
        var units = landmarks is { Count: >= 468 } ? ActionUnitEstimator.MeasureStill(landmarks) : null;
        var affect = raw is null ? (ValenceArousal?)null : ValenceArousalMapper.Map(raw.Probabilities, units, reliability);
        return new AffectFrame(units, null, affect, reliability);
    }

    /// <summary>Segments closed since the last call.</summary>
    public IReadOnlyList<ExpressionSegment> DrainSegments() => _segmenter.Drain();

    /// <summary>Ends the track: closes the open segment (collect it with <see cref="DrainSegments"/>).</summary>
    public void Complete(TimeSpan timestamp) => _segmenter.Complete(timestamp);
}
