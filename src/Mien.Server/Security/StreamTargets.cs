using System.Net;
using System.Net.Sockets;

namespace Mien.Server.Security;

/// <summary>
/// What a registered stream (<c>POST /streams</c>) may point at. The server opens the URL itself, so without a rule
/// any analyst key could make it connect to this machine's own services or to the cloud metadata endpoint
/// (server-side request forgery). Every address the host name resolves to must be a public address, or a private
/// network one (cameras; <see cref="ServerOptions.AllowPrivateNetworkStreams"/>); loopback, link-local (169.254/16,
/// fe80::/10: the metadata endpoint), unspecified, broadcast and reserved addresses are refused, as are IPv4 addresses
/// hidden in IPv6 forms. Multicast is allowed for udp only (a multicast feed is a udp stream).
/// </summary>
/// <remarks>
/// The URL is checked when it is registered; FFmpeg resolves the name again when the job runs, so a name whose DNS
/// answer changes in between (DNS rebinding) is not caught here: an operator who needs a hard boundary runs the
/// server behind an egress firewall (docs/security.md).
/// </remarks>
internal static class StreamTargets
{
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Null when <paramref name="uri"/> may be opened, else why not.</summary>
    public static async Task<string?> ProblemAsync(Uri uri, ServerOptions options, CancellationToken ct)
    {
        var host = uri.IdnHost.Trim('[', ']');
        if (host.Length == 0)
        {
            return "has no host";
        }

        if (!options.AllowLoopbackStreams && (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)))
        {
            return "points at this server (loopback); streams may not reach the server's own services";
        }

        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(ResolveTimeout);
                addresses = await Dns.GetHostAddressesAsync(host, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                return $"host '{host}' does not resolve ({e.Message})";
            }
        }

        if (addresses.Length == 0)
        {
            return $"host '{host}' does not resolve";
        }

        foreach (var address in addresses)
        {
            if (Refused(address, uri.Scheme, options) is { } why)
            {
                return addresses.Length == 1 && literal is not null ? why : $"host '{host}' resolves to {address}: {why}";
            }
        }

        return null;
    }

    /// <summary>Why a stream may not connect to <paramref name="address"/>, or null.</summary>
    internal static string? Refused(IPAddress address, string scheme, ServerOptions options)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        else if (address.AddressFamily == AddressFamily.InterNetworkV6 && IsIPv4Compatible(address))
        {
            // ::a.b.c.d (deprecated IPv4-compatible form): judge the IPv4 address inside.
            address = new IPAddress(address.GetAddressBytes()[12..]);
        }

        if (IPAddress.IsLoopback(address))
        {
            return options.AllowLoopbackStreams ? null : "points at this server (loopback); streams may not reach the server's own services";
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b switch
            {
                [0, ..] => "is an unspecified address (0.0.0.0/8)",
                [169, 254, ..] => "is link-local (169.254/16, where cloud metadata endpoints live)",
                [255, 255, 255, 255] => "is the broadcast address",
                [>= 224 and <= 239, ..] => scheme == "udp" ? null : "is a multicast address (only udp streams may be multicast)",
                [>= 240, ..] => "is a reserved address (240/4)",
                [100, >= 64 and <= 127, ..] => "is a carrier-grade NAT address (100.64/10)",
                [10, ..] or [172, >= 16 and <= 31, ..] or [192, 168, ..] => options.AllowPrivateNetworkStreams ? null : "is a private network address (AllowPrivateNetworkStreams is off)",
                _ => null,
            };
        }

        if (address.Equals(IPAddress.IPv6None) || address.Equals(IPAddress.IPv6Any))
        {
            return "is an unspecified address (::)";
        }

        if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal)
        {
            return "is link-local (fe80::/10)";
        }

        if (address.IsIPv6Multicast)
        {
            return scheme == "udp" ? null : "is a multicast address (only udp streams may be multicast)";
        }

        if (address.IsIPv6UniqueLocal)
        {
            return options.AllowPrivateNetworkStreams ? null : "is a private network address (AllowPrivateNetworkStreams is off)";
        }

        // NAT64 (64:ff9b::/96) carries an IPv4 address that may be internal.
        var bytes = address.GetAddressBytes();
        if (bytes is [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, ..])
        {
            return Refused(new IPAddress(bytes[12..]), scheme, options);
        }

        return null;
    }

    private static bool IsIPv4Compatible(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] <= 1);
    }
}
