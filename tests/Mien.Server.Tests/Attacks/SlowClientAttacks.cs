using System.Net.Sockets;
using System.Text;

namespace Mien.Server.Tests.Attacks;

/// <summary>Slow-loris uploads and headers, and many idle connections: cut off within the configured bounds while others are served.</summary>
[Collection(ServerCollection.Name)]
public sealed class SlowClientAttacks(LimitedServerFixture limited)
{
    [Fact]
    public async Task An_upload_trickled_below_the_minimum_rate_is_cut_off_and_leaves_no_file()
    {
        await limited.StartAsync();
        var other = await limited.KeyAsync("viewer");
        using var tcp = await Wire.TcpAsync(limited.Address);
        var stream = tcp.GetStream();
        // For a consenting subject: otherwise the consent gate answers 403 before the body is read and the rate limit is never reached.
        var head = $"POST {limited.UploadPath("name=slow.mp4")} HTTP/1.1\r\nHost: {limited.Address.Authority}\r\nAuthorization: Bearer {limited.AdminKey}\r\nContent-Length: 1000000\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));

        // 10 bytes a second, far below the 1000 B/s floor, for up to 20 s: the server must end it after its 2-s grace.
        var started = DateTime.UtcNow;
        var trickle = Task.Run(async () =>
        {
            try
            {
                while (DateTime.UtcNow - started < TimeSpan.FromSeconds(20))
                {
                    await stream.WriteAsync(new byte[10]);
                    await Task.Delay(1000);
                }
            }
            catch (IOException)
            {
            }
        });
        await Task.Delay(500);
        await Wire.AssertResponsiveAsync(limited.Address, limited.Project, other, TimeSpan.FromSeconds(5));
        var cut = await Wire.ClosedByServerAsync(tcp, TimeSpan.FromSeconds(15));
        Assert.True(cut, "the slow upload was still open 15 s later");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(16));
        await trickle;
        var uploads = Path.Combine(limited.DataDirectory, "uploads");
        Assert.True(!Directory.Exists(uploads) || Directory.GetFiles(uploads).Length == 0, "the cut-off upload left a file");
    }

    [Fact]
    public async Task Headers_trickled_byte_by_byte_are_cut_off_at_the_header_timeout()
    {
        await limited.StartAsync();
        using var tcp = await Wire.TcpAsync(limited.Address);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
        var started = DateTime.UtcNow;
        var trickle = Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < 40; i++)
                {
                    await stream.WriteAsync("X-Slow: a\r\n"u8.ToArray().AsMemory(0, 1 + (i % 3)));
                    await Task.Delay(500);
                }
            }
            catch (IOException)
            {
            }
        });
        Assert.True(await Wire.ClosedByServerAsync(tcp, TimeSpan.FromSeconds(12)), "slow headers were still being accepted 12 s later");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(12));
        await trickle;
    }

    [Fact]
    public async Task Hundreds_of_idle_connections_do_not_starve_other_clients_and_are_closed_by_the_server()
    {
        await limited.StartAsync();
        var other = await limited.KeyAsync("viewer");
        var idle = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 300; i++)
            {
                idle.Add(await Wire.TcpAsync(limited.Address));
            }

            await Wire.AssertResponsiveAsync(limited.Address, limited.Project, other, TimeSpan.FromSeconds(5));

            // The idle-connection timeout (3 s here) closes connections that never send a request.
            var closed = await Task.WhenAll(idle.Select(c => Wire.ClosedByServerAsync(c, TimeSpan.FromSeconds(15))));
            Assert.Equal(idle.Count, closed.Count(c => c));
            await Wire.AssertResponsiveAsync(limited.Address, limited.Project, other, TimeSpan.FromSeconds(5));
        }
        finally
        {
            idle.ForEach(c => c.Dispose());
        }
    }
}
