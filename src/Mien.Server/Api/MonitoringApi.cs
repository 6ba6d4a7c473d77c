using Mien.Monitoring;
using Mien.Server.Audit;
using Mien.Server.Monitoring;
using Mien.Server.Security;
using Mien.Storage;

namespace Mien.Server.Api;

/// <summary>
/// Therapy/patient session monitoring (docs/monitoring.md): the indicators of a recording with the measurements that
/// triggered them, a subject's trends across sessions with flagged changes, clinician notes on the timeline and the
/// project's monitoring settings (indicator thresholds, live alerts, trend rules). Indicators and trends are numbers
/// (viewers may read them); notes are clinical free text (analysts and admins); settings are changed by admins.
/// </summary>
internal static class MonitoringApi
{
    public static void Map(RouteGroupBuilder project)
    {
        project.MapGet("/recordings/{recordingId:guid}/indicators", IndicatorsAsync).RequireAuthorization(Roles.Viewer).Audited("monitoring.read")
            .WithSummary("Session indicators (distress, flat affect, gaze aversion, blink-rate change, speech share, voice arousal) with their measurements");
        project.MapGet("/subjects/{subjectId:guid}/trends", TrendsAsync).RequireAuthorization(Roles.Viewer).Audited("monitoring.read")
            .WithSummary("A subject's sessions with per-session metrics, 95 % intervals and changes flagged beyond noise");
        project.MapGet("/subjects/{subjectId:guid}/notes", ListNotesAsync).RequireAuthorization(Roles.Analyst).Audited("notes.read").WithSummary("A subject's clinician notes; ?recording= for one session's");
        project.MapPost("/subjects/{subjectId:guid}/notes", CreateNoteAsync).RequireAuthorization(Roles.Analyst).Audited("notes.create").WithSummary("Add a note (optionally at a moment of one of the subject's recordings)");
        project.MapPut("/subjects/{subjectId:guid}/notes/{noteId:guid}", UpdateNoteAsync).RequireAuthorization(Roles.Analyst).Audited("notes.update").WithSummary("Change a note's text");
        project.MapDelete("/subjects/{subjectId:guid}/notes/{noteId:guid}", DeleteNoteAsync).RequireAuthorization(Roles.Analyst).Audited("notes.delete").WithSummary("Delete a note");
        project.MapGet("/monitoring/settings", GetSettingsAsync).RequireAuthorization(Roles.Viewer).WithSummary("The project's monitoring settings (defaults when none were set)");
        project.MapPut("/monitoring/settings", SetSettingsAsync).RequireAuthorization(Roles.Admin).Audited("monitoring.settings").WithSummary("Replace the project's monitoring settings (validated)");
    }

    /// <summary>Body of POST notes.</summary>
    internal sealed record NoteRequest(string Text, Guid? Recording = null, double? At = null, string? Author = null);

    /// <summary>Body of PUT notes/{id}.</summary>
    internal sealed record NoteUpdate(string Text);

    private static async Task<IResult> IndicatorsAsync(Guid projectId, Guid recordingId, IMienStore store, CancellationToken ct)
    {
        var found = await new StoredSessions(store).ReportAsync(projectId, recordingId, ct).ConfigureAwait(false);
        if (found is not { } f)
        {
            return Problems.NotFound("recording");
        }

        return TypedResults.Ok(new
        {
            recording = f.Recording.Id,
            subject = f.Recording.SubjectId,
            status = Kebab(f.Recording.Status),
            wording = "Indicators describe what the face and voice showed, estimated by models; they are not diagnoses and not facts about feelings.",
            report = View(f.Report),
        });
    }

    private static async Task<IResult> TrendsAsync(Guid projectId, Guid subjectId, IMienStore store, CancellationToken ct)
    {
        var found = await new StoredSessions(store).TrendsAsync(projectId, subjectId, ct).ConfigureAwait(false);
        if (found is not { } f)
        {
            return Problems.NotFound("subject");
        }

        return TypedResults.Ok(new
        {
            subject = f.Subject.Id,
            pseudonym = f.Subject.Pseudonym,
            sessions = f.Sessions.Select(s => new
            {
                recording = s.Session,
                s.Name,
                s.At,
                durationS = s.Report.EndS - s.Report.StartS,
                indicators = s.Report.Indicators.Select(i => Kebab(i.Kind)),
                metrics = Metrics(s.Report.Metrics),
            }),
            trends = f.Trends.Select(t => new
            {
                t.Metric,
                t.Unit,
                points = t.Points.Select(p => new { session = p.Session, p.At, estimate = View(p.Estimate) }),
                changes = t.Changes.Select(c => new
                {
                    from = c.FromSession,
                    to = c.ToSession,
                    delta = Round(c.Delta),
                    standardError = Round(c.StandardError),
                    tau = Round(c.Tau),
                    reliableChangeIndex = double.IsFinite(c.ReliableChangeIndex) ? Round(c.ReliableChangeIndex) : (double?)null,
                    c.IntervalsOverlap,
                    c.Flagged,
                }),
            }),
        });
    }

    private static async Task<IResult> ListNotesAsync(Guid projectId, Guid subjectId, IMienStore store, CancellationToken ct, Guid? recording = null)
    {
        if (await store.GetSubjectAsync(projectId, subjectId, ct).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("subject");
        }

        return TypedResults.Ok(await store.ListNotesAsync(projectId, subjectId, recording, ct).ConfigureAwait(false));
    }

    private static async Task<IResult> CreateNoteAsync(Guid projectId, Guid subjectId, NoteRequest body, HttpContext context, IMienStore store, CancellationToken ct)
    {
        if (body.Author is not null && Text.Invalid(body.Author, 1, 200) is { } badAuthor)
        {
            return Problems.BadRequest("author: " + badAuthor);
        }

        try
        {
            var note = await store.CreateNoteAsync(projectId, new NewTimelineNote(subjectId, body.Recording, body.At, body.Author ?? "key:" + context.Identity().KeyId.ToString("D"), body.Text), ct).ConfigureAwait(false);
            return TypedResults.Created($"/api/v1/projects/{projectId}/subjects/{subjectId}/notes/{note.Id}", note);
        }
        catch (ArgumentException e)
        {
            return Problems.BadRequest(e.Message);
        }
        catch (MienStoreException e) when (e.Error == MienStoreError.NotFound)
        {
            return Problems.NotFound(body.Recording is null ? "subject" : "subject, or recording of that subject");
        }
    }

    private static async Task<IResult> UpdateNoteAsync(Guid projectId, Guid subjectId, Guid noteId, NoteUpdate body, IMienStore store, CancellationToken ct)
    {
        if (await store.GetNoteAsync(projectId, noteId, ct).ConfigureAwait(false) is not { } note || note.SubjectId != subjectId)
        {
            return Problems.NotFound("note");
        }

        try
        {
            return await store.UpdateNoteAsync(projectId, noteId, body.Text, ct).ConfigureAwait(false) is { } updated ? TypedResults.Ok(updated) : Problems.NotFound("note");
        }
        catch (ArgumentException e)
        {
            return Problems.BadRequest(e.Message);
        }
    }

    private static async Task<IResult> DeleteNoteAsync(Guid projectId, Guid subjectId, Guid noteId, IMienStore store, CancellationToken ct)
    {
        if (await store.GetNoteAsync(projectId, noteId, ct).ConfigureAwait(false) is not { } note || note.SubjectId != subjectId)
        {
            return Problems.NotFound("note");
        }

        return await store.DeleteNoteAsync(projectId, noteId, ct).ConfigureAwait(false) ? TypedResults.NoContent() : Problems.NotFound("note");
    }

    private static async Task<IResult> GetSettingsAsync(Guid projectId, IMienStore store, CancellationToken ct)
        => TypedResults.Text((await new StoredSessions(store).SettingsAsync(projectId, ct).ConfigureAwait(false)).ToJson(), "application/json");

    private static async Task<IResult> SetSettingsAsync(Guid projectId, HttpRequest request, IMienStore store, CancellationToken ct)
    {
        string json;
        using (var reader = new StreamReader(request.Body))
        {
            json = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
        }

        MonitoringSettings settings;
        try
        {
            settings = MonitoringSettings.Parse(json);
        }
        catch (ArgumentException e)
        {
            return Problems.BadRequest(e.Message);
        }

        var stored = settings.ToJson();
        return await store.SetMonitoringSettingsAsync(projectId, stored, ct).ConfigureAwait(false)
            ? TypedResults.Text(stored, "application/json")
            : Problems.NotFound("project");
    }

    private static object View(SessionReport r) => new
    {
        r.Track,
        startS = Round(r.StartS),
        endS = Round(r.EndS),
        r.Frames,
        metrics = Metrics(r.Metrics),
        indicators = r.Indicators.Select(i => new
        {
            kind = Kebab(i.Kind),
            startS = Round(i.StartS),
            endS = Round(i.EndS),
            i.Summary,
            measurements = i.Measurements.Select(m => new { m.Name, value = Round(m.Value), m.Unit, m.Rule }),
        }),
        r.Limits,
    };

    private static object Metrics(SessionMetrics m) => new
    {
        valence = View(m.Valence),
        arousal = View(m.Arousal),
        expressivity = View(m.Expressivity),
        gazeAwayShare = View(m.GazeAwayShare),
        blinkRate = View(m.Blinks?.AsEstimate()),
        blinks = m.Blinks?.Count,
        speechShare = m.SpeechShare is { } s ? Round(s) : (double?)null,
        voiceArousal = View(m.VoiceArousal),
    };

    private static object? View(Estimate? e) => e is null ? null : new
    {
        mean = Round(e.Mean),
        low = Round(e.Low),
        high = Round(e.High),
        standardError = Round(e.StandardError),
        n = e.N,
        effectiveN = Round(e.EffectiveN),
        spread = double.IsFinite(e.Spread) ? Round(e.Spread) : (double?)null,
    };

    private static double Round(double x) => Math.Round(x, 4);

    private static string Kebab<T>(T value) where T : struct, Enum => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());
}
