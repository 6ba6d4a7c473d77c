using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Mien.Server.Audit;
using Mien.Server.Jobs;
using Mien.Server.Privacy;
using Mien.Server.Protection;
using Mien.Server.Security;
using Mien.Storage;
using Mien.Studies;

namespace Mien.Server.Api;

/// <summary>
/// Ad/content testing studies (docs/studies.md): studies, stimuli (uploaded videos, checked like uploads and sealed),
/// viewers (pseudonymous subjects with consent, one per viewing, with optional declared attributes), their link to the
/// recording of their face and the watch page's playback log, and the k-anonymous results: per-second curves, peaks
/// and valleys, scenes, A/B, breakdowns and CSV. The statistics live in Mien.Studies; this file loads and maps.
/// </summary>
internal static class StudiesApi
{
    public static void Map(RouteGroupBuilder project)
    {
        project.MapPost("/studies", CreateAsync).RequireAuthorization(Roles.Analyst).Audited("study.create").WithSummary("Create a study {name, minViewers (k, default 5)}");
        project.MapGet("/studies", ListAsync).RequireAuthorization(Roles.Viewer).Audited("studies.list").WithSummary("The project's studies");
        project.MapGet("/studies/{studyId:guid}", GetAsync).RequireAuthorization(Roles.Viewer).Audited("study.read").WithSummary("A study with its stimuli and how many viewings each has");
        project.MapDelete("/studies/{studyId:guid}", DeleteAsync).RequireAuthorization(Roles.Admin).Audited("study.erase").WithSummary("Delete a study, its stimuli, viewings and playback logs (recordings and subjects stay)");
        project.MapPost("/studies/{studyId:guid}/stimuli", UploadStimulusAsync).RequireAuthorization(Roles.Analyst).Audited("stimulus.create")
            .WithSummary("Upload a stimulus video as the body; ?label=Spot%20A&cuts=3.2,8 (scene cuts in seconds; detected when absent)");
        project.MapGet("/studies/{studyId:guid}/stimuli/{stimulusId:guid}/media", MediaAsync).RequireAuthorization(Roles.Viewer).Audited("stimulus.read").WithSummary("The stimulus video (Range requests work)");
        project.MapGet("/studies/{studyId:guid}/stimuli/{stimulusId:guid}/thumbnails/{second}", ThumbnailAsync).RequireAuthorization(Roles.Viewer).WithSummary("A JPEG of the stimulus at the middle of a second");
        project.MapPost("/studies/{studyId:guid}/viewers", AddViewerAsync).RequireAuthorization(Roles.Analyst).Audited("viewer.create")
            .WithSummary("Register a viewing: ?subject=<id> (analysis and measurements consent), body {stimulus, attributes}");
        project.MapGet("/studies/{studyId:guid}/viewers", ListViewersAsync).RequireAuthorization(Roles.Analyst).Audited("viewers.list").WithSummary("The study's viewings with declared attributes");
        project.MapPut("/studies/{studyId:guid}/viewers/{viewerId:guid}/recording", LinkAsync).RequireAuthorization(Roles.Analyst).Audited("viewer.link")
            .WithSummary("Link a viewing to the recording of the viewer's face {recording, offsetS (null: aligned by the playback log)}");
        project.MapPost("/studies/{studyId:guid}/viewers/{viewerId:guid}/playback", PlaybackAsync).RequireAuthorization(Roles.Analyst).Audited("viewer.playback")
            .WithSummary("Append the watch page's playback reports {reports: [{clientTime, stimulusTime, state}]}");
        project.MapGet("/studies/{studyId:guid}/results", ResultsAsync).RequireAuthorization(Roles.Viewer).Audited("study.results")
            .WithSummary("Per-second means with confidence intervals, peaks/valleys and scenes of one stimulus; ?stimulus=<id>&k=<≥ the study's k>");
        project.MapGet("/studies/{studyId:guid}/ab", AbAsync).RequireAuthorization(Roles.Viewer).Audited("study.results").WithSummary("A/B: Welch's t-test and a permutation test on per-viewer means, Hedges' g; ?a=<stimulus>&b=<stimulus>");
        project.MapGet("/studies/{studyId:guid}/breakdown", BreakdownAsync).RequireAuthorization(Roles.Viewer).Audited("study.results").WithSummary("Results by a declared attribute; ?stimulus=<id>&attribute=age-band");
        project.MapGet("/studies/{studyId:guid}/results.csv", CsvAsync).RequireAuthorization(Roles.Viewer).Audited("study.export").WithSummary("Per-second results as CSV; ?stimulus=<id>[&attribute=…]");
    }

    /// <summary>Body of POST /studies.</summary>
    internal sealed record StudyRequest(string? Name, int? MinViewers = null);

    /// <summary>Body of POST /viewers.</summary>
    internal sealed record ViewerRequest(Guid? Stimulus, Dictionary<string, string>? Attributes = null);

    /// <summary>Body of PUT /recording.</summary>
    internal sealed record LinkRequest(Guid? Recording, double? OffsetS = null);

    /// <summary>One playback report on the wire (seconds).</summary>
    internal sealed record PlaybackItem(double ClientTime, double StimulusTime, string? State);

    /// <summary>Body of POST /playback.</summary>
    internal sealed record PlaybackRequest(IReadOnlyList<PlaybackItem>? Reports);

    /// <summary>A stimulus as clients see it (no server path).</summary>
    internal sealed record StimulusView(Guid Id, string Label, double DurationS, int Seconds, int Width, int Height, IReadOnlyList<double> Cuts, int Viewings, DateTimeOffset CreatedAt);

    /// <summary>A viewing as analysts see it.</summary>
    internal sealed record ViewerView(Guid Id, Guid Stimulus, Guid Subject, IReadOnlyDictionary<string, string> Attributes, Guid? Recording, double? OffsetS, int PlaybackReports, DateTimeOffset CreatedAt);

    private static async Task<IResult> CreateAsync(Guid projectId, StudyRequest body, IMienStore store, CancellationToken ct)
    {
        if (Text.Invalid(body.Name, 1, 200) is { } bad)
        {
            return Problems.BadRequest("name: " + bad);
        }

        var k = body.MinViewers ?? 5;
        if (k is < 2 or > 1000)
        {
            return Problems.BadRequest($"minViewers {k}: k-anonymity needs at least 2 viewers per shown aggregate (and at most 1000)");
        }

        var study = await store.CreateStudyAsync(projectId, new NewStudy(body.Name!.Trim(), k), ct).ConfigureAwait(false);
        return TypedResults.Created($"/api/v1/projects/{projectId}/studies/{study.Id}", study);
    }

    private static async Task<IResult> ListAsync(Guid projectId, IMienStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.ListStudiesAsync(projectId, ct).ConfigureAwait(false));

    private static async Task<IResult> GetAsync(Guid projectId, Guid studyId, IMienStore store, CancellationToken ct)
    {
        if (await store.GetStudyAsync(projectId, studyId, ct).ConfigureAwait(false) is not { } study)
        {
            return Problems.NotFound("study");
        }

        var viewers = await store.ListViewersAsync(projectId, studyId, ct).ConfigureAwait(false);
        var stimuli = await store.ListStimuliAsync(projectId, studyId, ct).ConfigureAwait(false);
        return TypedResults.Ok(new { study, stimuli = stimuli.Select(s => View(s, viewers.Count(v => v.StimulusId == s.Id))) });
    }

    private static StimulusView View(Stimulus s, int viewings) =>
        new(s.Id, s.Label, s.DurationS, Seconds(s), s.Width, s.Height, s.Cuts, viewings, s.CreatedAt);

    private static int Seconds(Stimulus s) => (int)Math.Ceiling(s.DurationS - 1e-6);

    private static async Task<IResult> DeleteAsync(Guid projectId, Guid studyId, IMienStore store, MediaVault vault, CancellationToken ct)
    {
        var stimuli = await store.ListStimuliAsync(projectId, studyId, ct).ConfigureAwait(false);
        var media = await store.DeleteStudyAsync(projectId, studyId, ct).ConfigureAwait(false);
        if (media is null)
        {
            return Problems.NotFound("study");
        }

        foreach (var s in stimuli)
        {
            TryDelete(s.MediaPath);
            for (var second = 0; second < Seconds(s); second++)
            {
                TryDelete(vault.UploadPath(projectId, ThumbnailName(s.Id, second)));
            }
        }

        return TypedResults.Ok(new { deleted = true, stimuli = stimuli.Count });
    }

    private static string ThumbnailName(Guid stimulusId, int second) => $"{stimulusId:N}-t{second:D5}.jpg";

    private static async Task<IResult> UploadStimulusAsync(Guid projectId, Guid studyId, HttpRequest request, IMienStore store, ServerOptions options, MediaVault vault, CancellationToken ct,
        string? label = null, string? cuts = null)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = options.MaxUploadBytes;
        }

        if (await store.GetStudyAsync(projectId, studyId, ct).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("study");
        }

        var name = string.IsNullOrWhiteSpace(label) ? "stimulus" : label.Trim();
        if (Text.Invalid(name, 1, 200) is { } bad)
        {
            return Problems.BadRequest("label: " + bad);
        }

        double[]? given = null;
        if (!string.IsNullOrWhiteSpace(cuts))
        {
            var parts = cuts.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            given = new double[parts.Length];
            for (var i = 0; i < parts.Length; i++)
            {
                if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out given[i]) || !double.IsFinite(given[i]))
                {
                    return Problems.BadRequest($"cuts: '{Text.Clip(parts[i])}' is not a number of seconds (write e.g. cuts=3.2,8)");
                }
            }
        }

        if (request.ContentLength is { } declared && declared > options.MaxUploadBytes)
        {
            return Problems.Result(StatusCodes.Status413PayloadTooLarge, "Upload too large", $"{declared} bytes exceed the limit of {options.MaxUploadBytes} bytes (MaxUploadBytes)");
        }

        var id = Guid.CreateVersion7();
        var staging = vault.StagingPath();
        var folder = Path.GetDirectoryName(staging)!;
        var path = staging;
        var thumbnails = new List<string>();
        try
        {
            var written = await RecordingsApi.CopyBoundedAsync(request.Body, path, options.MaxUploadBytes, ct).ConfigureAwait(false);
            if (written == 0)
            {
                return Fail(StatusCodes.Status400BadRequest, "Empty upload", "the request body is empty: send the stimulus video as the body");
            }

            // The same checks as any upload: by content, then the limits from the container's headers; stills are no stimulus.
            var kind = MediaSniffer.Identify(path);
            if (kind is not ("mp4" or "matroska" or "avi" or "mpegts"))
            {
                return Fail(StatusCodes.Status415UnsupportedMediaType, "Unsupported media", "a stimulus must be a video Mien can read (checked by content: MP4/MOV, Matroska/WebM, AVI, MPEG-TS)");
            }

            var typed = Path.Combine(folder, $"{id:N}" + (kind switch { "matroska" => ".mkv", "mpegts" => ".ts", _ => "." + kind }));
            File.Move(path, typed);
            path = typed;
            if (await UploadProbe.ProblemAsync(path, options).ConfigureAwait(false) is { } problem)
            {
                return Fail(StatusCodes.Status422UnprocessableEntity, "Unusable media", problem);
            }

            StimulusScan scan;
            try
            {
                scan = await Task.Run(() => StimulusScanner.Scan(path), ct).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                return Fail(StatusCodes.Status422UnprocessableEntity, "Unusable media", e.Message);
            }

            if (given is not null)
            {
                for (var i = 0; i < given.Length; i++)
                {
                    if (!(given[i] > (i == 0 ? 0 : given[i - 1]) && given[i] < scan.DurationS))
                    {
                        return Fail(StatusCodes.Status400BadRequest, "Bad request", $"cuts: {given[i].ToString(CultureInfo.InvariantCulture)} s must be increasing and inside (0, {scan.DurationS:0.###}) s");
                    }
                }
            }

            for (var second = 0; second < scan.Thumbnails.Count; second++)
            {
                var thumb = Path.Combine(folder, ThumbnailName(id, second));
                await File.WriteAllBytesAsync(thumb, scan.Thumbnails[second], ct).ConfigureAwait(false);
                thumbnails.Add(thumb);
            }

            foreach (var thumb in thumbnails)
            {
                await vault.SealUploadAsync(projectId, thumb, ct).ConfigureAwait(false);
            }

            var sealedPath = await vault.SealUploadAsync(projectId, path, ct).ConfigureAwait(false);
            var stimulus = await store.AddStimulusAsync(projectId, studyId, new NewStimulus(id, name, sealedPath, scan.DurationS, scan.Width, scan.Height, given ?? scan.Cuts), ct).ConfigureAwait(false);
            return TypedResults.Created($"/api/v1/projects/{projectId}/studies/{studyId}/stimuli/{stimulus.Id}", View(stimulus, 0));
        }
        catch (Exception e) when (e is RecordingsApi.UploadTooLargeException || (e is BadHttpRequestException b && b.StatusCode == StatusCodes.Status413PayloadTooLarge))
        {
            return Fail(StatusCodes.Status413PayloadTooLarge, "Upload too large", $"the upload exceeds the limit of {options.MaxUploadBytes} bytes (MaxUploadBytes)");
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
        {
            Cleanup();
            if (e is OperationCanceledException)
            {
                throw;
            }

            return Problems.Result(StatusCodes.Status400BadRequest, "Upload failed", "the upload did not complete: " + e.Message);
        }

        void Cleanup()
        {
            TryDelete(path);
            foreach (var thumb in thumbnails)
            {
                TryDelete(thumb);
                TryDelete(vault.UploadPath(projectId, Path.GetFileName(thumb)));
            }
        }

        IResult Fail(int status, string title, string detail)
        {
            Cleanup();
            return Problems.Result(status, title, detail);
        }
    }

    private static async Task<IResult> MediaAsync(Guid projectId, Guid studyId, Guid stimulusId, IMienStore store, MediaVault vault, CancellationToken ct)
    {
        if (await store.GetStimulusAsync(projectId, stimulusId, ct).ConfigureAwait(false) is not { } s || s.StudyId != studyId)
        {
            return Problems.NotFound("stimulus");
        }

        var type = Path.GetExtension(s.MediaPath[..^MediaVault.SealedSuffix.Length]) switch { ".mkv" => "video/webm", ".avi" => "video/x-msvideo", ".ts" => "video/mp2t", _ => "video/mp4" };
        return await vault.OpenUploadAsync(projectId, s.MediaPath, ct).ConfigureAwait(false) is { } stream
            ? TypedResults.Stream(stream, type, enableRangeProcessing: true)
            : Problems.NotFound("stimulus media (deleted?)");
    }

    private static async Task<IResult> ThumbnailAsync(Guid projectId, Guid studyId, Guid stimulusId, string second, IMienStore store, MediaVault vault, CancellationToken ct)
    {
        // Parsed here rather than by a route constraint, so a malformed second still meets authentication first (401 before 404).
        if (!int.TryParse(second, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return Problems.NotFound("thumbnail (the second must be a whole number)");
        }

        if (await store.GetStimulusAsync(projectId, stimulusId, ct).ConfigureAwait(false) is not { } s || s.StudyId != studyId)
        {
            return Problems.NotFound("stimulus");
        }

        if (index >= Seconds(s))
        {
            return Problems.NotFound($"thumbnail (seconds 0–{Seconds(s) - 1})");
        }

        return await vault.OpenUploadAsync(projectId, vault.UploadPath(projectId, ThumbnailName(stimulusId, index)), ct).ConfigureAwait(false) is { } stream
            ? TypedResults.Stream(stream, "image/jpeg")
            : Problems.NotFound("thumbnail");
    }

    private static async Task<IResult> AddViewerAsync(Guid projectId, Guid studyId, ViewerRequest body, IMienStore store, ConsentGate gate, CancellationToken ct, Guid? subject = null)
    {
        if (subject is null || body.Stimulus is null)
        {
            return Problems.BadRequest("name the viewer's subject (?subject=<id>) and the stimulus they watch ({\"stimulus\": \"<id>\"})");
        }

        if (StudyAttributes.Problem(body.Attributes) is { } problem)
        {
            return Problems.BadRequest("attributes: " + problem);
        }

        if (await store.GetStudyAsync(projectId, studyId, ct).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("study");
        }

        // A viewing is analysed and stored like any recording of a face: the same purpose rules and consent gate.
        if (await RecordingsApi.RefusedAsync(projectId, subject, new AnalysisRequest(), store, gate, ct).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var viewer = await store.AddViewerAsync(projectId, studyId, new NewStudyViewer(body.Stimulus.Value, subject.Value, body.Attributes), ct).ConfigureAwait(false);
        return TypedResults.Created($"/api/v1/projects/{projectId}/studies/{studyId}/viewers/{viewer.Id}", ViewerOf(viewer, 0));
    }

    private static ViewerView ViewerOf(StudyViewer v, int reports) => new(v.Id, v.StimulusId, v.SubjectId, v.Attributes, v.RecordingId, v.OffsetS, reports, v.CreatedAt);

    private static async Task<IResult> ListViewersAsync(Guid projectId, Guid studyId, IMienStore store, CancellationToken ct)
    {
        if (await store.GetStudyAsync(projectId, studyId, ct).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("study");
        }

        var viewers = await store.ListViewersAsync(projectId, studyId, ct).ConfigureAwait(false);
        var views = new List<ViewerView>(viewers.Count);
        foreach (var v in viewers)
        {
            views.Add(ViewerOf(v, (await store.GetPlaybackAsync(projectId, v.Id, ct).ConfigureAwait(false)).Count));
        }

        return TypedResults.Ok(views);
    }

    private static async Task<IResult> LinkAsync(Guid projectId, Guid studyId, Guid viewerId, LinkRequest body, IMienStore store, CancellationToken ct)
    {
        if (body.OffsetS is { } o && !(o is >= -86400 and <= 86400))
        {
            return Problems.BadRequest($"offsetS {o}: the recording time at which the stimulus started, within ±86400 s");
        }

        if (await store.GetViewerAsync(projectId, viewerId, ct).ConfigureAwait(false) is not { } viewer || viewer.StudyId != studyId)
        {
            return Problems.NotFound("viewer");
        }

        var linked = await store.LinkViewerAsync(projectId, viewerId, body.Recording, body.OffsetS, ct).ConfigureAwait(false);
        return linked is null ? Problems.NotFound("viewer") : TypedResults.Ok(ViewerOf(linked, 0));
    }

    private static async Task<IResult> PlaybackAsync(Guid projectId, Guid studyId, Guid viewerId, PlaybackRequest body, IMienStore store, CancellationToken ct)
    {
        if (body.Reports is not { Count: > 0 and <= 10_000 } reports)
        {
            return Problems.BadRequest("reports: send 1–10000 playback reports {clientTime, stimulusTime, state} per request");
        }

        for (var i = 0; i < reports.Count; i++)
        {
            var r = reports[i];
            if (r is null || !(r.ClientTime >= 0 && double.IsFinite(r.ClientTime)) || !(r.StimulusTime >= 0 && double.IsFinite(r.StimulusTime)) || r.State is null || !StudyAttributes.States.Contains(r.State))
            {
                return Problems.BadRequest($"reports[{i}]: clientTime and stimulusTime must be seconds ≥ 0 and state one of {string.Join(", ", StudyAttributes.States)}");
            }
        }

        if (await store.GetViewerAsync(projectId, viewerId, ct).ConfigureAwait(false) is not { } viewer || viewer.StudyId != studyId)
        {
            return Problems.NotFound("viewer");
        }

        var count = await store.AppendPlaybackAsync(projectId, viewerId, [.. reports.Select(r => new PlaybackReport(r.ClientTime, r.StimulusTime, r.State!))], ct).ConfigureAwait(false);
        return count is null ? Problems.NotFound("viewer") : TypedResults.Ok(new { reports = count });
    }

    // ---- results ---------------------------------------------------------------------------------------------

    /// <summary>A stimulus's viewings aligned to it; viewings without a recording, alignment or frames while playing are counted apart.</summary>
    private sealed record Aligned(Study Study, Stimulus Stimulus, StudyOptions Options, IReadOnlyList<(StudyViewer Viewer, ViewerSeconds Seconds)> Viewings, int Registered, int NotAligned);

    private static async Task<(Aligned? Aligned, IResult? Problem)> AlignAsync(Guid projectId, Guid studyId, Guid? stimulusId, int? k, IMienStore store, CancellationToken ct)
    {
        if (await store.GetStudyAsync(projectId, studyId, ct).ConfigureAwait(false) is not { } study)
        {
            return (null, Problems.NotFound("study"));
        }

        if (k is { } raised && (raised < study.MinViewers || raised > 1000))
        {
            return (null, Problems.BadRequest($"k {raised}: may only raise the study's k-anonymity threshold ({study.MinViewers}), up to 1000"));
        }

        if (stimulusId is null || await store.GetStimulusAsync(projectId, stimulusId.Value, ct).ConfigureAwait(false) is not { } stimulus || stimulus.StudyId != studyId)
        {
            return (null, stimulusId is null ? Problems.BadRequest("name the stimulus: ?stimulus=<id>") : Problems.NotFound("stimulus"));
        }

        var options = new StudyOptions { MinViewers = k ?? study.MinViewers };
        var viewers = (await store.ListViewersAsync(projectId, studyId, ct).ConfigureAwait(false)).Where(v => v.StimulusId == stimulus.Id).ToList();
        var aligned = new List<(StudyViewer, ViewerSeconds)>();
        var notAligned = 0;
        foreach (var viewer in viewers)
        {
            if (await AlignViewerAsync(projectId, viewer, stimulus, options, store, ct).ConfigureAwait(false) is { } seconds)
            {
                aligned.Add((viewer, seconds));
            }
            else
            {
                notAligned++;
            }
        }

        return (new Aligned(study, stimulus, options, aligned, viewers.Count, notAligned), null);
    }

    private static async Task<ViewerSeconds?> AlignViewerAsync(Guid projectId, StudyViewer viewer, Stimulus stimulus, StudyOptions options, IMienStore store, CancellationToken ct)
    {
        if (viewer.RecordingId is not { } recording)
        {
            return null;
        }

        IStimulusClock clock;
        if (viewer.OffsetS is { } offset)
        {
            clock = new OffsetClock(offset);
        }
        else
        {
            var log = await store.GetPlaybackAsync(projectId, viewer.Id, ct).ConfigureAwait(false);
            if (log.Count == 0)
            {
                return null;
            }

            // Reports arrive in batches; order them by the viewer's clock (stable, so same-time reports keep their order).
            clock = new PlaybackTimeline(log.OrderBy(r => r.ClientS).Select(r => new PlaybackSample(r.ClientS, r.StimulusS, Enum.Parse<PlaybackState>(r.State, ignoreCase: true))), options.MaxPlaybackHoldS);
        }

        var frames = new List<ViewerFrame>();
        for (long after = -1; ;)
        {
            var page = await store.GetFramesAsync(projectId, recording, new FrameQuery(null, null, after, 10_000), ct).ConfigureAwait(false);
            if (page is null)
            {
                return null;
            }

            frames.AddRange(page.Frames.Select(f => FramePayload.Parse(f.TimeS, f.PayloadJson)));
            if (page.NextAfter is not { } next)
            {
                break;
            }

            after = next;
        }

        var seconds = ViewerAligner.Align(frames, clock, stimulus.DurationS, options);
        return seconds.TotalFrames == 0 ? null : seconds;
    }

    private static object Curves(StudyAggregate aggregate) => StudyMetrics.All.ToDictionary(StudyMetrics.Name, m =>
    {
        var s = aggregate[m].Seconds;
        return new { n = s.Select(e => e.N), mean = s.Select(e => e.Mean), low = s.Select(e => e.Low), high = s.Select(e => e.High) };
    });

    private static object Cell(Estimate e) => new { n = e.N, mean = e.Mean, low = e.Low, high = e.High, suppressed = e.Suppressed };

    private static object Metrics(IReadOnlyList<Estimate> estimates) => StudyMetrics.All.ToDictionary(StudyMetrics.Name, m => Cell(estimates[(int)m]));

    private static object Header(Aligned a) => new
    {
        study = new { a.Study.Id, a.Study.Name },
        stimulus = View(a.Stimulus, a.Registered),
        k = a.Options.MinViewers,
        viewers = new { registered = a.Registered, aligned = a.Viewings.Count, notAligned = a.NotAligned },
    };

    private static async Task<IResult> ResultsAsync(Guid projectId, Guid studyId, IMienStore store, CancellationToken ct, Guid? stimulus = null, int? k = null)
    {
        var (a, problem) = await AlignAsync(projectId, studyId, stimulus, k, store, ct).ConfigureAwait(false);
        if (a is null)
        {
            return problem!;
        }

        var seconds = Seconds(a.Stimulus);
        var viewings = a.Viewings.Select(v => v.Seconds).ToList();
        var aggregate = StudyAggregator.PerSecond(viewings, seconds, a.Options);
        var moments = StudyMetrics.All.ToDictionary(StudyMetrics.Name, m =>
        {
            var (peaks, valleys) = MomentFinder.Find(aggregate[m], a.Options.MomentWindowS, a.Options.Moments);
            return new { peaks = peaks.Select(p => new { p.Second, value = Cell(p.Value) }), valleys = valleys.Select(p => new { p.Second, value = Cell(p.Value) }) };
        });
        var scenes = SceneCuts.Summarise(SceneCuts.Scenes(a.Stimulus.Cuts, a.Stimulus.DurationS), viewings, a.Options);
        return TypedResults.Ok(new
        {
            header = Header(a),
            shown = aggregate.Viewers is not null,
            reason = aggregate.Viewers is null ? $"fewer than {a.Options.MinViewers} aligned viewers (k-anonymity): no aggregate is shown" : null,
            seconds,
            metrics = StudyMetrics.All.Select(StudyMetrics.Name),
            curves = Curves(aggregate),
            moments,
            scenes = scenes.Select(s => new { s.Scene.Index, startS = s.Scene.StartS, endS = s.Scene.EndS, metrics = Metrics(s.Metrics) }),
            note = "estimates of what faces showed, averaged per stimulus second across viewers (each viewer's per-second mean is the unit); 95 % t-intervals",
        });
    }

    private static async Task<IResult> AbAsync(Guid projectId, Guid studyId, IMienStore store, CancellationToken ct, Guid? a = null, Guid? b = null, int? k = null)
    {
        if (a is null || b is null || a == b)
        {
            return Problems.BadRequest("name two different stimuli of the study: ?a=<stimulus>&b=<stimulus>");
        }

        var (armA, problemA) = await AlignAsync(projectId, studyId, a, k, store, ct).ConfigureAwait(false);
        if (armA is null)
        {
            return problemA!;
        }

        var (armB, problemB) = await AlignAsync(projectId, studyId, b, k, store, ct).ConfigureAwait(false);
        if (armB is null)
        {
            return problemB!;
        }

        var results = AbTest.Compare([.. armA.Viewings.Select(v => v.Seconds)], [.. armB.Viewings.Select(v => v.Seconds)], armA.Options);
        return TypedResults.Ok(new
        {
            a = Header(armA),
            b = Header(armB),
            test = "Welch's two-sided t-test and a two-sided permutation test of the difference in means, each viewer's mean over the whole stimulus as the unit (independent viewers: a between-subjects design); effect size Hedges' g",
            metrics = results.Select(r => new
            {
                metric = StudyMetrics.Name(r.Metric),
                a = Cell(r.A),
                b = Cell(r.B),
                r.Difference,
                r.DifferenceLow,
                r.DifferenceHigh,
                r.WelchT,
                r.WelchDf,
                r.WelchP,
                r.PermutationP,
                r.Permutations,
                r.Exact,
                r.HedgesG,
            }),
        });
    }

    private static async Task<IResult> BreakdownAsync(Guid projectId, Guid studyId, IMienStore store, CancellationToken ct, Guid? stimulus = null, string? attribute = null, int? k = null)
    {
        if (string.IsNullOrWhiteSpace(attribute) || StudyAttributes.Problem(new Dictionary<string, string> { [attribute] = "x" }) is not null)
        {
            return Problems.BadRequest("name a declared attribute: ?attribute=age-band (lower-case letters, digits, '-' or '_')");
        }

        var (a, problem) = await AlignAsync(projectId, studyId, stimulus, k, store, ct).ConfigureAwait(false);
        if (a is null)
        {
            return problem!;
        }

        var result = AudienceBreakdown.By(attribute, [.. a.Viewings.Select(v => new AttributedViewing(v.Seconds, v.Viewer.Attributes))], Seconds(a.Stimulus), a.Options);
        return TypedResults.Ok(new
        {
            header = Header(a),
            attribute,
            groups = result.Groups.Select(g => new { g.Value, g.Viewers, g.Suppressed, overall = Metrics(g.Overall), curves = Curves(g.PerSecond) }),
        });
    }

    private static async Task<IResult> CsvAsync(Guid projectId, Guid studyId, IMienStore store, CancellationToken ct, Guid? stimulus = null, string? attribute = null, int? k = null)
    {
        var (a, problem) = await AlignAsync(projectId, studyId, stimulus, k, store, ct).ConfigureAwait(false);
        if (a is null)
        {
            return problem!;
        }

        var viewings = a.Viewings.Select(v => v.Seconds).ToList();
        string csv;
        if (string.IsNullOrWhiteSpace(attribute))
        {
            csv = StudyCsv.PerSecond(StudyAggregator.PerSecond(viewings, Seconds(a.Stimulus), a.Options));
        }
        else
        {
            if (StudyAttributes.Problem(new Dictionary<string, string> { [attribute] = "x" }) is not null)
            {
                return Problems.BadRequest("attribute: lower-case letters, digits, '-' or '_'");
            }

            var result = AudienceBreakdown.By(attribute, [.. a.Viewings.Select(v => new AttributedViewing(v.Seconds, v.Viewer.Attributes))], Seconds(a.Stimulus), a.Options);
            csv = StudyCsv.Groups([("all", StudyAggregator.PerSecond(viewings, Seconds(a.Stimulus), a.Options)), .. result.Groups.Select(g => ((string?)g.Value, g.PerSecond))]);
        }

        return TypedResults.File(Encoding.UTF8.GetBytes(csv), "text/csv", $"study-{studyId:N}-{a.Stimulus.Id:N}.csv");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
