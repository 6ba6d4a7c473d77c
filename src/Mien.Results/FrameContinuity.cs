namespace Mien.Results;

/// <summary>When two analysed frames count as continuous for a track (shared by summaries and report series).</summary>
public static class FrameContinuity
{
    /// <summary>
    /// Longest step between two analysed frames still treated as continuous observation. Longer steps
    /// (a live source dropping frames, a paused camera) are gaps: they break timeline lines and are not
    /// counted as time the eyes were measurable, because blinks in them could not have been seen.
    /// </summary>
    public static readonly TimeSpan MaxStep = TimeSpan.FromSeconds(1);
}
