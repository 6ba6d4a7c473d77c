using Mien.Results;

namespace Mien.Skin;

/// <summary>One metric over the frames of a track: quality-weighted median, dispersion and frame count.</summary>
/// <param name="Metric">Which measurement.</param>
/// <param name="Value">Quality-weighted median over the usable frames.</param>
/// <param name="Sd">Standard deviation over those frames (unweighted): the within-session measurement noise.</param>
/// <param name="Frames">Frames that contributed.</param>
public sealed record SkinMetricAggregate(SkinMetric Metric, float Value, float Sd, int Frames);

/// <summary>One region's aggregates over a track.</summary>
/// <param name="Region">Which region.</param>
/// <param name="Metrics">Its metrics.</param>
/// <param name="UsableFrames">Frames in which the region was usable.</param>
public sealed record SkinRegionAggregate(SkinRegion Region, IReadOnlyList<SkinMetricAggregate> Metrics, int UsableFrames);

/// <summary>A point of the per-frame time series kept for reports.</summary>
/// <param name="Time">Frame time.</param>
/// <param name="Ita">Face ITA°.</param>
/// <param name="Lightness">Face median L*.</param>
/// <param name="ErythemaIndex">Face erythema index.</param>
/// <param name="Shine">Face shine (%).</param>
/// <param name="Weight">Quality weight.</param>
public readonly record struct SkinSample(TimeSpan Time, float Ita, float Lightness, float ErythemaIndex, float Shine, float Weight);

/// <summary>A track's skin over a recording.</summary>
/// <param name="FramesAdded">Frames offered.</param>
/// <param name="FramesUsed">Frames with usable quality.</param>
/// <param name="Rejections">How many frames each reason code rejected (a frame may have several).</param>
/// <param name="Face">Face-level aggregates (empty when no frame was usable).</param>
/// <param name="Regions">Per-region aggregates.</param>
/// <param name="Category">ITA category of the aggregated ITA°, when any.</param>
/// <param name="Series">Per-frame face values of the usable frames, in time order (for timelines).</param>
/// <param name="EyeWhiteFrames">Usable frames whose colours were referenced to the whites of the eyes; the other usable frames kept the camera's white balance, so a colour cast of the light moves their tone.</param>
public sealed record SkinSummary(
    int FramesAdded,
    int FramesUsed,
    IReadOnlyDictionary<string, int> Rejections,
    IReadOnlyList<SkinMetricAggregate> Face,
    IReadOnlyList<SkinRegionAggregate> Regions,
    ItaCategory? Category,
    IReadOnlyList<SkinSample> Series,
    int EyeWhiteFrames = 0)
{
    /// <summary>The face-level aggregate of <paramref name="metric"/>, or null.</summary>
    public SkinMetricAggregate? Get(SkinMetric metric) => Face.FirstOrDefault(m => m.Metric == metric);
}

/// <summary>
/// Aggregates a track's <see cref="SkinFrame"/>s: per metric a quality-weighted median (robust to the odd bad
/// frame) with the SD over frames, counts of used and rejected frames and a histogram of rejection reasons. It
/// also keeps the per-frame face series (<see cref="SkinSummary.Series"/>) so the caller need not keep frames.
/// </summary>
public sealed class SkinAggregator
{
    private readonly List<(float Weight, SkinFrame Frame)> _used = [];
    private readonly Dictionary<string, int> _rejections = new(StringComparer.Ordinal);
    private readonly List<SkinSample> _series = [];
    private int _added;

    /// <summary>Adds the measurement of one frame at <paramref name="time"/>.</summary>
    public void Add(TimeSpan time, SkinFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        _added++;
        if (!frame.Quality.IsUsable || frame.Face is null || !(frame.Quality.Weight > 0))
        {
            foreach (var code in frame.Quality.Reasons.Select(r => r.Code).Distinct(StringComparer.Ordinal))
            {
                _rejections[code] = _rejections.GetValueOrDefault(code) + 1;
            }

            return;
        }

        _used.Add((frame.Quality.Weight, frame));
        var f = frame.Face;
        _series.Add(new SkinSample(time, f.Tone.Ita, f.Tone.Median.L, f.ErythemaIndex, f.ShineFraction, frame.Quality.Weight));
    }

    /// <summary>The aggregate of everything added so far.</summary>
    public SkinSummary Summarise()
    {
        var face = new List<SkinMetricAggregate>();
        foreach (var metric in SkinMetrics.All)
        {
            if (Aggregate(metric, _used.Select(u => (u.Weight, SkinMetrics.Of(u.Frame.Face!, metric)))) is { } a)
            {
                face.Add(a);
            }
        }

        var regions = new List<SkinRegionAggregate>();
        foreach (var region in SkinRegions.All)
        {
            var metrics = new List<SkinMetricAggregate>();
            var frames = _used.Select(u => (u.Weight, Region: u.Frame.Regions.FirstOrDefault(r => r.Region == region))).Where(x => x.Region?.Issue is null && x.Region is not null).ToList();
            foreach (var metric in RegionMetrics(region))
            {
                if (Aggregate(metric, frames.Select(x => (x.Weight, SkinMetrics.Of(x.Region!, metric)))) is { } a)
                {
                    metrics.Add(a);
                }
            }

            regions.Add(new SkinRegionAggregate(region, metrics, frames.Count));
        }

        var ita = face.FirstOrDefault(m => m.Metric == SkinMetric.Ita);
        return new SkinSummary(_added, _used.Count, new Dictionary<string, int>(_rejections, StringComparer.Ordinal), face, regions, ita is null ? null : CieLab.Category(ita.Value), [.. _series.OrderBy(s => s.Time)],
            _used.Count(u => u.Frame.Quality.Colour?.Reference == SkinColourReference.EyeWhites));
    }

    private static IEnumerable<SkinMetric> RegionMetrics(SkinRegion region)
    {
        yield return SkinMetric.Ita;
        yield return SkinMetric.Lightness;
        yield return SkinMetric.Redness;
        yield return SkinMetric.Yellowness;
        yield return SkinMetric.Monk;
        yield return SkinMetric.Roughness;
        if (region == SkinRegion.Forehead)
        {
            yield return SkinMetric.ForeheadLines;
        }
        else if (region is SkinRegion.RightUnderEye or SkinRegion.LeftUnderEye)
        {
            yield return SkinMetric.UnderEyeLines;
        }

        yield return SkinMetric.ErythemaIndex;
        yield return SkinMetric.RelativeRedness;
        yield return SkinMetric.Spots;
        yield return SkinMetric.SpotArea;
        yield return SkinMetric.Shine;
    }

    private static SkinMetricAggregate? Aggregate(SkinMetric metric, IEnumerable<(float Weight, float? Value)> samples)
    {
        var values = new List<float>();
        var weights = new List<float>();
        foreach (var (w, v) in samples)
        {
            if (v is { } x)
            {
                values.Add(x);
                weights.Add(w);
            }
        }

        if (values.Count == 0)
        {
            return null;
        }

        var median = RobustStats.WeightedMedian(values.ToArray(), weights.ToArray());
        var mean = values.Average();
        var sd = values.Count > 1 ? MathF.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) : 0f;
        return new SkinMetricAggregate(metric, median, sd, values.Count);
    }
}
