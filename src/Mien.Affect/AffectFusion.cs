using Mien.Results;

namespace Mien.Affect;

/// <summary>
/// Combines face, voice, body, pulse and text estimates of one track and time window into one expression/valence/arousal
/// estimate, weighting each source by its confidence and listing each source's contribution.
/// </summary>
/// <remarks>
/// <para><b>Valence/arousal</b>: each source's confidence c is read as a precision (an inverse variance), so the
/// fused point is the confidence-weighted mean with weights w<sub>s</sub> = c<sub>s</sub> / Σc — the
/// inverse-variance estimate when σ<sub>s</sub>² ∝ 1/c<sub>s</sub>. Sources without valence/arousal, or with
/// confidence 0, get weight 0. A source with NaN valence (the body says nothing about valence) counts for arousal
/// only; fused valence is then the weighted mean over the sources that have one. Likewise a source with NaN arousal
/// (the sentiment of a transcript's words) counts for valence only. A source's listed weight is its share of the
/// total confidence of every source with an estimate.</para>
/// <para><b>Confidence</b> of the fused point: 1 − Π(1 − c<sub>s</sub>) (independent sources), times an agreement
/// factor 1 − min(1, d̄/2), d̄ the weighted mean distance of the sources from the fused point (so two confident
/// sources that disagree do not make a confident fusion).</para>
/// <para><b>Expression</b> probabilities are fused only from sources that give them, by a weighted geometric mean
/// (log-linear pooling, p ∝ Π p<sub>s</sub><sup>w<sub>s</sub></sup>, weights renormalised among those sources; a
/// source with expression but no valence/arousal counts with weight 1/n).</para>
/// </remarks>
public static class AffectFusion
{
    /// <summary>Fuses the sources' estimates for one window.</summary>
    /// <param name="start">Window start.</param>
    /// <param name="end">Window end (not before <paramref name="start"/>).</param>
    /// <param name="sources">One estimate per modality (any number, any order).</param>
    public static FusedAffect Fuse(TimeSpan start, TimeSpan end, IReadOnlyList<ModalityEstimate> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (end < start)
        {
            throw new ArgumentOutOfRangeException(nameof(end), end, $"window end must not be before its start {start}");
        }

        double total = 0, valenceTotal = 0, arousalTotal = 0;
        foreach (var s in sources)
        {
            total += Confidence(s);
            valenceTotal += HasValence(s) ? Confidence(s) : 0;
            arousalTotal += HasArousal(s) ? Confidence(s) : 0;
        }

        double v = 0, a = 0;
        var contributions = new SourceContribution[sources.Count];
        for (var i = 0; i < sources.Count; i++)
        {
            var c = Confidence(sources[i]);
            var w = total > 0 ? c / total : 0;
            contributions[i] = new SourceContribution(sources[i].Source, (float)w, sources[i].Affect);
            if (w > 0)
            {
                if (HasArousal(sources[i]))
                {
                    a += c / arousalTotal * sources[i].Affect!.Value.Arousal;
                }

                if (HasValence(sources[i]))
                {
                    v += c / valenceTotal * sources[i].Affect!.Value.Valence;
                }
            }
        }

        double miss = 1, spread = 0;
        for (var i = 0; i < sources.Count; i++)
        {
            var c = Confidence(sources[i]);
            miss *= 1 - c;
            if (contributions[i].Weight > 0)
            {
                var sv = HasValence(sources[i]) ? sources[i].Affect!.Value.Valence - v : 0;
                var sa = HasArousal(sources[i]) ? sources[i].Affect!.Value.Arousal - a : 0;
                spread += contributions[i].Weight * Math.Sqrt((sv * sv) + (sa * sa));
            }
        }

        var confidence = total > 0 ? (1 - miss) * (1 - Math.Min(1, spread / 2)) : 0;
        var affect = new ValenceArousal((float)Math.Clamp(v, -1, 1), (float)Math.Clamp(a, -1, 1), (float)Math.Clamp(confidence, 0, 1));
        return new FusedAffect(start, end, affect, FuseExpression(sources), contributions);
    }

    private static double Confidence(ModalityEstimate s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (s.Affect is not { } va || !(float.IsFinite(va.Arousal) || float.IsFinite(va.Valence)) || !float.IsFinite(va.Confidence))
        {
            return 0;
        }

        return Math.Clamp(va.Confidence, 0f, 1f);
    }

    // A source may speak to arousal only (the body): its valence is NaN and it takes no part in fused valence.
    private static bool HasValence(ModalityEstimate s) => s.Affect is { } va && float.IsFinite(va.Valence);

    // A source may speak to valence only (the words of a transcript): its arousal is NaN and it takes no part in fused arousal.
    private static bool HasArousal(ModalityEstimate s) => s.Affect is { } va && float.IsFinite(va.Arousal);

    private static float[]? FuseExpression(IReadOnlyList<ModalityEstimate> sources)
    {
        var k = ExpressionEstimate.Labels.Count;
        var withExpression = 0;
        double weightSum = 0;
        foreach (var s in sources)
        {
            if (s.Expression is { } e && e.Count == k)
            {
                withExpression++;
                weightSum += Confidence(s);
            }
        }

        if (withExpression == 0)
        {
            return null;
        }

        Span<double> log = stackalloc double[k];
        foreach (var s in sources)
        {
            if (s.Expression is not { } e || e.Count != k)
            {
                continue;
            }

            var w = weightSum > 0 ? Confidence(s) / weightSum : 1.0 / withExpression;
            for (var c = 0; c < k; c++)
            {
                log[c] += w * Math.Log(Math.Max(float.IsFinite(e[c]) ? e[c] : 0, 1e-6));
            }
        }

        var max = double.NegativeInfinity;
        foreach (var l in log)
        {
            max = Math.Max(max, l);
        }

        var result = new float[k];
        double sum = 0;
        for (var c = 0; c < k; c++)
        {
            var x = Math.Exp(log[c] - max);
            result[c] = (float)x;
            sum += x;
        }

        for (var c = 0; c < k; c++)
        {
            result[c] = (float)(result[c] / sum);
        }

        return result;
    }
}

/// <summary>
/// Collects one track's per-frame face estimates and per-segment voice/body estimates and fuses them over
/// fixed windows (e.g. 2 s). Within a window, each source is first summarised: per-frame estimates by their
/// confidence-weighted mean (probabilities averaged), segment estimates by overlap-weighted mean with the
/// confidence scaled by the fraction of the window they cover. One instance per track; not thread-safe.
/// </summary>
public sealed class AffectWindows
{
    private readonly TimeSpan _length;
    private readonly List<(TimeSpan Start, TimeSpan End, ModalityEstimate Estimate)> _items = [];
    private TimeSpan? _windowStart;

    /// <summary>Creates a collector with windows of <paramref name="length"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is not positive.</exception>
    public AffectWindows(TimeSpan length)
    {
        if (!(length > TimeSpan.Zero))
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "window length must be positive");
        }

        _length = length;
    }

    /// <summary>Adds an estimate for one instant (a face frame).</summary>
    public void Add(TimeSpan time, ModalityEstimate estimate) => Add(time, time, estimate);

    /// <summary>Adds an estimate covering [<paramref name="start"/>, <paramref name="end"/>] (a voice utterance, a body segment).</summary>
    public void Add(TimeSpan start, TimeSpan end, ModalityEstimate estimate)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        if (end < start)
        {
            throw new ArgumentOutOfRangeException(nameof(end), end, $"estimate end must not be before its start {start}");
        }

        _windowStart ??= start;
        if (start < _windowStart)
        {
            _windowStart = start;
        }

        _items.Add((start, end, estimate));
    }

    /// <summary>Fuses and returns every complete window ending at or before <paramref name="now"/>; with <paramref name="final"/> also the last partial one.</summary>
    public IReadOnlyList<FusedAffect> Flush(TimeSpan now, bool final = false)
    {
        var result = new List<FusedAffect>();
        while (_windowStart is { } start && _items.Count > 0)
        {
            var end = start + _length;
            if (end > now && !final)
            {
                break;
            }

            var sources = Summarise(start, end);
            if (sources.Count > 0)
            {
                result.Add(AffectFusion.Fuse(start, end, sources));
            }

            _items.RemoveAll(i => i.End < end);
            _windowStart = end;
            if (final && end > now)
            {
                _items.Clear();
            }
        }

        return result;
    }

    private List<ModalityEstimate> Summarise(TimeSpan start, TimeSpan end)
    {
        var k = ExpressionEstimate.Labels.Count;
        var result = new List<ModalityEstimate>();
        foreach (var source in Enum.GetValues<AffectSource>())
        {
            double wSum = 0, v = 0, a = 0, cover = 0, pCount = 0;
            double confidenceSum = 0;
            var n = 0;
            double[]? probabilities = null;
            foreach (var (s, e, estimate) in _items)
            {
                if (estimate.Source != source)
                {
                    continue;
                }

                var instant = s == e;
                if (instant ? s < start || s >= end : e <= start || s >= end)
                {
                    continue;
                }

                var overlap = instant ? 1.0 : (Min(e, end) - Max(s, start)).TotalSeconds / (end - start).TotalSeconds;
                n++;
                if (!instant)
                {
                    cover += overlap;
                }

                if (estimate.Affect is { } va && va.Confidence > 0)
                {
                    var w = va.Confidence * overlap;
                    wSum += w;
                    v += w * va.Valence;
                    a += w * va.Arousal;
                    confidenceSum += instant ? va.Confidence : va.Confidence * overlap;
                }

                if (estimate.Expression is { } p && p.Count == k)
                {
                    probabilities ??= new double[k];
                    for (var c = 0; c < k; c++)
                    {
                        probabilities[c] += overlap * p[c];
                    }

                    pCount += overlap;
                }
            }

            if (n == 0)
            {
                continue;
            }

            // Frames: mean confidence; segments: confidence already scaled by their coverage.
            var frames = cover == 0;
            var confidence = wSum > 0 ? (frames ? confidenceSum / n : Math.Min(1, confidenceSum)) : 0;
            ValenceArousal? affect = wSum > 0 ? new ValenceArousal((float)(v / wSum), (float)(a / wSum), (float)confidence) : null;
            float[]? expression = null;
            if (probabilities is not null && pCount > 0)
            {
                expression = new float[k];
                for (var c = 0; c < k; c++)
                {
                    expression[c] = (float)(probabilities[c] / pCount);
                }
            }

            result.Add(new ModalityEstimate(source, affect, expression));
        }

        return result;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
