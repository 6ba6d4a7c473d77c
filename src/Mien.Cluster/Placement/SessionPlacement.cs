using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Mien.Cluster.Placement;

/// <summary>
/// Places session grains by load: on the silo with the fewest sessions, the silo doing the placement (the one whose
/// server received the WebSocket) winning ties so a stream's frames stay local when that costs nothing; no silo below
/// <see cref="MienClusterOptions.MaxSessionsPerSilo"/> → <see cref="ClusterFullException"/>, which the caller gets as
/// the answer to its call. Counts come from the <see cref="ISessionLoadGrain"/>, which reserves the slot in the same
/// turn so two placements at once cannot both take the last one.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class SessionPlacementStrategy : PlacementStrategy
{
}

/// <summary>Marks a grain class as placed by <see cref="SessionPlacementStrategy"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SessionPlacementAttribute() : PlacementAttribute(new SessionPlacementStrategy());

/// <summary>Chooses the silo for a new session activation (see <see cref="SessionPlacementStrategy"/>).</summary>
internal sealed class SessionPlacementDirector(IGrainFactory grains, IOptions<MienClusterOptions> options, Health.ClusterMetrics metrics) : IPlacementDirector
{
    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 0)
        {
            throw new ClusterFullException("no silo of the cluster is active");
        }

        var load = grains.GetGrain<ISessionLoadGrain>(0);
        var chosen = await load.ReserveAsync(target.GrainIdentity.Key.ToString()!, silos, context.LocalSilo, options.Value.MaxSessionsPerSilo).ConfigureAwait(false);
        if (chosen is null)
        {
            metrics.Refused();
        }

        return chosen ?? throw new ClusterFullException(
            $"the cluster is full: every one of its {silos.Length} silos runs {options.Value.MaxSessionsPerSilo} sessions (MaxSessionsPerSilo); try again later or add a silo");
    }
}

/// <summary>Sessions per silo, cluster-wide (one activation, key 0).</summary>
public interface ISessionLoadGrain : IGrainWithIntegerKey
{
    /// <summary>Reserves a slot for <paramref name="session"/> on the least-loaded of <paramref name="silos"/> (ties: <paramref name="local"/>); null when all are full.</summary>
    Task<SiloAddress?> ReserveAsync(string session, SiloAddress[] silos, SiloAddress local, int capacity);

    /// <summary>A session runs on <paramref name="silo"/> (re-stated by sessions, so a restarted load grain re-learns), or ended (<paramref name="silo"/> null).</summary>
    Task ReportAsync(string session, SiloAddress? silo);

    /// <summary>Sessions per silo now.</summary>
    Task<IReadOnlyDictionary<SiloAddress, int>> LoadAsync();
}

/// <summary>
/// The session counts behind placement. Kept in memory only: if its silo dies it re-activates empty and sessions
/// re-state where they run at their next checkpoint; until then it may under-count, never block. Silos no longer
/// compatible (dead) drop out at the next reservation.
/// </summary>
internal sealed class SessionLoadGrain : Grain, ISessionLoadGrain
{
    private readonly Dictionary<string, SiloAddress> _sessions = new(StringComparer.Ordinal);

    public Task<SiloAddress?> ReserveAsync(string session, SiloAddress[] silos, SiloAddress local, int capacity)
    {
        var alive = new HashSet<SiloAddress>(silos);
        foreach (var (id, silo) in _sessions.ToArray())
        {
            if (!alive.Contains(silo))
            {
                _sessions.Remove(id);
            }
        }

        if (_sessions.TryGetValue(session, out var already))
        {
            return Task.FromResult<SiloAddress?>(already);
        }

        var counts = silos.ToDictionary(s => s, _ => 0);
        foreach (var silo in _sessions.Values)
        {
            counts[silo]++;
        }

        SiloAddress? best = null;
        foreach (var silo in silos.OrderBy(s => s.Equals(local) ? 0 : 1))
        {
            if (counts[silo] < capacity && (best is null || counts[silo] < counts[best]))
            {
                best = silo;
            }
        }

        if (best is not null)
        {
            _sessions[session] = best;
        }

        return Task.FromResult(best);
    }

    public Task ReportAsync(string session, SiloAddress? silo)
    {
        if (silo is null)
        {
            _sessions.Remove(session);
        }
        else
        {
            _sessions[session] = silo;
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyDictionary<SiloAddress, int>> LoadAsync() =>
        Task.FromResult<IReadOnlyDictionary<SiloAddress, int>>(_sessions.Values.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count()));
}
