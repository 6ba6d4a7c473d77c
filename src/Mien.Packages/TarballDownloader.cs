using System.Buffers;
using System.Net;
using System.Net.Http.Headers;

namespace Mien.Packages;

/// <summary>
/// Streams one tarball from the registry into a temporary file of the cache, hashing it on the way, and renames it
/// into place only when its integrity matches. Every failure becomes a <see cref="PackageStoreException"/> that says
/// what to do; cancellation by the caller stays an <see cref="OperationCanceledException"/>.
/// </summary>
internal sealed class TarballDownloader
{
    /// <summary>Largest tarball accepted (the biggest model package Mien uses is about 150 MB).</summary>
    internal const long MaxTarballBytes = 2L << 30;

    private const int ProgressFloorBytes = 1 << 20;

    private static readonly ProductInfoHeaderValue UserAgent =
        new("Mien.Packages", typeof(TarballDownloader).Assembly.GetName().Version?.ToString(3) ?? "0");

    private readonly HttpClient _http;
    private readonly string _cacheDirectory;

    public TarballDownloader(HttpClient http, string cacheDirectory)
    {
        _http = http;
        _cacheDirectory = cacheDirectory;
    }

    /// <summary>The tarball address: <c>&lt;registry&gt;/&lt;name&gt;/-/&lt;basename&gt;-&lt;version&gt;.tgz</c>, the scope's '@' and '/' left as they are.</summary>
    public static Uri TarballUri(Uri registry, NpmPackageSpec spec) =>
        new(registry, $"{spec.Name}/-/{spec.TarballFileName}");

    /// <summary>
    /// Downloads <paramref name="url"/> to <paramref name="tempPath"/>, checks it against <paramref name="integrity"/>
    /// and moves it to <paramref name="destination"/>. On any failure the temporary file is deleted.
    /// </summary>
    public async Task DownloadAsync(
        NpmPackageSpec spec,
        PackageIntegrity integrity,
        Uri url,
        string tempPath,
        string destination,
        IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.UserAgent.Add(UserAgent);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));

            using var response = await SendAsync(spec, url, request, cancellationToken).ConfigureAwait(false);
            ThrowOnFailureStatus(spec, url, response);

            var total = response.Content.Headers.ContentLength;
            if (total > MaxTarballBytes)
            {
                throw new PackageStoreException(
                    $"The registry announces {total} bytes for {spec} at {url}, more than the {MaxTarballBytes >> 20} MiB Mien accepts for one package; "
                    + "check that the name and version are the ones Mien pins and that MIEN_NPM_REGISTRY points at an npm registry.");
            }

            Stream body;
            try
            {
                body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw Truncated(spec, url, 0, total, ex);
            }

            await using (body.ConfigureAwait(false))
            {
                var digest = await CopyHashingAsync(spec, integrity, url, body, tempPath, total, progress, cancellationToken).ConfigureAwait(false);
                if (!integrity.Matches(digest.Hash))
                {
                    throw new PackageStoreException(
                        $"Integrity check failed for {spec} downloaded from {url}: expected {integrity.ExpectedText}, got {integrity.Format(digest.Hash)} ({digest.Bytes} bytes). "
                        + "The download is tampered or corrupted, and nothing was cached. Try again; if it keeps failing, the registry or a proxy serves a different file "
                        + $"than the one Mien pins (compare with 'npm view {spec} dist.integrity') and should not be trusted.");
                }
            }

            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Move(tempPath, destination, overwrite: true);
        }
        finally
        {
            File.Delete(tempPath);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(NpmPackageSpec spec, Uri url, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            var reason = ex.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => "the registry's host name could not be resolved",
                HttpRequestError.ConnectionError => "the connection was refused or could not be made",
                HttpRequestError.SecureConnectionError => "the TLS connection could not be established",
                HttpRequestError.ProxyTunnelError => "the proxy refused the tunnel",
                _ => ex.Message,
            };
            throw new PackageStoreException(
                $"Could not reach the npm registry to download {spec} from {url}: {reason}. "
                + "Check the network connection, set MIEN_NPM_REGISTRY to a registry mirror that is reachable from here, "
                + $"or run once where the registry is reachable so the package is cached in {_cacheDirectory} and later runs work offline.",
                ex);
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            // The caller's HttpClient.Timeout fired (our own timeout cancels the token instead).
            throw new PackageStoreException(
                $"The npm registry did not answer in time for {spec} at {url} (HttpClient.Timeout {_http.Timeout}). "
                + "Check the network, set MIEN_NPM_REGISTRY to a closer mirror, or run once where the registry is reachable to fill the cache.",
                ex);
        }
    }

    private static void ThrowOnFailureStatus(NpmPackageSpec spec, Uri url, HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
        var code = response.StatusCode;
        string message;
        if (code == HttpStatusCode.NotFound)
        {
            message = $"The npm registry has no {spec}: {url} answered {status}. Check the package name and version, "
                + "and that MIEN_NPM_REGISTRY, npm_config_registry or the registry= line of ~/.npmrc points at a registry that has it.";
        }
        else if (code is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            message = $"The npm registry refused {spec}: {url} answered {status}. Mien downloads public packages without credentials; "
                + "point MIEN_NPM_REGISTRY at a registry that serves this package publicly.";
        }
        else if ((int)code >= 500)
        {
            message = $"The npm registry failed while serving {spec}: {url} answered {status}. This is usually temporary: "
                + "try again later, or set MIEN_NPM_REGISTRY to a mirror.";
        }
        else
        {
            message = $"The npm registry gave an unexpected answer for {spec}: {url} answered {status}. "
                + "Check that MIEN_NPM_REGISTRY, npm_config_registry or ~/.npmrc points at an npm registry.";
        }

        throw new PackageStoreException(message);
    }

    private static async Task<(byte[] Hash, long Bytes)> CopyHashingAsync(
        NpmPackageSpec spec,
        PackageIntegrity integrity,
        Uri url,
        Stream body,
        string tempPath,
        long? total,
        IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        var package = spec.ToString();
        var step = Math.Max(ProgressFloorBytes, (total ?? 0) / 100);
        var nextReport = step;
        long received = 0;
        progress?.Report(new DownloadProgress(package, 0, total));

        using var hash = integrity.CreateHash();
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                while (true)
                {
                    int read;
                    try
                    {
                        read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                    }
                    catch (IOException ex)
                    {
                        // HttpIOException (response ended early) and connection resets both land here.
                        throw Truncated(spec, url, received, total, ex);
                    }

                    if (read == 0)
                    {
                        break;
                    }

                    received += read;
                    if (received > MaxTarballBytes || received > total)
                    {
                        throw new PackageStoreException(
                            $"The download of {spec} from {url} sent more than the {(total is null ? $"{MaxTarballBytes >> 20} MiB limit" : $"{total} bytes it announced")}; "
                            + "nothing was cached. Check that MIEN_NPM_REGISTRY points at an npm registry and that no proxy alters the response.");
                    }

                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    if (received >= nextReport)
                    {
                        progress?.Report(new DownloadProgress(package, received, total));
                        nextReport = received + step;
                    }
                }

                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (total is { } expected && received != expected)
        {
            throw Truncated(spec, url, received, total, null);
        }

        progress?.Report(new DownloadProgress(package, received, total));
        return (hash.GetHashAndReset(), received);
    }

    private static PackageStoreException Truncated(NpmPackageSpec spec, Uri url, long received, long? total, Exception? inner) =>
        new(
            $"The download of {spec} from {url} was cut off after {received} of {(total is null ? "an unknown number of" : total.ToString())} bytes "
            + "(the connection closed early); nothing was cached. Try again, and if it keeps failing check the network or any proxy in between, "
            + "or set MIEN_NPM_REGISTRY to another mirror.",
            inner);
}
