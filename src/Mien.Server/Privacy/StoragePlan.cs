using Mien.Privacy;
using Mien.Server.Jobs;
using Mien.Storage;

namespace Mien.Server.Privacy;

/// <summary>
/// What an analysis may keep, decided from the subject's current consent before it starts: nothing about a person
/// is stored without the matching scope. Without a subject, or without the measurements scope, a live session is
/// ephemeral (results go only to the client).
/// </summary>
/// <param name="SubjectId">The subject analysed, or null for an anonymous session.</param>
/// <param name="Measurements">Per-frame results, events and summaries may be stored.</param>
/// <param name="Media">Raw and annotated media may be kept (the project must also allow it).</param>
/// <param name="SkinProfile">Skin sessions may be added to the subject's profile.</param>
/// <param name="EphemeralReason">Why nothing is stored, or null when measurements are.</param>
internal sealed record StoragePlan(Guid? SubjectId, bool Measurements, bool Media, bool SkinProfile, string? EphemeralReason)
{
    /// <summary>Stores nothing.</summary>
    public static StoragePlan Ephemeral(Guid? subject, string reason) => new(subject, false, false, false, reason);
}

/// <summary>Why an analysis may not start at all.</summary>
/// <param name="Status">HTTP status (403 purpose or consent, 404 unknown subject).</param>
/// <param name="Title">Problem title.</param>
/// <param name="Detail">What is wrong and what to do.</param>
internal sealed record Refusal(int Status, string Title, string Detail);

/// <summary>The checks every analysis passes before it starts: the project's purpose rules and the subject's consent.</summary>
internal sealed class ConsentGate(IMienStore store)
{
    /// <summary>Refusal when the project's purpose and setting forbid what the request infers, else null.</summary>
    public static Refusal? CheckPurpose(Project project, AnalysisRequest request)
    {
        var decision = PurposePolicy.Check(project.Purpose, project.Setting, project.Basis, new InferenceRequest(request.InfersEmotion));
        return decision.Allowed ? null : new Refusal(StatusCodes.Status403Forbidden, "Refused by the project's purpose", decision.Reason!);
    }

    /// <summary>
    /// Decides what an analysis of <paramref name="subjectId"/> may store. Naming a subject links the analysis to a
    /// person, which needs their current analysis consent (refused otherwise); storing needs the measurements scope.
    /// </summary>
    /// <param name="project">The project.</param>
    /// <param name="subjectId">The subject analysed, or null.</param>
    /// <param name="wantsStore">Whether the client asked to store results.</param>
    /// <param name="requireStore">Whether the analysis cannot run without storing (uploads and streams: their results are only ever read back from storage).</param>
    /// <param name="ct">Cancels the lookup.</param>
    public async Task<(StoragePlan? Plan, Refusal? Refusal)> PlanAsync(Project project, Guid? subjectId, bool wantsStore, bool requireStore, CancellationToken ct)
    {
        if (subjectId is not { } subject)
        {
            return requireStore
                ? (null, new Refusal(StatusCodes.Status403Forbidden, "Consent required",
                    "this analysis stores its results, which needs a subject with current 'analysis' and 'measurements' consent: pass ?subject=<id> (create the subject and record consent first)"))
                : (StoragePlan.Ephemeral(null, wantsStore ? "no subject named: results of anonymous sessions are never stored" : "storing not requested"), null);
        }

        if (await store.GetSubjectAsync(project.Id, subject, ct).ConfigureAwait(false) is null)
        {
            return (null, new Refusal(StatusCodes.Status404NotFound, "Not found", "no such subject"));
        }

        var scopes = await store.CurrentConsentAsync(project.Id, subject, ct).ConfigureAwait(false);
        if (!scopes.Contains(ConsentScope.Analysis))
        {
            return (null, new Refusal(StatusCodes.Status403Forbidden, "Consent required", $"subject {subject} has no current 'analysis' consent: record it before analysing them (or analyse without naming a subject, which stores nothing)"));
        }

        var measurements = scopes.Contains(ConsentScope.Measurements);
        if (requireStore && !measurements)
        {
            return (null, new Refusal(StatusCodes.Status403Forbidden, "Consent required", $"subject {subject} has no current 'measurements' consent, and this analysis stores its results: record that consent first"));
        }

        if (!wantsStore && !requireStore)
        {
            return (StoragePlan.Ephemeral(subject, "storing not requested"), null);
        }

        return measurements
            ? (new StoragePlan(subject, true, project.KeepMedia && scopes.Contains(ConsentScope.Media), scopes.Contains(ConsentScope.SkinProfile), null), null)
            : (StoragePlan.Ephemeral(subject, $"subject {subject} has no current 'measurements' consent: results go only to this client"), null);
    }
}
