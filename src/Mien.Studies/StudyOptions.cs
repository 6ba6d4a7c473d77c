using System.Globalization;

namespace Mien.Studies;

/// <summary>Settings of a study's analysis, with documented defaults.</summary>
public sealed record StudyOptions
{
    /// <summary>
    /// k-anonymity: no aggregate is shown for fewer than this many viewers in any cell (a second, a scene, a
    /// breakdown group, an A/B arm). Default 5; at least 2 (one viewer's "mean" is that viewer's data).
    /// </summary>
    public int MinViewers { get; init; } = 5;

    /// <summary>Confidence level of the intervals (default 0.95).</summary>
    public double Confidence { get; init; } = 0.95;

    /// <summary>Gaze within this many degrees of the camera axis sideways counts as looking at the screen (default 25; the screen sits just below the camera).</summary>
    public double MaxGazeYaw { get; init; } = 25;

    /// <summary>…and within this many degrees up or down (default 20).</summary>
    public double MaxGazePitch { get; init; } = 20;

    /// <summary>Without iris points the head's direction decides, within this many degrees sideways (default 30).</summary>
    public double MaxHeadYaw { get; init; } = 30;

    /// <summary>…and up or down (default 25).</summary>
    public double MaxHeadPitch { get; init; } = 25;

    /// <summary>
    /// A playback report vouches for at most this long after it (default 1 s): the watch page reports several
    /// times a second while playing, so a longer silence means the playback state is not known and frames there do not count.
    /// </summary>
    public double MaxPlaybackHoldS { get; init; } = 1.0;

    /// <summary>Peaks and valleys must be the extreme within ± this many seconds (default 2).</summary>
    public int MomentWindowS { get; init; } = 2;

    /// <summary>How many peaks and how many valleys to report (default 3).</summary>
    public int Moments { get; init; } = 3;

    /// <summary>Checks every option; the message names the option, its value and the limit.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        Require(MinViewers is >= 2 and <= 1000, nameof(MinViewers), MinViewers, "between 2 and 1000");
        Require(Confidence is > 0.5 and < 1, nameof(Confidence), Confidence, "between 0.5 and 1 (exclusive)");
        Require(MaxGazeYaw is > 0 and <= 90, nameof(MaxGazeYaw), MaxGazeYaw, "in (0, 90] degrees");
        Require(MaxGazePitch is > 0 and <= 90, nameof(MaxGazePitch), MaxGazePitch, "in (0, 90] degrees");
        Require(MaxHeadYaw is > 0 and <= 90, nameof(MaxHeadYaw), MaxHeadYaw, "in (0, 90] degrees");
        Require(MaxHeadPitch is > 0 and <= 90, nameof(MaxHeadPitch), MaxHeadPitch, "in (0, 90] degrees");
        Require(MaxPlaybackHoldS is > 0 and <= 10, nameof(MaxPlaybackHoldS), MaxPlaybackHoldS, "in (0, 10] seconds");
        Require(MomentWindowS is >= 1 and <= 60, nameof(MomentWindowS), MomentWindowS, "between 1 and 60 seconds");
        Require(Moments is >= 1 and <= 20, nameof(Moments), Moments, "between 1 and 20");
    }

    internal static void Require(bool ok, string option, object value, string limit)
    {
        if (!ok)
        {
            throw new ArgumentException($"{option} = {Convert.ToString(value, CultureInfo.InvariantCulture)} must be {limit}", option);
        }
    }
}
