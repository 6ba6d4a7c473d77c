
namespace Mien.Voice;

/// <summary>
/// One speaker's running baseline of the prosodic cues the affect rule uses: mean and spread of each cue over the
/// segments seen so far, blended with population priors (worth <see cref="PriorWeight"/> segments each) so the first
/// segments are usable. Loudness and F0 level have no usable population level (gain; sex and anatomy): they count
/// only from the speaker's second segment on, against the speaker's own mean. Keyed by recording or by speaker by the
/// caller; not thread-safe.
/// </summary>
public sealed class SpeakerBaseline
{
    /// <summary>How many segments the population prior counts as.</summary>
    public const double PriorWeight = 2;

    private readonly Stat[] _stats = new Stat[VoiceCues.Count];

    /// <summary>Segments the speaker's own baseline needs before it is trusted over the prior (with 2 prior segments, 75 % own).</summary>
    public const int ReadySegments = 6;

    /// <summary>Voiced speech the speaker's own baseline needs before it is trusted over the prior.</summary>
    public static readonly TimeSpan ReadyVoiced = TimeSpan.FromSeconds(15);

    /// <summary>Segments observed.</summary>
    public int Segments { get; private set; }

    /// <summary>Voiced speech observed.</summary>
    public TimeSpan Voiced { get; private set; }

    /// <summary>Whether there is enough of this speaker for their own baseline (<see cref="ReadySegments"/> segments and <see cref="ReadyVoiced"/> of voiced speech).</summary>
    public VoiceBaselineKind Kind => Segments >= ReadySegments && Voiced >= ReadyVoiced ? VoiceBaselineKind.Speaker : VoiceBaselineKind.PopulationPrior;

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
        Voiced += TimeSpan.FromSeconds(double.IsFinite(prosody.VoicedSeconds) ? prosody.VoicedSeconds : 0);
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
        double mean, n;
        if (VoiceCues.SpeakerRelative(index))
        {
            // Loudness is the recording gain and F0 level mostly sex and anatomy: no population level says anything
            // about arousal, so they count only against this speaker's own segments (gain-invariant by construction).
            if (s.Count < 2)
            {
                return float.NaN;
            }

            n = s.Count + PriorWeight;
            mean = s.Sum / s.Count;
        }
        else
        {
            n = s.Count + PriorWeight;
            mean = ((s.Sum) + (PriorWeight * prior.Mean)) / n;
        }


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
