namespace Mien.Voice;

/// <summary>How speech probabilities become segments (defaults are Silero's own, from its reference <c>get_speech_timestamps</c>).</summary>
public sealed record VadOptions
{
    /// <summary>Probability at or above which speech starts (0.5).</summary>
    public float Threshold { get; init; } = 0.5f;

    /// <summary>Probability below which speech may end: hysteresis (Threshold − 0.15).</summary>
    public float EndThreshold { get; init; } = 0.35f;

    /// <summary>Segments shorter than this are dropped (250 ms).</summary>
    public TimeSpan MinSpeech { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Pauses shorter than this do not end a segment (100 ms).</summary>
    public TimeSpan MinSilence { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Added before and after each segment, without overlapping the neighbours (30 ms).</summary>
    public TimeSpan Padding { get; init; } = TimeSpan.FromMilliseconds(30);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the option, value and constraint.</summary>
    public void Validate()
    {
        if (Threshold is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "must be in (0, 1).");
        }

        if (EndThreshold <= 0 || EndThreshold > Threshold)
        {
            throw new ArgumentOutOfRangeException(nameof(EndThreshold), EndThreshold, $"must be in (0, Threshold = {Threshold}].");
        }

        if (MinSpeech < TimeSpan.Zero || MinSilence < TimeSpan.Zero || Padding < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MinSpeech), "MinSpeech, MinSilence and Padding must not be negative.");
        }
    }
}
