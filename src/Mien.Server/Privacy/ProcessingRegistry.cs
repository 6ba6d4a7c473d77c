using Mien.Privacy;

namespace Mien.Server.Privacy;

/// <summary>
/// Who is being analysed right now: every live session and job that names a subject registers here with what to do
/// when that subject withdraws a consent scope. Withdrawal then stops processing at once — before the erasure runs,
/// so nothing is written after it.
/// </summary>
internal sealed class ProcessingRegistry
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(Guid Project, Guid Subject), List<Registration>> _active = [];

    /// <summary>Registers a running analysis of a subject; dispose the result when it ends.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="subjectId">The subject analysed.</param>
    /// <param name="onWithdrawn">Called with each withdrawn scope; returns when the analysis has complied (stopped, or stopped storing).</param>
    public IDisposable Register(Guid projectId, Guid subjectId, Func<ConsentScope, Task> onWithdrawn)
    {
        var registration = new Registration(this, (projectId, subjectId), onWithdrawn);
        lock (_lock)
        {
            if (!_active.TryGetValue(registration.Key, out var list))
            {
                _active[registration.Key] = list = [];
            }

            list.Add(registration);
        }

        return registration;
    }

    /// <summary>Analyses of the subject running now.</summary>
    public int Active(Guid projectId, Guid subjectId)
    {
        lock (_lock)
        {
            return _active.TryGetValue((projectId, subjectId), out var list) ? list.Count : 0;
        }
    }

    /// <summary>Tells every running analysis of the subject that these scopes are withdrawn and waits until they comply.</summary>
    /// <returns>How many analyses were told.</returns>
    public async Task<int> WithdrawAsync(Guid projectId, Guid subjectId, IReadOnlyCollection<ConsentScope> scopes)
    {
        Registration[] running;
        lock (_lock)
        {
            running = _active.TryGetValue((projectId, subjectId), out var list) ? [.. list] : [];
        }

        foreach (var registration in running)
        {
            foreach (var scope in scopes)
            {
                await registration.OnWithdrawn(scope).ConfigureAwait(false);
            }
        }

        return running.Length;
    }

    private void Remove(Registration registration)
    {
        lock (_lock)
        {
            if (_active.TryGetValue(registration.Key, out var list) && list.Remove(registration) && list.Count == 0)
            {
                _active.Remove(registration.Key);
            }
        }
    }

    private sealed class Registration(ProcessingRegistry owner, (Guid, Guid) key, Func<ConsentScope, Task> onWithdrawn) : IDisposable
    {
        public (Guid Project, Guid Subject) Key => key;

        public Func<ConsentScope, Task> OnWithdrawn => onWithdrawn;

        public void Dispose() => owner.Remove(this);
    }
}
