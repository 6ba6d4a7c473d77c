using System.Collections.Concurrent;
using System.Security.Cryptography;
using Mien.Storage;

namespace Mien.Server.Security;

/// <summary>
/// Single-use, short-lived tickets that let a browser open the live WebSocket (it cannot set an Authorization header
/// on a WebSocket): an authenticated client asks for one, then connects with <c>?ticket=</c> within 60 s.
/// </summary>
internal sealed class LiveTickets(TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);
    private readonly ConcurrentDictionary<string, (ApiKeyIdentity Identity, DateTimeOffset Expires)> _tickets = new(StringComparer.Ordinal);

    public (string Ticket, DateTimeOffset Expires) Issue(ApiKeyIdentity identity)
    {
        Sweep();
        if (_tickets.Count > 10_000)
        {
            throw new InvalidOperationException("too many outstanding live tickets");
        }

        var ticket = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        var expires = time.GetUtcNow() + Lifetime;
        _tickets[ticket] = (identity, expires);
        return (ticket, expires);
    }

    public ApiKeyIdentity? Redeem(string ticket) =>
        _tickets.TryRemove(ticket, out var entry) && entry.Expires > time.GetUtcNow() ? entry.Identity : null;

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (key, entry) in _tickets)
        {
            if (entry.Expires <= now)
            {
                _tickets.TryRemove(key, out _);
            }
        }
    }
}
