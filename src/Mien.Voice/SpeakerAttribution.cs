namespace Mien.Voice;

/// <summary>Rules for <see cref="SpeakerAttribution"/>.</summary>
public sealed record SpeakerAttributionOptions
{
    /// <summary>Share of the segment a track's mouth series must span to be considered (0.5).</summary>
    public double MinCoverage { get; init; } = 0.5;

    /// <summary>Pearson correlation a track needs to be named the speaker (0.2).</summary>
    public double MinCorrelation { get; init; } = 0.2;

    /// <summary>Mouth samples needed inside the segment (15, i.e. 0.5 s at 30 fps).</summary>
    public int MinSamples { get; init; } = 15;

    /// <summary>Largest lag of the audio behind the mouth that is tried (200 ms; mouth opening leads the sound by ~100–300 ms, Chandrasekaran et al. 2009).</summary>
    public TimeSpan MaxLag { get; init; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>Who spoke a segment: the track id (or none) and the evidence.</summary>
/// <param name="Segment">The speech segment.</param>
/// <param name="TrackId">The visible face judged to be speaking, or null (off-screen speaker, nobody matches, or no face).</param>
/// <param name="Correlation">Pearson r between that track's mouth opening and the audio envelope (dB) at the best lag; NaN when no track qualified.</param>
/// <param name="Lag">The audio lag behind the mouth at which <paramref name="Correlation"/> was found.</param>
public readonly record struct SpeakerMatch(SpeechSegment Segment, int? TrackId, float Correlation, TimeSpan Lag);

/// <summary>
/// Attributes speech to visible faces by the correlation of mouth opening with the audio energy envelope
/// (Pearson, on dB, within each segment, over lags 0–<see cref="SpeakerAttributionOptions.MaxLag"/> in 40 ms steps).
/// Pure: no audio or video here, only the two series.
/// </summary>
public static class SpeakerAttribution
{
    /// <summary>Attributes each of <paramref name="segments"/> to the best-correlated track in <paramref name="mouths"/> (track id → time-ordered mouth openings).</summary>
    public static IReadOnlyList<SpeakerMatch> Attribute(
        IReadOnlyList<SpeechSegment> segments,
        AudioEnvelope envelope,
        IReadOnlyDictionary<int, IReadOnlyList<(TimeSpan T, float MouthOpening)>> mouths,
        SpeakerAttributionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(mouths);
        options ??= new SpeakerAttributionOptions();
        var result = new List<SpeakerMatch>(segments.Count);
        var mouth = new List<float>();
        var times = new List<TimeSpan>();
        var audio = new List<float>();
        foreach (var segment in segments)
        {
            var best = new SpeakerMatch(segment, null, float.NaN, TimeSpan.Zero);
            foreach (var (track, series) in mouths)
            {
                mouth.Clear();
                times.Clear();
                foreach (var (t, m) in series)
                {
                    if (t >= segment.Start && t < segment.End && !float.IsNaN(m))
                    {
                        mouth.Add(m);
                        times.Add(t);
                    }
                }

                if (mouth.Count < options.MinSamples || (times[^1] - times[0]).TotalSeconds < options.MinCoverage * segment.Duration.TotalSeconds)
                {
                    continue;
                }

                var step = (times[^1] - times[0]) / (times.Count - 1);
                for (var lag = TimeSpan.Zero; lag <= options.MaxLag; lag += TimeSpan.FromMilliseconds(40))
                {
                    audio.Clear();
                    foreach (var t in times)
                    {
                        var rms = envelope.Mean(t + lag - (step / 2), t + lag + (step / 2));
                        audio.Add(20 * MathF.Log10(rms + 1e-5f));
                    }

                    var r = Pearson(mouth, audio);
                    if (r >= options.MinCorrelation && (float.IsNaN(best.Correlation) || r > best.Correlation))
                    {
                        best = new SpeakerMatch(segment, track, r, lag);
                    }
                }
            }

            result.Add(best);
        }

        return result;
    }

    /// <summary>Pearson correlation; 0 when either series is constant.</summary>
    internal static float Pearson(IReadOnlyList<float> x, IReadOnlyList<float> y)
    {
        var n = x.Count;
        double mx = 0, my = 0;
        for (var i = 0; i < n; i++)
        {
            mx += x[i];
            my += y[i];
        }

        mx /= n;
        my /= n;
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < n; i++)
        {
            var dx = x[i] - mx;
            var dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }

        return sxx <= 1e-12 || syy <= 1e-12 ? 0 : (float)(sxy / Math.Sqrt(sxx * syy));
    }
}
