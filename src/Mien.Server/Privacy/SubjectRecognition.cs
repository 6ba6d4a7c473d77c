using System.Collections.Concurrent;
using Mien.Identity;
using Mien.Privacy.Audit;
using Mien.Results;
using Mien.Server.Jobs;
using SessionOptions = Mien.Sessions.SessionOptions;
using Mien.Storage;

namespace Mien.Server.Privacy;

/// <summary>
/// Cross-session identity (issue 16): an analysis that asks for it (<see cref="AnalysisRequest.RecogniseSubjects"/>)
/// gets the templates of the project's subjects who hold current 'identity-template' consent — only theirs: the store
/// filters on it — and the in-session person registry names a person after the subject they match. Results name the
/// subject by its audit reference (never its id or pseudonym), which cannot be linked to anyone once the subject is
/// erased, so other recordings keep no usable trace of an erased subject. The gallery load and every recognition are
/// audited under the service actor.
/// </summary>
internal static class SubjectRecognition
{
    /// <summary>The session options with the consenting subjects' templates, or unchanged when not asked for (or identity is off).</summary>
    public static async Task<SessionOptions> ApplyAsync(SessionOptions session, AnalysisRequest request, IMienStore store, Guid projectId, Guid? recordingId, CancellationToken ct)
    {
        if (!request.RecogniseSubjects || session.Pipeline.Identity is not { } identity)
        {
            return session;
        }

        var templates = await store.OpenIdentityTemplatesAsync(projectId, identity.Model, null, ct).ConfigureAwait(false);
        var enrolled = new List<EnrolledSubject>(templates.Count);
        foreach (var t in templates)
        {
            if (await store.GetSubjectRefAsync(projectId, t.Info.SubjectId, ct).ConfigureAwait(false) is { } reference)
            {
                enrolled.Add(new EnrolledSubject(reference, t.Descriptor));
            }
        }

        await store.AppendAuditAsync(projectId, new AuditRecord(AuditActors.Service("identity"), "identity.gallery", "loaded", null,
            recordingId?.ToString("D"), Audit.AuditTrail.Serialize(new { templates = enrolled.Count })), ct).ConfigureAwait(false);
        return session with { Pipeline = session.Pipeline with { Identity = identity with { Registry = identity.Registry with { Enrolled = enrolled } } } };
    }
}

/// <summary>Audits each recognition of an enrolled subject in a session (once per person), under the subject's reference.</summary>
internal sealed class RecognitionAuditSink(IMienStore store, Guid projectId, Guid? recordingId) : IAnalysisSink
{
    private readonly ConcurrentDictionary<int, bool> _audited = new();
    private readonly List<Task> _pending = [];
    private readonly Lock _lock = new();

    public void Write(AnalysisUpdate update)
    {
        if (update is not TrackUpdate { Event.Link: { Subject: { } subject } link } || !_audited.TryAdd(link.Person, true))
        {
            return;
        }

        var record = new AuditRecord(AuditActors.Service("identity"), "identity.recognise", "matched", subject, recordingId?.ToString("D"),
            Audit.AuditTrail.Serialize(new { person = link.Person, similarity = link.SubjectSimilarity is { } s ? Math.Round(s, 4) : (double?)null }));
        lock (_lock)
        {
            // Sinks are synchronous; the append is not: it runs alongside and the host waits for it at the end.
            _pending.Add(store.AppendAuditAsync(projectId, record, CancellationToken.None));
        }
    }

    /// <summary>Waits until every recognition is in the log.</summary>
    public Task FlushAsync()
    {
        lock (_lock)
        {
            return Task.WhenAll(_pending);
        }
    }
}
