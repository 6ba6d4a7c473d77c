using Mien.Server.Audit;
using Mien.Server.Privacy;
using Mien.Server.Security;
using Mien.Skin;
using Mien.Storage;

namespace Mien.Server.Api;

/// <summary>Projects, their API keys and their pseudonymous subjects.</summary>
internal static class ProjectsApi
{
    public static void Map(RouteGroupBuilder api, RouteGroupBuilder project)
    {
        api.MapPost("/projects", CreateProjectAsync).RequireAuthorization(Roles.Admin).WithSummary("Create a project; returns its first admin key once");

        project.MapGet("/", GetProjectAsync).RequireAuthorization(Roles.Viewer).WithSummary("The project");
        project.MapGet("/keys", ListKeysAsync).RequireAuthorization(Roles.Admin).WithSummary("The project's API keys (never their secrets)");
        project.MapPost("/keys", CreateKeyAsync).RequireAuthorization(Roles.Admin).Audited("key.create").WithSummary("Create an API key; the secret is shown once");
        project.MapDelete("/keys/{keyId:guid}", RevokeKeyAsync).RequireAuthorization(Roles.Admin).Audited("key.revoke").WithSummary("Revoke an API key");

        project.MapGet("/subjects", ListSubjectsAsync).RequireAuthorization(Roles.Viewer).Audited("subjects.list").WithSummary("Pseudonymous subjects");
        project.MapPost("/subjects", CreateSubjectAsync).RequireAuthorization(Roles.Analyst).Audited("subject.create").WithSummary("Create a pseudonymous subject");
        project.MapGet("/subjects/{subjectId:guid}", GetSubjectAsync).RequireAuthorization(Roles.Viewer).Audited("subject.read").WithSummary("A subject");
        project.MapDelete("/subjects/{subjectId:guid}", DeleteSubjectAsync).RequireAuthorization(Roles.Admin).Audited("subject.erase").WithSummary("Erase a subject and everything recorded of them");
        project.MapGet("/subjects/{subjectId:guid}/skin", SubjectSkinAsync).RequireAuthorization(Roles.Analyst).Audited("profile.read").WithSummary("A subject's skin sessions over time");
    }

    /// <summary>Body of POST /projects.</summary>
    internal sealed record NewProjectRequest(string Name, string? Purpose = null, string? Setting = null, string? Basis = null, string? Justification = null, bool KeepMedia = false);

    /// <summary>Body of POST /keys.</summary>
    internal sealed record NewKeyRequest(string Role);

    /// <summary>Body of POST /subjects.</summary>
    internal sealed record NewSubjectRequest(string Pseudonym);

    private static async Task<IResult> CreateProjectAsync(NewProjectRequest body, IMienStore store, CancellationToken ct)
    {
        if (Text.Invalid(body.Name, 1, 200) is { } problem)
        {
            return Problems.BadRequest("name: " + problem);
        }

        // Purpose and setting are declared up front: they decide which analyses the project may run at all.
        var (policy, invalid) = ConsentApi.Parse(body.Purpose, body.Setting, body.Basis, body.Justification, body.KeepMedia);
        if (policy is null)
        {
            return Problems.BadRequest(invalid!);
        }

        var project = await store.CreateProjectAsync(new NewProject(body.Name, policy.Purpose, policy.Setting, policy.KeepMedia, policy.Basis, policy.Justification), ct).ConfigureAwait(false);
        var key = await store.CreateApiKeyAsync(project.Id, ApiKeyRole.Admin, ct).ConfigureAwait(false);
        return TypedResults.Created($"/api/v1/projects/{project.Id}", new { project, adminKey = key.Secret, note = "the key is shown once; store it now" });
    }

    private static async Task<IResult> GetProjectAsync(Guid projectId, IMienStore store, CancellationToken ct) =>
        await store.GetProjectAsync(projectId, ct).ConfigureAwait(false) is { } p ? TypedResults.Ok(p) : Problems.NotFound("project");

    private static async Task<IResult> ListKeysAsync(Guid projectId, IMienStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.ListApiKeysAsync(projectId, ct).ConfigureAwait(false));

    private static async Task<IResult> CreateKeyAsync(Guid projectId, NewKeyRequest body, IMienStore store, CancellationToken ct)
    {
        if (!Enum.TryParse<ApiKeyRole>(body.Role, ignoreCase: true, out var role) || !Enum.IsDefined(role) || int.TryParse(body.Role, out _))
        {
            return Problems.BadRequest($"role '{Text.Clip(body.Role)}': must be admin, analyst or viewer");
        }

        var key = await store.CreateApiKeyAsync(projectId, role, ct).ConfigureAwait(false);
        return TypedResults.Created($"/api/v1/projects/{projectId}/keys/{key.Key.Id}", new { key = key.Key, secret = key.Secret, note = "the secret is shown once; store it now" });
    }

    private static async Task<IResult> RevokeKeyAsync(Guid projectId, Guid keyId, IMienStore store, CancellationToken ct) =>
        await store.RevokeApiKeyAsync(projectId, keyId, ct).ConfigureAwait(false) ? TypedResults.NoContent() : Problems.NotFound("key");

    private static async Task<IResult> ListSubjectsAsync(Guid projectId, IMienStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.ListSubjectsAsync(projectId, ct).ConfigureAwait(false));

    private static async Task<IResult> CreateSubjectAsync(Guid projectId, NewSubjectRequest body, IMienStore store, CancellationToken ct)
    {
        if (!SkinProfileStore.IsValidId(body.Pseudonym))
        {
            return Problems.BadRequest($"pseudonym '{Text.Clip(body.Pseudonym)}': use 1–64 letters, digits, '-', '_' or '.', not starting with '.' (a pseudonymous id, never a name)");
        }

        if (await store.FindSubjectAsync(projectId, body.Pseudonym, ct).ConfigureAwait(false) is not null)
        {
            return Problems.Conflict($"subject '{body.Pseudonym}' exists already");
        }

        var subject = await store.CreateSubjectAsync(projectId, body.Pseudonym, ct).ConfigureAwait(false);
        return TypedResults.Created($"/api/v1/projects/{projectId}/subjects/{subject.Id}", subject);
    }

    private static async Task<IResult> GetSubjectAsync(Guid projectId, Guid subjectId, IMienStore store, CancellationToken ct) =>
        await store.GetSubjectAsync(projectId, subjectId, ct).ConfigureAwait(false) is { } s ? TypedResults.Ok(s) : Problems.NotFound("subject");

    private static async Task<IResult> DeleteSubjectAsync(Guid projectId, Guid subjectId, Erasure erasure, ClusterSubjects cluster, CancellationToken ct)
    {
        // The erasure must complete once started, whatever the client does with its connection. Under --cluster it runs
        // in the subject's grain (same erasure, serialised cluster-wide, and the subject's cluster sessions end).
        var receipt = cluster.Enabled
            ? await cluster.EraseAsync(projectId, subjectId).ConfigureAwait(false)
            : await erasure.EraseSubjectAsync(projectId, subjectId, CancellationToken.None).ConfigureAwait(false);
        return receipt is null ? Problems.NotFound("subject") : TypedResults.Ok(receipt);
    }

    private static async Task<IResult> SubjectSkinAsync(Guid projectId, Guid subjectId, IMienStore store, CancellationToken ct)
    {
        if (await store.GetSubjectAsync(projectId, subjectId, ct).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("subject");
        }

        var sessions = await store.ListSkinSessionsAsync(projectId, subjectId, ct).ConfigureAwait(false);
        return TypedResults.Text("[" + string.Join(",", sessions.Select(s => s.PayloadJson)) + "]", "application/json");
    }
}

/// <summary>Checks on free text from clients.</summary>
internal static class Text
{
    /// <summary>Null when <paramref name="value"/> is acceptable, else what is wrong.</summary>
    public static string? Invalid(string? value, int min, int max) =>
        value is null || value.Length < min ? $"must have at least {min} character(s)"
        : value.Length > max ? $"must have at most {max} characters"
        : value.Any(char.IsControl) ? "must not contain control characters"
        : null;

    /// <summary>A client's text shortened for an error message.</summary>
    public static string Clip(string? value) => value is null ? "" : value.Length <= 40 ? value : value[..40] + "…";
}
