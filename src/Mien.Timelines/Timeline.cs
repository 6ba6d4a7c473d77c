namespace Mien.Timelines;

/// <summary>A recording's timelines over a time range, per person, each series reduced to at most <see cref="MaxPoints"/> points.</summary>
/// <param name="From">Start of the range (seconds).</param>
/// <param name="To">End of the range (seconds).</param>
/// <param name="MaxPoints">Most points any one series holds.</param>
/// <param name="People">One entry per person (track) seen in the range, by track id.</param>
/// <param name="Speech">Speech segments nobody could be attributed to.</param>
/// <param name="OmittedPeople">Tracks beyond <see cref="TimelineOptions.MaxPeople"/>, left out (0 normally).</param>
public sealed record Timeline(double From, double To, int MaxPoints, IReadOnlyList<PersonTimeline> People, IReadOnlyList<SpeechSpan> Speech, int OmittedPeople);

/// <summary>One person's series and events.</summary>
/// <param name="Track">The person (track id within the recording).</param>
/// <param name="Faces">Face records of this person in the range.</param>
/// <param name="Series">Reduced series by name (see <see cref="TimelineBuilder"/> for the names), in time order.</param>
/// <param name="TopActionUnits">The action units shown (highest mean intensity in the range first).</param>
/// <param name="Blinks">Start times of blinks in the range (at most <see cref="TimelineOptions.MaxEvents"/>).</param>
/// <param name="BlinkRatePerMinute">Blinks per minute over the time the person was measured, or null without eye data.</param>
/// <param name="Segments">Expression segments overlapping the range, with the action units that drove them.</param>
/// <param name="Speech">Speech attributed to this person.</param>
/// <param name="Skin">Skin measurements over the range, per facial region (null without usable skin frames).</param>
public sealed record PersonTimeline(
    int Track,
    long Faces,
    IReadOnlyDictionary<string, Series> Series,
    IReadOnlyList<string> TopActionUnits,
    IReadOnlyList<double> Blinks,
    double? BlinkRatePerMinute,
    IReadOnlyList<SegmentSpan> Segments,
    IReadOnlyList<SpeechSpan> Speech,
    SkinOverview? Skin);

/// <summary>A reduced series as two parallel arrays (compact in JSON and ready for a canvas).</summary>
/// <param name="T">Times (seconds), ascending.</param>
/// <param name="V">Values.</param>
/// <param name="Mean">Mean of every sample in the range (not of the reduced points).</param>
/// <param name="Samples">Samples in the range before reduction.</param>
public sealed record Series(IReadOnlyList<double> T, IReadOnlyList<double> V, double Mean, long Samples);

/// <summary>An expression segment (estimate) with the action units most raised during it.</summary>
/// <param name="Expression">The dominant smoothed expression.</param>
/// <param name="Onset">Start (seconds).</param>
/// <param name="Apex">Time of the peak probability.</param>
/// <param name="Offset">End (seconds).</param>
/// <param name="PeakIntensity">Highest smoothed probability (a probability, not an intensity of feeling).</param>
/// <param name="MeanValence">Mean valence over the segment.</param>
/// <param name="MeanArousal">Mean arousal over the segment.</param>
/// <param name="ActionUnits">The action units behind it (empty before the person's baseline settled).</param>
public sealed record SegmentSpan(string Expression, double Onset, double Apex, double Offset, double PeakIntensity, double MeanValence, double MeanArousal, IReadOnlyList<SegmentUnit> ActionUnits);

/// <summary>An action unit's part in a segment.</summary>
/// <param name="Code">AU code, e.g. AU12.</param>
/// <param name="MeanIntensity">Mean intensity over the segment (0–5).</param>
/// <param name="AboveBaseline">Mean intensity above the person's usual level.</param>
/// <param name="Share">Share of the segment's total AU activity.</param>
public sealed record SegmentUnit(string Code, double MeanIntensity, double AboveBaseline, double Share);

/// <summary>A speech segment with the voice estimates.</summary>
/// <param name="Start">Start (seconds).</param>
/// <param name="End">End (seconds).</param>
/// <param name="Arousal">Voice arousal estimate (−1…1).</param>
/// <param name="Valence">Voice valence estimate (−1…1, weak).</param>
/// <param name="Confidence">Confidence (0…1).</param>
public sealed record SpeechSpan(double Start, double End, double Arousal, double Valence, double Confidence);

/// <summary>Skin over the range: usable frames and per-region means.</summary>
/// <param name="UsableFrames">Frames that passed the skin quality gates.</param>
/// <param name="Regions">Per facial region, the means of its measurements.</param>
public sealed record SkinOverview(long UsableFrames, IReadOnlyList<SkinRegionMean> Regions);

/// <summary>One facial region's mean skin measurements (null when never measured).</summary>
/// <param name="Region">forehead, right-cheek, left-cheek, nose, chin, right-under-eye, left-under-eye.</param>
/// <param name="Frames">Frames in which the region was measured.</param>
/// <param name="L">Mean CIELAB L*.</param>
/// <param name="Ita">Mean ITA° (estimate).</param>
/// <param name="ErythemaIndex">Mean erythema index.</param>
/// <param name="Roughness">Mean roughness (estimate).</param>
/// <param name="ShinePercent">Mean shine (% of pixels).</param>
public sealed record SkinRegionMean(string Region, long Frames, double? L, double? Ita, double? ErythemaIndex, double? Roughness, double? ShinePercent);

/// <summary>What a timeline covers and how far it is reduced; validated with messages naming option, value and limit.</summary>
public sealed record TimelineOptions
{
    /// <summary>Largest <see cref="MaxPoints"/> accepted.</summary>
    public const int PointsLimit = 4000;

    /// <summary>Start of the range (seconds ≥ 0).</summary>
    public double From { get; init; }

    /// <summary>End of the range (seconds, ≥ <see cref="From"/>).</summary>
    public double To { get; init; }

    /// <summary>Most points per series (default 600, 10…4000): about a chart's width in pixels.</summary>
    public int MaxPoints { get; init; } = 600;

    /// <summary>How many action units to return per person, by mean intensity (default 5, 0…16).</summary>
    public int TopActionUnits { get; init; } = 5;

    /// <summary>Most people (tracks, in order of appearance) returned (default 32, 1…256).</summary>
    public int MaxPeople { get; init; } = 32;

    /// <summary>Most blinks, segments and speech spans per person (default 5000, 1…100000).</summary>
    public int MaxEvents { get; init; } = 5000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option, its value and the limit.</summary>
    public void Validate()
    {
        Check(double.IsFinite(From) && From >= 0, nameof(From), From, "a finite number of seconds ≥ 0");
        Check(double.IsFinite(To) && To >= From, nameof(To), To, $"a finite number of seconds ≥ From ({From})");
        Check(MaxPoints is >= 10 and <= PointsLimit, nameof(MaxPoints), MaxPoints, $"between 10 and {PointsLimit}");
        Check(TopActionUnits is >= 0 and <= 16, nameof(TopActionUnits), TopActionUnits, "between 0 and 16");
        Check(MaxPeople is >= 1 and <= 256, nameof(MaxPeople), MaxPeople, "between 1 and 256");
        Check(MaxEvents is >= 1 and <= 100_000, nameof(MaxEvents), MaxEvents, "between 1 and 100000");
    }

    private static void Check(bool ok, string name, object value, string rule)
    {
        if (!ok)
        {
            throw new ArgumentException($"{name} = {value}: must be {rule}.", name);
        }
    }
}
