using System.Collections.Concurrent;
using System.Reflection;
using Mien.Privacy.Audit;
using Mien.Server.Api;
using Mien.Storage;

namespace Mien.Server.Audit;

/// <summary>Marks endpoints whose use is written to the project's audit log.</summary>
internal static class AuditedEndpoints
{
    /// <summary>
    /// Records every call of this endpoint in the caller's project's audit log: the key (by id), <paramref name="action"/>,
    /// the subject whose data it touches (by reference), the recording or key it targets and the status it answered.
    /// A read whose access cannot be recorded is refused (503) instead of disclosed.
    /// </summary>
    public static RouteHandlerBuilder Audited(this RouteHandlerBuilder builder, string action)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Fail at startup, not on the first request, when an action name would be refused by the log.
        new AuditRecord(AuditActors.Service("check"), action, "200").Validate();
        return builder.AddEndpointFilter(new AuditFilter(action)).WithMetadata(new AuditedAction(action));
    }
}

/// <summary>Endpoint metadata naming the audit action (so tests and documentation can list what is audited).</summary>
/// <param name="Action">The action recorded.</param>
internal sealed record AuditedAction(string Action);

/// <summary>
/// Resolves what the request touches before the handler runs (an erasure leaves nothing to resolve afterwards),
/// then records the outcome before the response is written.
/// </summary>
internal sealed class AuditFilter(string action) : IEndpointFilter
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo?> LocationProperties = new();

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.Items[typeof(ApiKeyIdentity)] is not ApiKeyIdentity identity)
        {
            // Only authorised endpoints are audited; a request without a key never reaches a handler.
            return await next(context).ConfigureAwait(false);
        }

        var store = http.RequestServices.GetRequiredService<IMienStore>();
        var trail = http.RequestServices.GetRequiredService<AuditTrail>();
        var ct = http.RequestAborted;
        var route = http.Request.RouteValues;
        string? subjectRef = null;
        string? target = null;
        if (Id(route, "subjectId") is { } subjectId)
        {
            subjectRef = await store.GetSubjectRefAsync(identity.ProjectId, subjectId, ct).ConfigureAwait(false);
        }
        else if (Guid.TryParse(http.Request.Query["subject"].ToString(), out var querySubject))
        {
            subjectRef = await store.GetSubjectRefAsync(identity.ProjectId, querySubject, ct).ConfigureAwait(false);
        }

        if (Id(route, "recordingId") is { } recordingId)
        {
            subjectRef ??= await store.GetRecordingSubjectRefAsync(identity.ProjectId, recordingId, ct).ConfigureAwait(false);
            // An id that names no recording of a subject (erased, another project's, made up) is not written down:
            // it could be an erased recording's, and the log must not keep that link. Actor and route still are.
            target = await store.GetRecordingRefAsync(identity.ProjectId, recordingId, ct).ConfigureAwait(false) ?? "recording:unknown";
        }
        else if (Id(route, "keyId") is { } keyId)
        {
            target = keyId.ToString("D");
        }

        var detail = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["method"] = http.Request.Method,
            ["route"] = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText,
        };
        object? result;
        try
        {
            result = await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            detail["error"] = e.GetType().Name;
            await TryRecordAsync(trail, identity, subjectRef, target, "error", detail, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        var status = result switch
        {
            IStatusCodeHttpResult { StatusCode: int code } => code,
            IStatusCodeHttpResult or IFileHttpResult => StatusCodes.Status200OK,
            _ => http.Response.StatusCode,
        };
        var value = (result as IValueHttpResult)?.Value;
        // A new subject is named by its reference only, never by the id in its Location.
        target ??= value switch
        {
            Subject => null,
            Recording r => await store.GetRecordingRefAsync(identity.ProjectId, r.Id, ct).ConfigureAwait(false) ?? r.Id.ToString("D"),
            _ => LastSegment(Location(result)),
        };
        if (subjectRef is null)
        {
            var created = value switch
            {
                Recording { SubjectId: { } s } => s,
                Subject s => s.Id,
                _ => (Guid?)null,
            };
            subjectRef = created is { } c ? await store.GetSubjectRefAsync(identity.ProjectId, c, ct).ConfigureAwait(false) : null;
        }

        Describe(detail, value, result, context.Arguments, status);
        var recorded = await TryRecordAsync(trail, identity, subjectRef, target, status.ToString(System.Globalization.CultureInfo.InvariantCulture), detail, CancellationToken.None).ConfigureAwait(false);
        if (!recorded && HttpMethods.IsGet(http.Request.Method) && status is >= 200 and < 300)
        {
            // Fail closed: data whose access cannot be accounted for is not handed out.
            return Problems.Result(StatusCodes.Status503ServiceUnavailable, "Audit log unavailable", "this access could not be recorded in the project's audit log, so nothing was disclosed; try again shortly");
        }

        return result;
    }

    /// <summary>Facts worth keeping beyond the route: what an erasure removed, which file was exported, the role of a new key. Never paths or names.</summary>
    private static void Describe(Dictionary<string, object?> detail, object? value, object? result, IList<object?> arguments, int status)
    {
        var receipt = value switch
        {
            Privacy.ErasureReceipt r => r,
            ConsentApi.Withdrawal w => w.Receipt,
            _ => null,
        };
        if (receipt is not null)
        {
            detail["receipt"] = receipt.ReceiptId.ToString("D");
            detail["scope"] = receipt.What;
            detail["files"] = receipt.FilesDeleted;
            detail["stopped"] = receipt.AnalysesStopped;
        }

        if ((receipt?.Rows ?? value as ErasureReport) is { } erased)
        {
            detail["erased"] = new
            {
                erased.Subjects,
                erased.Recordings,
                erased.Frames,
                erased.Events,
                erased.PersonSummaries,
                erased.RecordingSummaries,
                erased.SkinSessions,
                erased.IdentityTemplates,
                MediaFiles = erased.MediaPaths.Count,
            };
        }

        if (result is IFileHttpResult { FileDownloadName: { Length: > 0 } file })
        {
            // The name comes from the endpoint's fixed list of downloads (faces.jsonl, report.html, …), not from the client.
            detail["file"] = file;
        }

        if (status is >= 200 and < 300 && arguments.OfType<ProjectsApi.NewKeyRequest>().FirstOrDefault() is { } key)
        {
            detail["role"] = key.Role.ToLowerInvariant();
        }
    }

    private async Task<bool> TryRecordAsync(AuditTrail trail, ApiKeyIdentity identity, string? subjectRef, string? target, string outcome, Dictionary<string, object?> detail, CancellationToken ct)
    {
        try
        {
            await trail.RecordAsync(identity.ProjectId, new AuditRecord(AuditActors.ApiKey(identity.KeyId), action, outcome, subjectRef, target, AuditTrail.Serialize(detail)), ct).ConfigureAwait(false);
            return true;
        }
        catch (MienStoreException)
        {
            // AuditTrail logged it and counted it in the metrics.
            return false;
        }
    }

    private static Guid? Id(RouteValueDictionary route, string name) =>
        route.TryGetValue(name, out var raw) && Guid.TryParse(raw as string, out var id) ? id : null;

    /// <summary>The Location of a Created/Accepted result (it names the new recording, subject or key).</summary>
    private static string? Location(object? result) =>
        result is null ? null : LocationProperties.GetOrAdd(result.GetType(), t => t.GetProperty("Location", typeof(string)))?.GetValue(result) as string;

    private static string? LastSegment(string? location) =>
        location is null ? null : Guid.TryParse(location[(location.LastIndexOf('/') + 1)..], out var id) ? id.ToString("D") : null;
}
