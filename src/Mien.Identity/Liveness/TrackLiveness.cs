using Mien.Faces.Geometry;
using Mien.Results;

namespace Mien.Identity.Liveness;

/// <summary>
/// Options of the liveness check a live stream can require before a person is named as an enrolled subject
/// (<see cref="IdentityOptions.Liveness"/>): the presentation-attack models sampled over a window of the track's own
/// video, with the temporal cues a still picture cannot show (non-rigid mesh motion, a blink).
/// </summary>
public sealed record LiveLivenessOptions
{
    /// <summary>The models' thresholds and crop (default: the calibrated burst thresholds, docs/identity.md).</summary>
    public PresentationAttackOptions Models { get; init; } = new();

    /// <summary>Least span of the track's video the decision covers (default 2 s: a burst of 4 frames cannot show a blink).</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>One sample (models and mesh) at most this often per track (default 0.25 s: 9 samples over the default window).</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Least median non-rigid mesh motion between samples, in inter-ocular distances (default 0.002: a repeated still
    /// shows 0, live faces 0.004–0.016 between burst frames 0.2 s apart, docs/identity.md), unless a blink was seen.
    /// </summary>
    public float MinNonRigidMotion { get; init; } = 0.002f;

    /// <summary>
    /// Least drop of the eye aspect ratio below its window's upper quartile that counts as a blink (default 0.08:
    /// open eyes read about 0.25–0.35, shut ones below 0.1).
    /// </summary>
    public float MinBlinkDrop { get; init; } = 0.08f;

    /// <summary>
    /// Require a blink within the window, not just motion (default false). On 2-s windows of the attack set
    /// (`Mien.Identity.Eval pad-window`, docs/identity.md) a blink was seen in no print and 1 of 46 screen stills, but
    /// in only 18 of 46 live windows: stricter against prints, at the cost of refusing most people who did not happen to
    /// blink; pair it with a longer <see cref="Window"/>.
    /// </summary>
    public bool RequireBlink { get; init; }

    /// <summary>Checks the values; the message names the option, its value and the limit.</summary>
    public void Validate()
    {
        Models.Validate();
        if (Window < TimeSpan.FromMilliseconds(500) || Window > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentException($"{nameof(Window)} = {Window}: must be within 0.5 s..1 min.");
        }

        if (SampleInterval <= TimeSpan.Zero || SampleInterval * 3 > Window)
        {
            throw new ArgumentException($"{nameof(SampleInterval)} = {SampleInterval}: must be positive and at most a third of {nameof(Window)} = {Window} (three samples at least).");
        }

        if (float.IsNaN(MinNonRigidMotion) || MinNonRigidMotion is < 0 or > 1)
        {
            throw new ArgumentException($"{nameof(MinNonRigidMotion)} = {MinNonRigidMotion}: must be within [0, 1].");
        }

        if (float.IsNaN(MinBlinkDrop) || MinBlinkDrop is <= 0 or > 1)
        {
            throw new ArgumentException($"{nameof(MinBlinkDrop)} = {MinBlinkDrop}: must be within (0, 1].");
        }
    }
}

/// <summary>Where a track's required liveness check stands.</summary>
public enum LivenessState
{
    /// <summary>Not enough of the track's video seen yet: nobody is named.</summary>
    Pending,

    /// <summary>The models and the temporal cues show a live face.</summary>
    Passed,

    /// <summary>They do not: the track is never named.</summary>
    Failed,
}

/// <summary>A track's liveness decision and its evidence.</summary>
/// <param name="State">Passed or failed (never pending: a decision is made once).</param>
/// <param name="Samples">Samples over the window.</param>
/// <param name="Real">Median antispoof score.</param>
/// <param name="Live">Median liveness score.</param>
/// <param name="NonRigidMotion">Median non-rigid mesh motion between consecutive samples (inter-ocular distances).</param>
/// <param name="Blink">Whether a blink was seen (eye aspect ratio dropped by at least the option's amount).</param>
/// <param name="Reason">Why, in words.</param>
public sealed record LivenessDecision(LivenessState State, int Samples, float Real, float Live, float NonRigidMotion, bool Blink, string Reason);

/// <summary>
/// One track's liveness over a window of live video: samples of the presentation-attack scores and of the mesh, then
/// one decision. Live when both model medians pass their thresholds and the face moved non-rigidly (median over sample
/// pairs) or blinked; a still picture shown again and again shows neither. Pure and bounded (one sample per interval
/// until the window is covered). Not thread-safe.
/// </summary>
public sealed class TrackLiveness
{
    private readonly LiveLivenessOptions _options;
    private readonly List<float> _real = [], _live = [], _ear = [];
    private readonly List<IReadOnlyList<Point3>> _meshes = [];
    private TimeSpan? _first, _last;

    /// <summary>Creates an empty check.</summary>
    public TrackLiveness(LiveLivenessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>The decision once made, else null (pending).</summary>
    public LivenessDecision? Decision { get; private set; }

    /// <summary>Whether a sample is due at <paramref name="now"/> (undecided, and the interval has passed).</summary>
    public bool Due(TimeSpan now) => Decision is null && (_last is not { } last || now - last >= _options.SampleInterval || now < last);

    /// <summary>
    /// Adds a sample at <paramref name="now"/>: the models' scores and the face mesh (frame pixels); returns the
    /// decision when this sample completes the window, else null.
    /// </summary>
    public LivenessDecision? Add(TimeSpan now, LivenessScores scores, ReadOnlySpan<Point3> mesh)
    {
        if (Decision is not null)
        {
            return null;
        }

        _first ??= now;
        _last = now;
        _real.Add(scores.Real);
        _live.Add(scores.Live);
        _meshes.Add(mesh[..Math.Min(mesh.Length, 468)].ToArray());
        _ear.Add((EyeMetrics.LeftAspectRatio(mesh) + EyeMetrics.RightAspectRatio(mesh)) / 2);
        if (now - _first.Value < _options.Window || _meshes.Count < 3)
        {
            return null;
        }

        Decision = Decide();
        _meshes.Clear(); // the decision is made once: the meshes are not needed any more
        return Decision;
    }

    private LivenessDecision Decide()
    {
        var cues = TemporalLivenessCue.Measure(_meshes, [.. _meshes.Select(_ => (float?)null)]);
        var real = Median(_real);
        var live = Median(_live);
        var sorted = _ear.Order().ToArray();
        var upper = sorted[(int)(0.75 * (sorted.Length - 1))];
        var blink = upper - sorted[0] >= _options.MinBlinkDrop;
        var moved = cues.NonRigidMotion >= _options.MinNonRigidMotion;
        var models = real >= _options.Models.MinReal && live >= _options.Models.MinLive;
        var temporal = _options.RequireBlink ? blink : moved || blink;
        var state = models && temporal ? LivenessState.Passed : LivenessState.Failed;
        var reason = state == LivenessState.Passed
            ? $"live face: models {real:0.00}/{live:0.00} and {(blink ? "a blink" : "non-rigid motion")} over {_meshes.Count} samples"
            : !models
                ? $"the models do not show a live face (antispoof {real:0.00} < {_options.Models.MinReal:0.00} or liveness {live:0.00} < {_options.Models.MinLive:0.00})"
                : _options.RequireBlink && moved
                    ? $"no blink over {(_last!.Value - _first!.Value).TotalSeconds:0.0} s (a blink is required)"
                    : $"no blink and no non-rigid motion over {(_last!.Value - _first!.Value).TotalSeconds:0.0} s (median {cues.NonRigidMotion:0.0000} < {_options.MinNonRigidMotion:0.0000}): a still picture";
        return new LivenessDecision(state, _meshes.Count, real, live, cues.NonRigidMotion, blink, reason);
    }

    private static float Median(List<float> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
