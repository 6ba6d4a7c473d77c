using System.Text.Json;
using System.Text.Json.Serialization;




namespace Mien.Skin;

/// <summary>One recording's face-level skin values for a subject.</summary>
/// <param name="Recorded">When the recording was made.</param>
/// <param name="Source">What was analysed (file name), for people.</param>
/// <param name="FramesUsed">Usable frames behind the values.</param>
/// <param name="Metrics">Face-level aggregates (value, within-session SD, frames).</param>
public sealed record SkinSession(DateTimeOffset Recorded, string Source, int FramesUsed, IReadOnlyList<SkinMetricAggregate> Metrics)
{
    /// <summary>A session from a track's summary.</summary>
    public static SkinSession From(DateTimeOffset recorded, string source, SkinSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return new SkinSession(recorded, source, summary.FramesUsed, summary.Face);
    }
}

/// <summary>Whether a metric changed beyond measurement noise.</summary>
public enum ChangeFlag
{
    /// <summary>Fewer than two sessions with this metric.</summary>
    InsufficientData,

    /// <summary>The change is within measurement noise.</summary>
    NoChange,

    /// <summary>Increased beyond noise.</summary>
    Increase,

    /// <summary>Decreased beyond noise.</summary>
    Decrease,
}

/// <summary>
/// A metric across a subject's sessions: the last session minus the first with a 95 % interval, the least-squares
/// slope per 30 days with its 95 % interval (three or more sessions), and a change flag.
/// </summary>
/// <param name="Metric">Which measurement.</param>
/// <param name="Sessions">Sessions with a value.</param>
/// <param name="First">Value in the first session.</param>
/// <param name="Last">Value in the last session.</param>
/// <param name="Difference">Last − first.</param>
/// <param name="DifferenceLow">Lower 95 % bound: difference − 1.96·√(SD₁² + SD₂²), the within-session SDs taken as per-measurement noise.</param>
/// <param name="DifferenceHigh">Upper 95 % bound.</param>
/// <param name="SlopePer30Days">Least-squares slope per 30 days, or null with fewer than three sessions.</param>
/// <param name="SlopeLow">Lower 95 % bound of the slope (t distribution), or null.</param>
/// <param name="SlopeHigh">Upper 95 % bound of the slope, or null.</param>
/// <param name="Flag">Increase/decrease only when the difference's interval excludes zero.</param>
public sealed record SkinTrend(SkinMetric Metric, int Sessions, float First, float Last, float Difference, float DifferenceLow, float DifferenceHigh, float? SlopePer30Days, float? SlopeLow, float? SlopeHigh, ChangeFlag Flag);

/// <summary>A subject's stored sessions.</summary>
/// <param name="SubjectId">Pseudonymous id.</param>
/// <param name="Sessions">Sessions in time order.</param>
public sealed record SkinProfile(string SubjectId, IReadOnlyList<SkinSession> Sessions)
{
    /// <summary>Trends of every face-level metric across the sessions.</summary>
    public IReadOnlyList<SkinTrend> Trends() => [.. SkinMetrics.All.Select(Trend).OfType<SkinTrend>()];

    /// <summary>The trend of <paramref name="metric"/>, or null when no session has it.</summary>
    public SkinTrend? Trend(SkinMetric metric)
    {
        var points = Sessions.Select(s => (s.Recorded, M: s.Metrics.FirstOrDefault(m => m.Metric == metric))).Where(p => p.M is not null).OrderBy(p => p.Recorded).ToList();
        if (points.Count == 0)
        {
            return null;
        }

        var first = points[0].M!;
        var last = points[^1].M!;
        var diff = last.Value - first.Value;
        var noise = 1.96f * MathF.Sqrt((first.Sd * first.Sd) + (last.Sd * last.Sd));
        var flag = points.Count < 2 ? ChangeFlag.InsufficientData : diff - noise > 0 ? ChangeFlag.Increase : diff + noise < 0 ? ChangeFlag.Decrease : ChangeFlag.NoChange;
        float? slope = null, low = null, high = null;
        if (points.Count >= 3)
        {
            var t0 = points[0].Recorded;
            var x = points.Select(p => (p.Recorded - t0).TotalDays / 30.0).ToArray();
            var y = points.Select(p => (double)p.M!.Value).ToArray();
            double mx = x.Average(), my = y.Average();
            var sxx = x.Sum(v => (v - mx) * (v - mx));
            if (sxx > 0)
            {
                var b = x.Zip(y, (xi, yi) => (xi - mx) * (yi - my)).Sum() / sxx;
                var residual = x.Zip(y, (xi, yi) => yi - (my + (b * (xi - mx)))).Sum(r => r * r);
                var se = Math.Sqrt(residual / (points.Count - 2) / sxx);
                var t = StudentT975(points.Count - 2);
                (slope, low, high) = ((float)b, (float)(b - (t * se)), (float)(b + (t * se)));
            }
        }

        return new SkinTrend(metric, points.Count, first.Value, last.Value, diff, diff - noise, diff + noise, slope, low, high, flag);
    }

    /// <summary>Two-sided 95 % quantile of Student's t (table to 30 degrees of freedom, then the normal 1.96).</summary>
    private static double StudentT975(int df) => df switch
    {
        1 => 12.706, 2 => 4.303, 3 => 3.182, 4 => 2.776, 5 => 2.571, 6 => 2.447, 7 => 2.365, 8 => 2.306, 9 => 2.262, 10 => 2.228,
        <= 15 => 2.131, <= 20 => 2.086, <= 30 => 2.042, _ => 1.96,
    };
}

/// <summary>
/// Per-subject skin profiles as JSON files (<c>&lt;subject&gt;.skin.json</c>) in a directory the caller chooses.
/// Subject ids are pseudonyms: letters, digits, '-', '_' and '.', 1–64 characters, not starting with '.', so an
/// id can never name a path outside the directory. Nothing but the measurements is stored (no images).
/// </summary>
public sealed class SkinProfileStore : ISkinProfileStore
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>A store in <paramref name="directory"/> (created on first append).</summary>
    public SkinProfileStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
    }

    /// <summary>The directory holding the profiles.</summary>
    public string Directory { get; }

    /// <summary>True when <paramref name="subjectId"/> is a valid pseudonymous id.</summary>
    public static bool IsValidId(string? subjectId) =>
        !string.IsNullOrEmpty(subjectId) && subjectId.Length <= 64 && subjectId[0] != '.'
        && subjectId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>Adds a session to the subject's profile and saves it (atomically: write then rename).</summary>
    public SkinProfile Append(string subjectId, SkinSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var profile = Load(subjectId);
        var updated = new SkinProfile(subjectId, [.. profile.Sessions.Append(session).OrderBy(s => s.Recorded)]);
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathOf(subjectId);
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(updated, Json));
        File.Move(temp, path, overwrite: true);
        return updated;
    }

    /// <summary>The subject's profile (empty when none is stored).</summary>
    public SkinProfile Load(string subjectId)
    {
        var path = PathOf(subjectId);
        if (!File.Exists(path))
        {
            return new SkinProfile(subjectId, []);
        }

        try
        {
            return JsonSerializer.Deserialize<SkinProfile>(File.ReadAllText(path), Json) ?? new SkinProfile(subjectId, []);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"skin profile {path} is not valid JSON ({e.Message}); move it away to start a new profile", e);
        }
    }

    /// <summary>Trends of the subject's stored sessions.</summary>
    public IReadOnlyList<SkinTrend> Trends(string subjectId) => Load(subjectId).Trends();

    private string PathOf(string subjectId)
    {
        if (!IsValidId(subjectId))
        {
            throw new ArgumentException($"subject id '{subjectId}' is not a safe pseudonym: use 1–64 letters, digits, '-', '_' or '.', not starting with '.'", nameof(subjectId));
        }

        return Path.Combine(Directory, subjectId + ".skin.json");
    }
}
