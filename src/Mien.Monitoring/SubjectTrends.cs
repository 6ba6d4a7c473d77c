using System.Globalization;
using System.Text.Json;

namespace Mien.Monitoring;

/// <summary>One session of a subject as trends see it.</summary>
/// <param name="Session">Recording id.</param>
/// <param name="Name">Recording name.</param>
/// <param name="At">When it was recorded.</param>
/// <param name="Report">What monitoring found in it.</param>
public sealed record TrendSession(string Session, string Name, DateTimeOffset At, SessionReport Report);

/// <summary>One skin session's face-level metrics.</summary>
/// <param name="Session">Skin-session id.</param>
/// <param name="At">When it was measured.</param>
/// <param name="Metrics">Metric name (kebab-case, e.g. <c>erythema-index</c>) → estimate.</param>
public sealed record SkinTrendSession(string Session, DateTimeOffset At, IReadOnlyDictionary<string, Estimate> Metrics);

/// <summary>A metric across sessions: each session's estimate and the changes between consecutive ones.</summary>
/// <param name="Metric">Metric name.</param>
/// <param name="Unit">Its unit.</param>
/// <param name="Points">Sessions with a value, in time order.</param>
/// <param name="Changes">Consecutive changes (flagged only beyond noise).</param>
public sealed record MetricTrend(string Metric, string Unit, IReadOnlyList<SessionValue> Points, IReadOnlyList<TrendChange> Changes);

/// <summary>Builds a subject's trends from their sessions.</summary>
public static class SubjectTrends
{
    /// <summary>The face, gaze, blink and voice metrics of the sessions, and the skin metrics of the skin sessions, each with flagged changes.</summary>
    public static IReadOnlyList<MetricTrend> Build(IReadOnlyList<TrendSession> sessions, IReadOnlyList<SkinTrendSession> skin, TrendOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(skin);
        var ordered = sessions.OrderBy(s => s.At).ToArray();
        var trends = new List<MetricTrend>
        {
            Trend("expressivity", "AU intensity 0…5", ordered, m => m.Expressivity, options),
            Trend("valence", "−1…1", ordered, m => m.Valence, options),
            Trend("arousal", "−1…1", ordered, m => m.Arousal, options),
            Trend("blinkRate", "per minute", ordered, m => m.Blinks?.AsEstimate(), options),
            Trend("gazeAwayShare", "share", ordered, m => m.GazeAwayShare, options),
            Trend("voiceArousal", "−1…1", ordered, m => m.VoiceArousal, options),
        };
        var skinOrdered = skin.OrderBy(s => s.At).ToArray();
        foreach (var metric in skinOrdered.SelectMany(s => s.Metrics.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var points = skinOrdered.Where(s => s.Metrics.ContainsKey(metric)).Select(s => new SessionValue(s.Session, s.At, s.Metrics[metric])).ToArray();
            trends.Add(new MetricTrend("skin." + metric, "skin", points, TrendAnalyzer.Changes(points, options)));
        }

        return trends;
    }

    /// <summary>
    /// The face-level metrics of a stored skin session (<c>{"summary":{"face":[{"metric","value","sd","frames"}]}}</c>).
    /// The standard error is sd ÷ √frames: skin frames are quality-gated samples a few times a second, treated as
    /// independent (a limit: docs/monitoring.md).
    /// </summary>
    /// <exception cref="FormatException">The payload is not JSON.</exception>
    public static IReadOnlyDictionary<string, Estimate> ReadSkin(string payloadJson)
    {
        ArgumentNullException.ThrowIfNull(payloadJson);
        var metrics = new Dictionary<string, Estimate>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(payloadJson, new JsonDocumentOptions { MaxDepth = 32 });
            if (!doc.RootElement.TryGetProperty("summary", out var summary) || summary.ValueKind != JsonValueKind.Object
                || !summary.TryGetProperty("face", out var face) || face.ValueKind != JsonValueKind.Array)
            {
                return metrics;
            }

            foreach (var m in face.EnumerateArray())
            {
                if (m.TryGetProperty("metric", out var name) && name.ValueKind == JsonValueKind.String && m.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Number
                    && m.TryGetProperty("frames", out var frames) && frames.ValueKind == JsonValueKind.Number && frames.GetInt32() > 0)
                {
                    var sd = m.TryGetProperty("sd", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetDouble() : 0;
                    var n = frames.GetInt32();
                    metrics[name.GetString()!] = new Estimate(value.GetDouble(), sd / Math.Sqrt(n), n, n, sd);
                }
            }
        }
        catch (JsonException e)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"skin session payload is not valid JSON: {e.Message}"), e);
        }

        return metrics;
    }

    private static MetricTrend Trend(string metric, string unit, TrendSession[] sessions, Func<SessionMetrics, Estimate?> pick, TrendOptions? options)
    {
        var points = sessions.Select(s => (s, e: pick(s.Report.Metrics))).Where(x => x.e is not null).Select(x => new SessionValue(x.s.Session, x.s.At, x.e!)).ToArray();
        return new MetricTrend(metric, unit, points, TrendAnalyzer.Changes(points, options));
    }
}
