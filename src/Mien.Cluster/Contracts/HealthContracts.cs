namespace Mien.Cluster;

/// <summary>
/// The cluster's health and load as one view (one activation, key 0): every silo reports its own figures every
/// <see cref="MienClusterOptions.StatsInterval"/> (a fan-in, so reading the view costs one call however many silos there
/// are), and the view joins them with Orleans' membership table, so a dead silo shows as dead with its last figures.
/// </summary>
public interface IClusterHealthGrain : IGrainWithIntegerKey
{
    /// <summary>A silo's figures now.</summary>
    Task ReportAsync(SiloStats stats);

    /// <summary>Membership, each silo's last figures, and totals over the active silos.</summary>
    Task<ClusterHealth> HealthAsync();
}

/// <summary>One silo's figures at one moment.</summary>
/// <param name="Silo">The silo's address.</param>
/// <param name="ActiveSessions">Session grains running a session on it.</param>
/// <param name="Capacity">Sessions it runs at most (<see cref="MienClusterOptions.MaxSessionsPerSilo"/>).</param>
/// <param name="FramesAnalysed">Frames its sessions analysed since it started.</param>
/// <param name="FramesPerSecond">Frames a second over the last report interval.</param>
/// <param name="LatencyP95Ms">95th percentile of the last 256 frames' time in the grain, milliseconds (0: none yet).</param>
/// <param name="Refusals">Sessions refused by placement on it because the cluster was full.</param>
/// <param name="Reactivations">Sessions re-activated on it from a checkpoint (their silo had stopped or died).</param>
/// <param name="At">When the figures were taken.</param>
[GenerateSerializer, Immutable]
public sealed record SiloStats(
    [property: Id(0)] string Silo, [property: Id(1)] int ActiveSessions, [property: Id(2)] int Capacity, [property: Id(3)] long FramesAnalysed,
    [property: Id(4)] double FramesPerSecond, [property: Id(5)] double LatencyP95Ms, [property: Id(6)] long Refusals, [property: Id(7)] long Reactivations,
    [property: Id(8)] DateTimeOffset At);

/// <summary>A silo as membership sees it, with its last figures (null: it has not reported yet).</summary>
[GenerateSerializer, Immutable]
public sealed record SiloHealth([property: Id(0)] string Silo, [property: Id(1)] string Status, [property: Id(2)] SiloStats? Stats);

/// <summary>The cluster's view.</summary>
/// <param name="Silos">Every silo membership knows, active or not.</param>
/// <param name="ActiveSilos">Silos whose membership status is Active.</param>
/// <param name="ActiveSessions">Sessions over the active silos.</param>
/// <param name="Capacity">Sessions the active silos hold at most.</param>
/// <param name="FramesPerSecond">Frames a second over the active silos.</param>
/// <param name="FramesAnalysed">Frames analysed over every silo that reported (dead ones: up to their last report).</param>
/// <param name="Refusals">Refusals over every silo that reported.</param>
/// <param name="Reactivations">Re-activations over every silo that reported.</param>
[GenerateSerializer, Immutable]
public sealed record ClusterHealth(
    [property: Id(0)] IReadOnlyList<SiloHealth> Silos, [property: Id(1)] int ActiveSilos, [property: Id(2)] int ActiveSessions, [property: Id(3)] int Capacity,
    [property: Id(4)] double FramesPerSecond, [property: Id(5)] long FramesAnalysed, [property: Id(6)] long Refusals, [property: Id(7)] long Reactivations);
