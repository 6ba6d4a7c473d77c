using System.Runtime.InteropServices;
using Mien.Results;

namespace Mien.Reports;

/// <summary>A stretch of time at one driver alert level, with the measurements that caused it (as last stated in the stretch).</summary>
/// <param name="Level">Caution or warning.</param>
/// <param name="Start">First sample at this level, seconds.</param>
/// <param name="End">Last sample at this level, seconds (the report draws it one frame wide).</param>
/// <param name="Causes">The measurements behind the level.</param>
public sealed record AlertEpisode(AlertLevel Level, double Start, double End, IReadOnlyList<string> Causes);

/// <summary>
/// A track's physiology for the report: pulse windows (sparse, about one a second), gestures, per-sample asymmetry
/// indices and PERCLOS (sample for sample with <see cref="TrackSeries.Times"/>; NaN where not measured, or where the
/// asymmetry was marked unreliable), asymmetry trends and driver alert episodes.
/// </summary>
public sealed class TrackPhysiologySeries
{
    private readonly float[] mouthCorner, eyeAperture, brow, nasolabial, perclos;

    internal TrackPhysiologySeries(
        IReadOnlyList<HeartRateEstimate> heartRates, IReadOnlyList<HeadGesture> gestures, float[] mouthCorner, float[] eyeAperture, float[] brow, float[] nasolabial,
        IReadOnlyList<AsymmetryTrend> trends, float[] perclos, IReadOnlyList<AlertEpisode> alerts)
    {
        HeartRates = heartRates;
        Gestures = gestures;
        this.mouthCorner = mouthCorner;
        this.eyeAperture = eyeAperture;
        this.brow = brow;
        this.nasolabial = nasolabial;
        Trends = trends;
        this.perclos = perclos;
        Alerts = alerts;
        HasAsymmetry = TrackSeries.AnyFinite(mouthCorner) || trends.Count > 0;
        HasDriver = TrackSeries.AnyFinite(perclos);
    }

    internal static TrackPhysiologySeries None { get; } = new([], [], [], [], [], [], [], [], []);

    /// <summary>Every pulse window, reported or withheld, in time order.</summary>
    public IReadOnlyList<HeartRateEstimate> HeartRates { get; }

    /// <summary>Nods and shakes, in the order they ended.</summary>
    public IReadOnlyList<HeadGesture> Gestures { get; }

    /// <summary>Mouth-corner asymmetry, % of face height (NaN where not measured or unreliable).</summary>
    public ReadOnlySpan<float> MouthCorner => mouthCorner;

    /// <summary>Eye-aperture asymmetry, % of the mean aperture (NaN where not measured or unreliable).</summary>
    public ReadOnlySpan<float> EyeAperture => eyeAperture;

    /// <summary>Brow-height asymmetry, % of face height (NaN where not measured or unreliable).</summary>
    public ReadOnlySpan<float> Brow => brow;

    /// <summary>Nasolabial asymmetry, % of face height (NaN where not measured or unreliable).</summary>
    public ReadOnlySpan<float> Nasolabial => nasolabial;

    /// <summary>Asymmetry trends (the first stretch of each index is the baseline).</summary>
    public IReadOnlyList<AsymmetryTrend> Trends { get; }

    /// <summary>PERCLOS in [0, 1] (NaN without the driver profile).</summary>
    public ReadOnlySpan<float> Perclos => perclos;

    /// <summary>Stretches at caution or warning level.</summary>
    public IReadOnlyList<AlertEpisode> Alerts { get; }

    /// <summary>Whether any pulse window was analysed.</summary>
    public bool HasHeartRate => HeartRates.Count > 0;

    /// <summary>Whether any reliable asymmetry frame or trend was measured.</summary>
    public bool HasAsymmetry { get; }

    /// <summary>Whether the driver profile ran.</summary>
    public bool HasDriver { get; }

    /// <summary>Whether there is anything to show.</summary>
    public bool HasAny => HasHeartRate || HasAsymmetry || HasDriver || Gestures.Count > 0;
}

/// <summary>Collects one track's physiology sample by sample (about 20 bytes per frame plus the sparse events).</summary>
internal sealed class PhysiologySeriesBuilder
{
    private readonly List<HeartRateEstimate> heartRates = [];
    private readonly List<HeadGesture> gestures = [];
    private readonly List<float> mouthCorner = [], eyeAperture = [], brow = [], nasolabial = [], perclos = [];
    private readonly List<AsymmetryTrend> trends = [];
    private readonly List<AlertEpisode> alerts = [];
    private AlertEpisode? open;
    private double lastTime;

    public void Add(FaceObservation face, double t)
    {
        var p = face.Physiology;
        if (p?.HeartRate is { } hr)
        {
            heartRates.Add(hr);
        }

        if (p is not null)
        {
            gestures.AddRange(p.Gestures);
            trends.AddRange(p.AsymmetryTrends);
        }

        var a = p?.Asymmetry is { Reliable: true } reliable ? reliable : null;
        mouthCorner.Add(a?.MouthCorner ?? float.NaN);
        eyeAperture.Add(a?.EyeAperture ?? float.NaN);
        brow.Add(a?.Brow ?? float.NaN);
        nasolabial.Add(a?.Nasolabial ?? float.NaN);
        perclos.Add(p?.Driver?.Perclos ?? float.NaN);

        // A driver state missing from a frame (face measured without the profile) leaves an open stretch as it is.
        if (p?.Driver is { } d)
        {
            if (d.Level == AlertLevel.None)
            {
                Close();
            }
            else if (open is { } o && o.Level == d.Level && t - lastTime <= FrameContinuity.MaxStep.TotalSeconds)
            {
                open = o with { End = t, Causes = d.Causes.Count > 0 ? d.Causes : o.Causes };
            }
            else
            {
                Close();
                open = new AlertEpisode(d.Level, t, t, d.Causes);
            }

            lastTime = t;
        }
    }

    public TrackPhysiologySeries Build()
    {
        var episodes = new List<AlertEpisode>(alerts);
        if (open is not null)
        {
            episodes.Add(open);
        }

        if (heartRates.Count == 0 && gestures.Count == 0 && trends.Count == 0 && episodes.Count == 0 && !AnyFinite(mouthCorner) && !AnyFinite(perclos))
        {
            return TrackPhysiologySeries.None;
        }

        return new TrackPhysiologySeries(
            [.. heartRates], [.. gestures], ToArray(mouthCorner), ToArray(eyeAperture), ToArray(brow), ToArray(nasolabial), [.. trends], ToArray(perclos), episodes);
    }

    private void Close()
    {
        if (open is not null)
        {
            alerts.Add(open);
            open = null;
        }
    }

    private static float[] ToArray(List<float> values) => [.. CollectionsMarshal.AsSpan(values)];

    private static bool AnyFinite(List<float> values)
    {
        foreach (var v in CollectionsMarshal.AsSpan(values))
        {
            if (float.IsFinite(v))
            {
                return true;
            }
        }

        return false;
    }
}
