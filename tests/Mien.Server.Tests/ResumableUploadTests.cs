using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Mien.Server.Tests.Attacks;

namespace Mien.Server.Tests;

/// <summary>
/// Resumable uploads against a real server: a chunk cut off by a dropped connection leaves the offset where the last
/// whole chunk ended and the client goes on from there to a finished analysis; wrong offsets, oversize sessions and
/// chunks, too many sessions are refused with problem details; expired and withdrawn sessions leave no byte behind;
/// without consent nothing is opened or kept.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ResumableUploadTests(ServerFixture server, LimitedServerFixture limited)
{
    /// <summary>A request body that sends <paramref name="cutAfter"/> bytes and then fails, like a connection that drops.</summary>
    private sealed class DroppingStream(byte[] data, int cutAfter) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= cutAfter)
            {
                throw new IOException("the network went away (test)");
            }

            var n = Math.Min(count, cutAfter - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static HttpContent Chunk(byte[] file, long start, int length, Stream? body = null)
    {
        HttpContent content = body is null ? new ByteArrayContent(file, (int)start, length) : new StreamContent(body);
        content.Headers.ContentLength = length;
        content.Headers.ContentRange = new ContentRangeHeaderValue(start, start + length - 1, file.Length);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    private static async Task<(Guid Id, string Location)> OpenAsync(HttpClient client, string projectPath, Guid subject, long size, string name = "clip.mp4")
    {
        var response = await client.PostAsync($"{projectPath}/uploads?subject={subject}&size={size}&name={name}", null);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        return (id, $"{projectPath}/uploads/{id}");
    }

    private static async Task<long> OffsetAsync(HttpClient client, string location)
    {
        var response = await client.GetAsync(location);
        response.EnsureSuccessStatusCode();
        var offset = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("offset").GetInt64();
        Assert.Equal(offset.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("Upload-Offset").Single());
        return offset;
    }

    /// <summary>Sends a chunk; while the server still finishes a dropped one (409 "in progress") it waits and retries.</summary>
    private static async Task<HttpResponseMessage> PutAsync(HttpClient client, string location, byte[] file, long start, int length)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await client.PutAsync(location, Chunk(file, start, length));
            if (response.StatusCode != HttpStatusCode.Conflict || !(await response.Content.ReadAsStringAsync()).Contains("in progress", StringComparison.Ordinal) || attempt > 100)
            {
                return response;
            }

            await Task.Delay(100);
        }
    }

    private static string[] PartialFiles(string dataDirectory)
    {
        var staging = Path.Combine(dataDirectory, "private", "uploads");
        return Directory.Exists(staging) ? Directory.GetFiles(staging) : [];
    }

    [Fact]
    public async Task An_upload_cut_off_mid_chunk_resumes_from_the_last_whole_chunk_and_is_analysed()
    {
        var file = await File.ReadAllBytesAsync(server.Clip);
        using var client = server.Client(server.AdminKey);
        var (_, location) = await OpenAsync(client, server.ProjectPath(), server.Subject, file.Length);
        Assert.Equal(0, await OffsetAsync(client, location));

        var chunk = file.Length / 3;
        var first = await PutAsync(client, location, file, 0, chunk);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(chunk, await OffsetAsync(client, location));

        // The second chunk's connection drops after a third of it.
        var dropping = new DroppingStream(file[chunk..(2 * chunk)], chunk / 3);
        await Assert.ThrowsAnyAsync<Exception>(() => client.PutAsync(location, Chunk(file, chunk, chunk, dropping)));

        // The client asks where to go on: the end of the first chunk (the server may still be closing the broken one).
        var offset = await OffsetAsync(client, location);
        var retry = await PutAsync(client, location, file, offset, (int)Math.Min(chunk, file.Length - offset));
        Assert.True(retry.StatusCode == HttpStatusCode.OK, await retry.Content.ReadAsStringAsync());
        Assert.Equal(chunk, offset);

        var done = await OffsetAsync(client, location);
        var rest = await PutAsync(client, location, file, done, file.Length - (int)done);
        Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
        Assert.Equal(file.Length, await OffsetAsync(client, location));

        var complete = await client.PostAsync(location + "/complete", null);
        Assert.True(complete.StatusCode == HttpStatusCode.Accepted, await complete.Content.ReadAsStringAsync());
        var recording = JsonDocument.Parse(await complete.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("clip.mp4", recording.GetProperty("name").GetString());
        var finished = await server.WaitAsync(client, recording.GetProperty("id").GetGuid(), TimeSpan.FromMinutes(3));
        Assert.Equal("done", finished.GetProperty("status").GetString());
        // Every byte arrived once and in place: the analysis saw all 75 frames of the clip.
        Assert.Equal(75, finished.GetProperty("frames").GetInt64());
        // The session is over: it cannot be written or completed again.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(location)).StatusCode);
    }

    [Fact]
    public async Task Chunks_at_the_wrong_offset_or_with_a_bad_range_are_refused_and_say_where_to_go_on()
    {
        var file = new byte[10_000];
        Random.Shared.NextBytes(file);
        using var client = server.Client(server.AdminKey);
        var (_, location) = await OpenAsync(client, server.ProjectPath(), server.Subject, file.Length);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(client, location, file, 0, 4000)).StatusCode);

        // Replaying the first chunk, skipping ahead: 409 with the server's offset.
        foreach (var start in new[] { 0L, 6000L })
        {
            var wrong = await client.PutAsync(location, Chunk(file, start, 2000));
            Assert.Equal(HttpStatusCode.Conflict, wrong.StatusCode);
            Assert.Equal("4000", wrong.Headers.GetValues("Upload-Offset").Single());
            var problem = JsonDocument.Parse(await wrong.Content.ReadAsStringAsync()).RootElement;
            Assert.Contains("resend from byte 4000", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // Past the declared size, no Content-Range, a range for another size: refused, offset unchanged.
        var beyond = new ByteArrayContent(new byte[7000]);
        beyond.Headers.ContentRange = new ContentRangeHeaderValue(4000, 10_999, 11_000);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsync(location, beyond)).StatusCode);
        var overrun = new ByteArrayContent(new byte[7000]);
        overrun.Headers.ContentRange = new ContentRangeHeaderValue(4000, 10_999);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.PutAsync(location, overrun)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsync(location, new ByteArrayContent(new byte[10]))).StatusCode);
        Assert.Equal(4000, await OffsetAsync(client, location));

        // Completing early says how much is missing.
        var early = await client.PostAsync(location + "/complete", null);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Contains("4000 of 10000 bytes", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Another key of the same project does not see the session.
        using var other = server.Client(await server.KeyAsync("analyst"));
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(location)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PutAsync(location, Chunk(file, 4000, 100))).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync(location)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(location)).StatusCode);
    }

    [Fact]
    public async Task Oversize_sessions_and_chunks_and_too_many_sessions_are_refused_with_the_limit()
    {
        await limited.StartAsync();
        using var client = limited.Client(await limited.KeyAsync("analyst"));
        var path = limited.ProjectPath();

        var huge = await client.PostAsync($"{path}/uploads?subject={limited.Subject}&size={limited.Options.MaxUploadBytes + 1}", null);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Contains("MaxUploadBytes", await huge.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync($"{path}/uploads?subject={limited.Subject}", null)).StatusCode);

        var file = new byte[2 * limited.Options.MaxUploadChunkBytes];
        var (_, location) = await OpenAsync(client, path, limited.Subject, file.Length);
        var big = await client.PutAsync(location, Chunk(file, 0, limited.Options.MaxUploadChunkBytes + 1));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        Assert.Contains("MaxUploadChunkBytes", await big.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await OffsetAsync(client, location));

        // The key may hold three sessions (MaxUploadSessionsPerKey in the limited server); the fourth is refused.
        var sessions = new List<string> { location };
        for (var i = 0; i < 2; i++)
        {
            sessions.Add((await OpenAsync(client, path, limited.Subject, 100)).Location);
        }

        var fourth = await client.PostAsync($"{path}/uploads?subject={limited.Subject}&size=100", null);
        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.StatusCode);
        Assert.Contains("MaxUploadSessionsPerKey", await fourth.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var s in sessions)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync(s)).StatusCode);
        }
    }

    [Fact]
    public async Task An_expired_session_is_cleaned_up_and_its_partial_data_deleted()
    {
        await limited.StartAsync();
        using var client = limited.Client(await limited.KeyAsync("analyst"));
        var path = limited.ProjectPath();
        var file = new byte[50_000];
        Random.Shared.NextBytes(file);
        var before = PartialFiles(limited.DataDirectory);
        var (_, location) = await OpenAsync(client, path, limited.Subject, file.Length);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(client, location, file, 0, 20_000)).StatusCode);
        var partial = Assert.Single(PartialFiles(limited.DataDirectory).Except(before));
        Assert.Equal(20_000, new FileInfo(partial).Length);

        limited.Time.Advance(limited.Options.UploadSessionTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(location)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsync(location, Chunk(file, 20_000, 1000))).StatusCode);
        // Cleaning runs on a timer and before every new session: opening one sweeps the expired at once.
        var (_, next) = await OpenAsync(client, path, limited.Subject, 10);
        Assert.False(File.Exists(partial), "the expired session's bytes are still on disk");
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync(next)).StatusCode);
    }

    [Fact]
    public async Task Without_consent_no_session_opens_and_withdrawing_it_mid_upload_deletes_what_arrived()
    {
        using var admin = server.Client(server.AdminKey);
        var before = PartialFiles(server.DataDirectory);

        // Analysis but not measurements, or nobody named: refused before any byte.
        var analysisOnly = await ServerFixture.ConsentingSubjectAsync(admin, server.Project, "analysis");
        var refused = await admin.PostAsync(server.ProjectPath($"/uploads?subject={analysisOnly}&size=1000"), null);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("measurements", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PostAsync(server.ProjectPath("/uploads?size=1000"), null)).StatusCode);
        Assert.Equal(before, PartialFiles(server.DataDirectory));

        // Consent withdrawn while the file arrives: the session ends and its bytes are gone.
        var subject = await ServerFixture.ConsentingSubjectAsync(admin, server.Project, "analysis", "measurements");
        var file = new byte[30_000];
        Random.Shared.NextBytes(file);
        var (_, location) = await OpenAsync(admin, server.ProjectPath(), subject, file.Length);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(admin, location, file, 0, 10_000)).StatusCode);
        var partial = Assert.Single(PartialFiles(server.DataDirectory).Except(before));
        var withdrawn = await admin.DeleteAsync(server.ProjectPath($"/subjects/{subject}/consents/measurements?by=test"));
        Assert.True(withdrawn.IsSuccessStatusCode, await withdrawn.Content.ReadAsStringAsync());
        Assert.False(File.Exists(partial), "partial data outlived the consent");
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsync(location, Chunk(file, 10_000, 10_000))).StatusCode);
        Assert.Equal(before, PartialFiles(server.DataDirectory));
    }
}
