namespace Mien.Privacy.Retention;

/// <summary>The kinds of data a project keeps for a limited time, each with its own period.</summary>
public enum RetainedData
{
    /// <summary>Uploaded media kept after analysis and the videos in a recording's result folder (anonymised, annotated).</summary>
    Media,

    /// <summary>Per-frame results and events (database rows, faces.jsonl, faces.csv).</summary>
    Results,

    /// <summary>Per-person and per-recording summaries (database rows, summary.json, report.html).</summary>
    Aggregates,

    /// <summary>Skin sessions of subjects' longitudinal profiles.</summary>
    Profiles,

    /// <summary>The project's audit log (the chain stays verifiable: retention keeps the hash it continues from).</summary>
    AuditLog,
}

/// <summary>
/// How long a project keeps each kind of data, in days; null keeps it until it is erased. Recordings count from when
/// they finished (or were created, if they never ran), skin sessions from when they were measured, audit entries from
/// when they were written.
/// </summary>
/// <param name="MediaDays">Media, or null.</param>
/// <param name="ResultsDays">Per-frame results and events, or null.</param>
/// <param name="AggregatesDays">Summaries, or null.</param>
/// <param name="ProfilesDays">Skin sessions, or null.</param>
/// <param name="AuditLogDays">Audit entries, or null.</param>
public sealed record RetentionPolicy(int? MediaDays = null, int? ResultsDays = null, int? AggregatesDays = null, int? ProfilesDays = null, int? AuditLogDays = null)
{
    /// <summary>Shortest period: a day (a shorter one would race the analysis that produces the data).</summary>
    public const int MinDays = 1;

    /// <summary>Longest period: ten years (3653 days); keep longer by leaving the period empty.</summary>
    public const int MaxDays = 3653;

    /// <summary>Keeps everything.</summary>
    public static RetentionPolicy KeepEverything { get; } = new();

    /// <summary>The kinds in a fixed order (reports and metrics list them so).</summary>
    public static IReadOnlyList<RetainedData> Kinds { get; } = [RetainedData.Media, RetainedData.Results, RetainedData.Aggregates, RetainedData.Profiles, RetainedData.AuditLog];

    /// <summary>Whether any kind has a period.</summary>
    public bool LimitsAnything => Kinds.Any(k => Days(k) is not null);

    /// <summary>The period of a kind in days, or null.</summary>
    public int? Days(RetainedData kind) => kind switch
    {
        RetainedData.Media => MediaDays,
        RetainedData.Results => ResultsDays,
        RetainedData.Aggregates => AggregatesDays,
        RetainedData.Profiles => ProfilesDays,
        RetainedData.AuditLog => AuditLogDays,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown kind of retained data"),
    };

    /// <summary>Data of this kind from before the returned instant has expired at <paramref name="now"/>; null when the kind is kept.</summary>
    public DateTimeOffset? Cutoff(RetainedData kind, DateTimeOffset now) => Days(kind) is { } days ? now - TimeSpan.FromDays(days) : null;

    /// <summary>Throws <see cref="ArgumentException"/> naming the field, its value and the limits.</summary>
    public void Validate()
    {
        foreach (var kind in Kinds)
        {
            if (Days(kind) is { } days && days is < MinDays or > MaxDays)
            {
                var field = FieldName(kind);
                throw new ArgumentException($"{field} = {days}: must be between {MinDays} and {MaxDays} days (10 years), or null to keep the data until it is erased.", field);
            }
        }
    }

    /// <summary>The JSON/API name of a kind's field (e.g. <c>mediaDays</c>).</summary>
    public static string FieldName(RetainedData kind) => kind switch
    {
        RetainedData.Media => "mediaDays",
        RetainedData.Results => "resultsDays",
        RetainedData.Aggregates => "aggregatesDays",
        RetainedData.Profiles => "profilesDays",
        RetainedData.AuditLog => "auditLogDays",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown kind of retained data"),
    };
}

/// <summary>What one retention run removed in one project.</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="At">When the run started (the clock the cutoffs were computed from).</param>
/// <param name="Recordings">Recordings with media, results or aggregates removed, per kind.</param>
/// <param name="Rows">Database rows deleted, per kind (media: recordings whose media was released).</param>
/// <param name="Files">Files deleted, per kind.</param>
/// <param name="Elapsed">How long the run took for this project.</param>
/// <param name="Problems">Files that could not be deleted (retried by the next run), as counts per reason; empty when none.</param>
public sealed record RetentionReport(
    Guid ProjectId,
    DateTimeOffset At,
    IReadOnlyDictionary<RetainedData, long> Recordings,
    IReadOnlyDictionary<RetainedData, long> Rows,
    IReadOnlyDictionary<RetainedData, long> Files,
    TimeSpan Elapsed,
    IReadOnlyList<string> Problems)
{
    /// <summary>Rows deleted in all kinds.</summary>
    public long TotalRows => Rows.Values.Sum();
}
