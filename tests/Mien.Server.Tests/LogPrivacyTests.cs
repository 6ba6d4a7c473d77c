using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Mien.Server.Tests;

/// <summary>The operator's log carries pseudonymous ids only: never pseudonyms, file names, API keys, tickets or image data.</summary>
[Collection(ServerCollection.Name)]
public sealed class LogPrivacyTests(ServerFixture fixture)
{
    [Fact]
    public async Task A_full_session_logs_no_names_keys_tickets_or_images()
    {
        var lines = new ConcurrentQueue<string>();
        var data = Path.Combine(Path.GetTempPath(), "mien-log-privacy-" + Guid.NewGuid().ToString("N"));
        var secrets = new List<string>();
        try
        {
            await using (var server = await MienServer.StartAsync(
                new ServerOptions { DataDirectory = data, Urls = "http://127.0.0.1:0", JobConcurrency = 1, Offline = false },
                logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new Capture(lines))))
            {
                Assert.Null(await server.WaitUntilReadyAsync(TimeSpan.FromMinutes(5)));
                var key = server.FirstAdminKey!;
                var project = server.FirstProject!.Value;
                secrets.Add(key);
                using var admin = new HttpClient { BaseAddress = server.Addresses[0] };
                admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);

                var subject = JsonDocument.Parse(await (await admin.PostAsJsonAsync($"/api/v1/projects/{project}/subjects", new { pseudonym = "Jane-Doe-7731" })).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
                (await admin.PostAsJsonAsync($"/api/v1/projects/{project}/subjects/{subject}/consents", new { scopes = new[] { "analysis", "measurements" }, textVersion = "v1", collectedBy = "Dr-Smith" })).EnsureSuccessStatusCode();
                var viewer = JsonDocument.Parse(await (await admin.PostAsJsonAsync($"/api/v1/projects/{project}/keys", new { role = "viewer" })).Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
                secrets.Add(viewer);
                var ticket = JsonDocument.Parse(await (await admin.PostAsync($"/api/v1/projects/{project}/live/tickets", null)).Content.ReadAsStringAsync()).RootElement.GetProperty("ticket").GetString()!;
                secrets.Add(ticket);

                var upload = await admin.PostAsync($"/api/v1/projects/{project}/recordings?subject={subject}&name=jane-doe-interview.mp4", new StreamContent(File.OpenRead(fixture.Clip)));
                Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
                var recording = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
                await ErasureScan.WaitAsync(admin, project, recording);
                var garbage = await admin.PostAsync($"/api/v1/projects/{project}/recordings?subject={subject}&name=jane-doe-broken.mp4", new ByteArrayContent(new byte[4096]));
                Assert.Equal(HttpStatusCode.UnsupportedMediaType, garbage.StatusCode);
                using (var forged = new HttpClient { BaseAddress = server.Addresses[0] })
                {
                    forged.DefaultRequestHeaders.Add("X-Api-Key", "mien_0123456789abcdef_forgedforgedforgedforgedforgedforgedforged");
                    Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync($"/api/v1/projects/{project}")).StatusCode);
                }

                using (var live = await LiveClient.ConnectAsync(server.Addresses[0], project, key))
                {
                    await live.SendAsync("{\"type\":\"start\",\"store\":true,\"subject\":\"" + subject + "\"}");
                    await live.UntilAsync("ready");
                    for (var i = 0; i < 5; i++)
                    {
                        await live.SendFrameAsync(i, fixture.Jpegs[i]);
                    }

                    await live.SendAsync("{\"type\":\"stop\"}");
                    await live.UntilAsync("completed");
                }

                var erased = await admin.DeleteAsync($"/api/v1/projects/{project}/subjects/{subject}");
                Assert.True(erased.StatusCode == HttpStatusCode.OK, await erased.Content.ReadAsStringAsync() + string.Join("\n", lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Warn", StringComparison.Ordinal))));
            }

            var log = string.Join("\n", lines);
            Assert.True(lines.Count >= 3, "the server logged something to check: " + log);
            foreach (var forbidden in new[] { "Jane-Doe-7731", "jane-doe-interview", "jane-doe-broken", "Dr-Smith", "forgedforged", "/9j/" }.Concat(secrets).Concat(secrets.Select(s => s.Length > 21 ? s[5..21] : s)))
            {
                Assert.False(log.Contains(forbidden, StringComparison.OrdinalIgnoreCase), $"the log contains '{forbidden}':\n{log}");
            }
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private sealed class Capture(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
                if (state is IEnumerable<KeyValuePair<string, object?>> values)
                {
                    // Structured values reach log sinks too, not only the rendered message.
                    lines.Enqueue(string.Join(" ", values.Select(v => $"{v.Key}={v.Value}")));
                }
            }
        }
    }
}
