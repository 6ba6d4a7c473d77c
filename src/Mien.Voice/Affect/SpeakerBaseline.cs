
namespace Mien.Voice;

/// <summary>
/// One speaker's running baseline of the prosodic cues the affect rule uses: mean and spread of each cue over the
/// segments seen so far, blended with population priors (worth <see cref="PriorWeight"/> segments each) so the first
/// segments are usable. Keyed by recording or by speaker by the caller; not thread-safe.
/// </summary>
public sealed class SpeakerBaseline
{
    /// <summary>How many segments the population prior counts as.</summary>
    public const double PriorWeight = 2;

    private readonly Stat[] _stats = new Stat[VoiceCues.Count];

    /// <summary>Segments observed.</summary>
    public int Segments { get; private set; }

    /// <summary>Adds a segment's cues (NaN cues are skipped).</summary>
    public void Observe(Prosody prosody)
    {
        ArgumentNullException.ThrowIfNull(prosody);
        Span<float> cues = stackalloc float[VoiceCues.Count];
        VoiceCues.Extract(prosody, cues);
        for (var i = 0; i < cues.Length; i++)
        {
            if (!float.IsNaN(cues[i]))
            {
                _stats[i].Add(cues[i]);
            }
        }

        Segments++;
    }

    /// <summary>z-score of cue <paramref name="index"/> against this baseline blended with its prior (NaN if the value is NaN).</summary>
    internal float Z(int index, float value)
    {
        if (float.IsNaN(value))
        {
            return float.NaN;
        }

        var prior = VoiceCues.Priors[index];
        ref var s = ref _stats[index];
        var n = s.Count + PriorWeight;
        var mean = ((s.Sum) + (PriorWeight * prior.Mean)) / n;

        // Pooled spread: the speaker's own spread around the blended mean plus the prior's within-speaker spread.
        var ownSquares = s.SumSquares - (2 * mean * s.Sum) + (s.Count * mean * mean);
        var variance = (Math.Max(0, ownSquares) + (PriorWeight * prior.Sd * prior.Sd)) / n;
        return (float)((value - mean) / Math.Sqrt(Math.Max(variance, 1e-6)));
    }

    private struct Stat
    {
        public int Count;
        public double Sum;
        public double SumSquares;

        public void Add(double v)
        {
            Count++;
            Sum += v;
            SumSquares += v * v;
        }
    }
}
