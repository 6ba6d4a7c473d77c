namespace Mien.Voice;

/// <summary>A stretch of speech found by voice activity detection, on the clip's container clock.</summary>
/// <param name="Start">Start time (the clip's <see cref="AudioClip.Start"/> plus the offset in the audio).</param>
/// <param name="End">End time, after <paramref name="Start"/>.</param>
public readonly record struct SpeechSegment(TimeSpan Start, TimeSpan End)
{
    /// <summary>End − Start.</summary>
    public TimeSpan Duration => End - Start;
}
