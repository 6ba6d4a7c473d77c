using Mien.Results;

namespace Mien.Affect;

/// <summary>Options of <see cref="PulseArousalCue"/>; defaults and their reasons are in docs/physiology.md.</summary>
public sealed record PulseArousalOptions
{
    /// <summary>
    /// Least signal quality of a reported pulse window for it to count (default 0.5: SNR ≥ +2.5 dB with POS and CHROM
    /// agreeing and no artefacts). The pulse gate of the estimator itself (+0.5 dB, quality ≈ 0.37) lets through rates
    /// that are right on the Pexels clip but wrong in about 1 window in 10 on franck.mp4; an arousal cue needs more.
    /// </summary>
    public float MinQuality { get; init; } = 0.5f;

    /// <summary>
    /// Confidence of the cue at quality 1 (default 0.35); it scales with quality. Below a typical face estimate's
    /// confidence (0.5–0.9), so the pulse shifts the fused arousal without outvoting a clear face.
    /// </summary>
    public float Weight { get; init; } = 0.35f;

    /// <summary>
    /// Beats per minute above (below) the person's own median rate that map to arousal +1 (−1) (default 20). Heart rate
    /// rises by a few BPM in laboratory emotion induction and by 10–20 BPM under acute stress (Kreibig 2010); 20 keeps
    /// ordinary fluctuation near 0.
    /// </summary>
    public float BpmPerUnit { get; init; } = 20;

    /// <summary>Accepted windows needed before the person's median rate is trusted as a baseline (default 10: 10 s of good signal at a 1 s step).</summary>
    public int MinBaselineWindows { get; init; } = 10;

    /// <summary>Checks the options; the message names the option, its value and the constraint.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        if (!(MinQuality is >= 0 and <= 1))
        {
            throw new ArgumentException($"{nameof(MinQuality)} = {MinQuality}: must be within [0, 1].");
        }

        if (!(Weight is > 0 and <= 1))
        {
            throw new ArgumentException($"{nameof(Weight)} = {Weight}: must be within (0, 1].");
        }

        if (!(BpmPerUnit > 0 && float.IsFinite(BpmPerUnit)))
        {
            throw new ArgumentException($"{nameof(BpmPerUnit)} = {BpmPerUnit}: must be a positive number.");
        }

        if (MinBaselineWindows < 1)
        {
            throw new ArgumentException($"{nameof(MinBaselineWindows)} = {MinBaselineWindows}: must be at least 1.");
        }
    }
}

/// <summary>
/// Turns one person's pulse-rate estimates into an arousal cue for the fusion, only where the signal quality is high:
/// arousal = (rate − the person's median accepted rate) / <see cref="PulseArousalOptions.BpmPerUnit"/>, clamped to
/// [−1, 1], with confidence <see cref="PulseArousalOptions.Weight"/> × quality. Says nothing about valence (NaN). Windows
/// that were withheld, or below <see cref="PulseArousalOptions.MinQuality"/>, give no cue; nor does anything before
/// <see cref="PulseArousalOptions.MinBaselineWindows"/> windows were accepted. One instance per person; not thread-safe.
/// </summary>
/// <remarks>
/// The baseline is relative on purpose: a resting rate differs between people by more than arousal moves it, and rPPG
/// has no ground truth here, so only changes within a person are read. It is the median of every accepted rate so far,
/// kept in a 0.5 BPM histogram (constant memory however long the stream).
/// </remarks>
public sealed class PulseArousalCue
{
    private const double LowBpm = 30;
    private const double BinBpm = 0.5;
    private readonly int[] _histogram = new int[(int)((240 - LowBpm) / BinBpm) + 1];
    private int _accepted;

    /// <summary>Creates the cue for one person.</summary>
    public PulseArousalCue(PulseArousalOptions? options = null)
    {
        Options = options ?? new PulseArousalOptions();
        Options.Validate();
    }

    /// <summary>The options in use.</summary>
    public PulseArousalOptions Options { get; }

    /// <summary>The person's baseline rate (median of the accepted windows), or null before enough windows were accepted.</summary>
    public float? BaselineBpm => _accepted >= Options.MinBaselineWindows ? Median() : null;

    /// <summary>Takes one pulse window and returns the arousal cue it gives, or null (withheld, low quality, no baseline yet).</summary>
    public ModalityEstimate? Observe(HeartRateEstimate estimate)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        if (estimate.BeatsPerMinute is not { } bpm || !float.IsFinite(bpm) || !(estimate.Quality >= Options.MinQuality))
        {
            return null;
        }

        var bin = (int)Math.Round((Math.Clamp(bpm, LowBpm, 240) - LowBpm) / BinBpm);
        _histogram[bin]++;
        _accepted++;
        if (BaselineBpm is not { } baseline)
        {
            return null;
        }

        var arousal = Math.Clamp((bpm - baseline) / Options.BpmPerUnit, -1f, 1f);
        var confidence = Options.Weight * Math.Clamp(estimate.Quality, 0f, 1f);
        return new ModalityEstimate(AffectSource.Pulse, new ValenceArousal(float.NaN, arousal, confidence), null);
    }

    private float Median()
    {
        var half = (_accepted + 1) / 2;
        var seen = 0;
        for (var i = 0; i < _histogram.Length; i++)
        {
            seen += _histogram[i];
            if (seen >= half)
            {
                return (float)(LowBpm + (i * BinBpm));
            }
        }

        return float.NaN;
    }
}
