namespace Mien.Cluster;

/// <summary>How a silo of the Mien cluster behaves.</summary>
public sealed record MienClusterOptions
{
    /// <summary>Name of the grain storage every Mien grain uses.</summary>
    public const string Storage = "mien";

    /// <summary>
    /// Live sessions one silo runs at most (default: 2 per core). A session is a face pipeline at full frame rate, so a
    /// silo beyond this would only make every stream on it late; placement refuses with <see cref="ClusterFullException"/>
    /// when every silo is at its limit.
    /// </summary>
    public int MaxSessionsPerSilo { get; init; } = 2 * Environment.ProcessorCount;

    /// <summary>Longest a frame may take in a session before the grain answers it as refused (default 30 s).</summary>
    public TimeSpan FrameTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a silo waits for a probe's answer (default 2 s; Orleans' own default is made for wide networks). With
    /// <see cref="MissedProbes"/> it sets how soon a dead silo is declared dead and its sessions re-activate elsewhere.
    /// </summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Missed probes before a silo votes another dead (default 2).</summary>
    public int MissedProbes { get; init; } = 2;

    /// <summary>How often a silo reports its figures to the cluster's health view (default 5 s).</summary>
    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a session's checkpoint outlives its last frame when no client comes back (default 1 h). A client that
    /// lost its node resumes within seconds; one that never returns would otherwise leave its per-person totals in
    /// grain storage for ever. A reminder (durable, so it fires even after the silo that ran the session is gone)
    /// deletes the checkpoint once the session has had no frame for this long.
    /// </summary>
    public TimeSpan AbandonedAfter { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The clock abandonment is measured by (default the system's). Mien's own, not the silo's
    /// <see cref="TimeProvider"/> service, which Orleans itself reads for membership and timers.
    /// </summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option, its value and the limit.</summary>
    public void Validate()
    {
        if (MaxSessionsPerSilo is < 1 or > 1000)
        {
            throw new ArgumentException($"{nameof(MaxSessionsPerSilo)} = {MaxSessionsPerSilo}: must be between 1 and 1000.", nameof(MaxSessionsPerSilo));
        }

        if (FrameTimeout < TimeSpan.FromSeconds(1) || FrameTimeout > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentException($"{nameof(FrameTimeout)} = {FrameTimeout.TotalSeconds} s: must be between 1 s and 600 s.", nameof(FrameTimeout));
        }

        if (ProbeTimeout < TimeSpan.FromMilliseconds(100) || ProbeTimeout > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentException($"{nameof(ProbeTimeout)} = {ProbeTimeout.TotalSeconds} s: must be between 0.1 s and 60 s.", nameof(ProbeTimeout));
        }

        if (MissedProbes is < 1 or > 10)
        {
            throw new ArgumentException($"{nameof(MissedProbes)} = {MissedProbes}: must be between 1 and 10.", nameof(MissedProbes));
        }

        if (AbandonedAfter < TimeSpan.FromMinutes(1) || AbandonedAfter > TimeSpan.FromDays(30))
        {
            throw new ArgumentException($"{nameof(AbandonedAfter)} = {AbandonedAfter.TotalMinutes} min: must be between 1 min (the shortest reminder period) and 30 days.", nameof(AbandonedAfter));
        }

        if (StatsInterval < TimeSpan.FromMilliseconds(100) || StatsInterval > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentException($"{nameof(StatsInterval)} = {StatsInterval.TotalSeconds} s: must be between 0.1 s and 300 s.", nameof(StatsInterval));
        }
    }
}
