using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mien.Server;
using Mien.Testing;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;

namespace Mien.Cluster.Tests;

/// <summary>
/// The subject grain's ledger (<c>StoreSubjectLedger</c>) on the real PostgreSQL store: a server co-hosting a silo, its
/// results database a throwaway PostgreSQL database, its REST consent and erasure endpoints going through the subject
/// grain as they do under <c>mien serve --cluster</c>.
/// </summary>
public sealed class StoreLedgerPostgresTests
{
    [PostgresFact]
    public async Task Consent_withdrawal_and_erasure_through_the_subject_grain_are_rows_in_postgresql_and_in_its_audit_log()
    {
        var database = "mien_ledger_" + Guid.NewGuid().ToString("N")[..10];
        var connection = await PostgresCluster.Instance.CreateDatabaseAsync(database);
        var data = Directory.CreateTempSubdirectory("mien-ledger-pg-").FullName;
        var (siloPort, gatewayPort) = (FreePort(), FreePort());
        try
        {
            await using var server = await MienServer.StartAsync(
                new ServerOptions
                {
                    DataDirectory = data,
                    ConnectionString = connection,
                    Urls = "http://127.0.0.1:0",
                    JobConcurrency = 1,
                    MasterKey = Mien.Privacy.Encryption.MasterKey.Generate("ledger on postgresql test key"),
                    RequestsPerMinute = 100_000,
                    ConfigureHost = builder => builder.UseOrleans(silo =>
                    {
                        silo.UseLocalhostClustering(siloPort, gatewayPort);
                        silo.AddMienGrains();
                        silo.Services.AddGrainStorage(MienClusterOptions.Storage, (sp, _) => new SharedGrainStorage(sp.GetRequiredService<Serializer>()));
                    }),
                },
                logging => logging.SetMinimumLevel(LogLevel.Warning));
            var project = server.FirstProject!.Value;
            using var http = new HttpClient { BaseAddress = server.Addresses[0] };
            http.DefaultRequestHeaders.Authorization = new("Bearer", server.FirstAdminKey);
            var api = $"/api/v1/projects/{project}/subjects";

            var created = await http.PostAsync(api, Json("{\"pseudonym\":\"ledger-pg\"}"));
            created.EnsureSuccessStatusCode();
            var subject = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

            // Consent through the grain: the ledger writes the consent rows into PostgreSQL; the answer has the single-node shape.
            var given = await http.PostAsync($"{api}/{subject}/consents", Json("{\"scopes\":[\"analysis\",\"measurements\"],\"textVersion\":\"v2\",\"collectedBy\":\"RA-7\"}"));
            Assert.Equal(HttpStatusCode.Created, given.StatusCode);
            var rows = JsonDocument.Parse(await given.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(["analysis", "measurements"], rows.EnumerateArray().Select(r => r.GetProperty("scope").GetString()));
            Assert.All(rows.EnumerateArray(), r => Assert.Equal("RA-7", r.GetProperty("collectedBy").GetString()));

            // Withdrawal through the grain: the row is closed by whoever withdrew it, and the erasure receipt comes back.
            var withdrawal = await http.DeleteAsync($"{api}/{subject}/consents/measurements");
            Assert.Equal(HttpStatusCode.OK, withdrawal.StatusCode);
            var withdrawn = JsonDocument.Parse(await withdrawal.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("measurements", withdrawn.GetProperty("withdrawn")[0].GetProperty("scope").GetString());
            Assert.Equal("measurements", withdrawn.GetProperty("receipt").GetProperty("what").GetString());
            var consents = JsonDocument.Parse(await http.GetStringAsync($"{api}/{subject}/consents")).RootElement;
            Assert.Equal(["analysis"], consents.GetProperty("current").EnumerateArray().Select(s => s.GetString()));
            Assert.Equal("subject", consents.GetProperty("history").EnumerateArray().Single(h => h.GetProperty("scope").GetString() == "measurements").GetProperty("withdrawnBy").GetString());

            // Erasure through the grain: the subject's rows leave PostgreSQL, the receipt counts them, the log keeps the act.
            var erased = await http.DeleteAsync($"{api}/{subject}");
            Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
            var receipt = JsonDocument.Parse(await erased.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("subject", receipt.GetProperty("what").GetString());
            Assert.Equal(1, receipt.GetProperty("rows").GetProperty("subjects").GetInt32());
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"{api}/{subject}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync($"{api}/{subject}/consents", Json("{\"scopes\":[\"analysis\"],\"textVersion\":\"v2\",\"collectedBy\":\"RA-7\"}"))).StatusCode);
            var log = await http.GetStringAsync($"/api/v1/projects/{project}/audit");
            foreach (var action in new[] { "consent.give", "consent.withdraw", "subject.erase" })
            {
                Assert.Contains(action, log, StringComparison.Ordinal);
            }

            Assert.Contains("service:cluster", log, StringComparison.Ordinal);
        }
        finally
        {
            await PostgresCluster.Instance.DropDatabaseAsync(database);
            Directory.Delete(data, recursive: true);
        }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
