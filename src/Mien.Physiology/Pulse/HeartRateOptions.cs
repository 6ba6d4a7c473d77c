namespace Mien.Physiology.Pulse;

/// <summary>Options of <see cref="HeartRateEstimator"/>; defaults follow the rPPG literature and Mien's validation (docs/physiology.md).</summary>
public sealed record HeartRateOptions
{
    /// <summary>Analysis window (default 10 s: 0.1 Hz resolution before refinement, 7–35 beats at 42–210 BPM).</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time between two estimates (default 1 s).</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Lowest pulse frequency, Hz (default 0.7 = 42 BPM).</summary>
    public double MinHz { get; init; } = 0.7;

    /// <summary>Highest pulse frequency, Hz (default 3.5 = 210 BPM).</summary>
    public double MaxHz { get; init; } = 3.5;

    /// <summary>Rate the colour trace is resampled to from the frames' own timestamps, Hz (default 30).</summary>
    public double SampleRate { get; init; } = 30;

    /// <summary>POS/CHROM sub-window (default 1.6 s, as published).</summary>
    public TimeSpan ProjectionWindow { get; init; } = TimeSpan.FromSeconds(1.6);

    /// <summary>
    /// Least spectral SNR to report a rate, dB (default +0.5). Calibrated on real faces without any pulse (video frames held
    /// still with fresh sensor noise, with and without synthetic head motion), which must stay unreported, against pulses
    /// injected into real videos, which must be reported (docs/physiology.md).
    /// </summary>
    public double MinSnrDb { get; init; } = 0.5;

    /// <summary>Most disagreement between POS and CHROM to report a rate, BPM (default 4).</summary>
    public double MaxMethodDisagreementBpm { get; init; } = 4;

    /// <summary>Most share of frames marked as motion or illumination artefacts to report a rate (default 0.3).</summary>
    public double MaxArtefactShare { get; init; } = 0.3;

    /// <summary>Relative frame-to-frame change of a colour channel treated as an illumination/exposure jump and spliced out (default 0.02; a 0.5 % pulse changes less than 0.2 % per frame at 24 fps).</summary>
    public double JumpThreshold { get; init; } = 0.02;

    /// <summary>Face movement faster than this many eye-corner distances per second marks a frame as motion (default 1.5).</summary>
    public double MaxFaceSpeed { get; init; } = 1.5;

    /// <summary>Head rotation faster than this marks a frame as motion, degrees per second (default 60).</summary>
    public double MaxAngularSpeed { get; init; } = 60;

    /// <summary>Least mean frame rate within a window (default 8 fps).</summary>
    public double MinFrameRate { get; init; } = 8;

    /// <summary>A gap between frames longer than this restarts the window (default 1 s: the face was lost).</summary>
    public TimeSpan MaxGap { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Least usable skin pixels for a frame to count (default 100).</summary>
    public int MinPixels { get; init; } = 100;

    /// <summary>Most pixels read per region per frame (default 4000; larger regions are subsampled).</summary>
    public int MaxPixelsPerRegion { get; init; } = 4000;

    /// <summary>Checks the options; the message names the option, its value and the constraint.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        Require(Window >= TimeSpan.FromSeconds(4) && Window <= TimeSpan.FromSeconds(60), nameof(Window), Window, "within 4..60 s");
        Require(Step > TimeSpan.Zero && Step <= Window, nameof(Step), Step, $"within (0, {nameof(Window)}]");
        Require(MinHz > 0 && MinHz < MaxHz, nameof(MinHz), MinHz, $"within (0, {nameof(MaxHz)} = {MaxHz})");
        Require(SampleRate > 2 * MaxHz && SampleRate <= 240, nameof(SampleRate), SampleRate, $"above 2 × {nameof(MaxHz)} = {2 * MaxHz} and at most 240");
        Require(ProjectionWindow >= TimeSpan.FromSeconds(0.5) && ProjectionWindow <= Window / 2, nameof(ProjectionWindow), ProjectionWindow, $"within 0.5 s..{nameof(Window)}/2");
        Require(double.IsFinite(MinSnrDb), nameof(MinSnrDb), MinSnrDb, "finite");
        Require(MaxMethodDisagreementBpm > 0, nameof(MaxMethodDisagreementBpm), MaxMethodDisagreementBpm, "positive");
        Require(MaxArtefactShare is >= 0 and <= 1, nameof(MaxArtefactShare), MaxArtefactShare, "within [0, 1]");
        Require(JumpThreshold > 0, nameof(JumpThreshold), JumpThreshold, "positive");
        Require(MaxFaceSpeed > 0 && MaxAngularSpeed > 0, nameof(MaxFaceSpeed) + "/" + nameof(MaxAngularSpeed), $"{MaxFaceSpeed}/{MaxAngularSpeed}", "positive");
        Require(MinFrameRate > 0, nameof(MinFrameRate), MinFrameRate, "positive");
        Require(MaxGap > TimeSpan.Zero, nameof(MaxGap), MaxGap, "positive");
        Require(MinPixels >= 1 && MaxPixelsPerRegion >= MinPixels, nameof(MaxPixelsPerRegion), MaxPixelsPerRegion, $"at least {nameof(MinPixels)} = {MinPixels} ≥ 1");
    }

    internal static void Require(bool ok, string name, object value, string constraint)
    {
        if (!ok)
        {
            throw new ArgumentException($"{name} = {value}: must be {constraint}.");
        }
    }
}
