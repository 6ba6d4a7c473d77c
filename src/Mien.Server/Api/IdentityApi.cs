using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Mien.Enrolment;
using Mien.Identity.Verification;
using Mien.Privacy;
using Mien.Server.Audit;
using Mien.Server.Privacy;
using Mien.Server.Security;
using Mien.Storage;

namespace Mien.Server.Api;

/// <summary>
/// Consented enrolment and verification (issue 16): a subject holding current 'identity-template' consent is enrolled
/// from a burst of images (quality-gated, liveness-checked), and later verified 1:1 or found 1:N at a calibrated
/// false-match rate. Templates are sealed at rest, erased with the scope or the subject, and never leave the server:
/// answers carry similarities and decisions only. Every call is audited (1:N matches also under the matched subject).
/// The logic lives in Mien.Enrolment and Mien.Identity; these handlers only parse, check consent and answer.
/// </summary>
internal static class IdentityApi
{
    /// <summary>Largest request (all images together).</summary>
    internal const long MaxRequestBytes = 24L * 1024 * 1024;

    /// <summary>Least usable faces an enrolment needs ("several frames").</summary>
    internal const int MinEnrolFaces = 3;

    public static void Map(RouteGroupBuilder project)
    {
        project.MapPost("/subjects/{subjectId:guid}/identity/enrol", EnrolAsync).RequireAuthorization(Roles.Analyst).Audited("identity.enrol").DisableAntiforgery()
            .WithSummary("Enrol a consenting subject from 3–10 images of one face (multipart 'image' parts, a burst from a live camera): quality-gated, liveness-checked; replaces an earlier template");
        project.MapGet("/subjects/{subjectId:guid}/identity", ReadAsync).RequireAuthorization(Roles.Analyst).Audited("identity.read")
            .WithSummary("Whether the subject is enrolled (model, faces, quality, date); never the template");
        project.MapDelete("/subjects/{subjectId:guid}/identity", EraseAsync).RequireAuthorization(Roles.Admin).Audited("identity.erase")
            .WithSummary("Erase the subject's identity templates (consent stays as recorded); returns the receipt");
        project.MapPost("/subjects/{subjectId:guid}/identity/verify", VerifyAsync).RequireAuthorization(Roles.Analyst).Audited("identity.verify").DisableAntiforgery()
            .WithSummary("1:1: does the face in these images belong to this enrolled subject? At a stated false-match rate (far=1% or 0.1%); liveness required unless liveness=off");
        project.MapPost("/identity/identify", IdentifyAsync).RequireAuthorization(Roles.Analyst).Audited("identity.identify").DisableAntiforgery()
            .WithSummary("1:N: which consenting enrolled subject, if any, shows this face? At a stated false-match rate; liveness required unless liveness=off");
    }

    private static async Task<IResult> EnrolAsync(Guid projectId, Guid subjectId, HttpRequest request, IMienStore store, MienRuntime runtime, CancellationToken ct)
    {
        if (await SubjectRefusalAsync(store, projectId, subjectId, "enrol them", ct).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var (images, problem) = await ReadImagesAsync(request, ct).ConfigureAwait(false);
        if (images is null)
        {
            return problem!;
        }

        var capture = await CaptureAsync(runtime, images, checkLiveness: true, ct).ConfigureAwait(false);
        if (capture.Descriptor is null || capture.FacesUsed < MinEnrolFaces)
        {
            return Unprocessable("Enrolment refused", $"{capture.FacesUsed} of {images.Count} images gave a usable face; enrolment needs at least {MinEnrolFaces} (see samples for why each was not used)", capture);
        }

        if (!capture.Liveness.Live)
        {
            return Unprocessable("Liveness not shown", "enrolment refused: " + capture.Liveness.Reason, capture);
        }

        IdentityTemplateInfo info;
        try
        {
            info = await store.SaveIdentityTemplateAsync(projectId, subjectId, new NewIdentityTemplate(capture.Model, capture.Descriptor, capture.FacesUsed, capture.TotalQuality), ct).ConfigureAwait(false);
        }
        catch (MienStoreException e) when (e.Error == MienStoreError.ConsentMissing)
        {
            // Consent withdrawn while the images were analysed: nothing was stored.
            return ConsentRequired(subjectId, "enrol them");
        }

        return TypedResults.Created($"/api/v1/projects/{projectId}/subjects/{subjectId}/identity", new
        {
            subject = subjectId,
            template = View(info),
            samples = capture.Samples.Select(View),
            liveness = View(capture.Liveness),
        });
    }

    private static async Task<IResult> ReadAsync(Guid projectId, Guid subjectId, IMienStore store, CancellationToken ct)
    {
        if (await store.GetSubjectAsync(projectId, subjectId, ct).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("subject");
        }

        var templates = await store.ListIdentityTemplateInfoAsync(projectId, subjectId, ct).ConfigureAwait(false);
        var consented = (await store.CurrentConsentAsync(projectId, subjectId, ct).ConfigureAwait(false)).Contains(ConsentScope.IdentityTemplate);
        // The reference analyses name a recognised subject by (person-link "subject"); unlinkable once the subject is erased.
        var reference = await store.GetSubjectRefAsync(projectId, subjectId, ct).ConfigureAwait(false);
        return TypedResults.Ok(new { subject = subjectId, reference, enrolled = templates.Count > 0 && consented, consent = consented, templates = templates.Select(View) });
    }

    private static async Task<IResult> EraseAsync(Guid projectId, Guid subjectId, Erasure erasure, CancellationToken ct)
        => await erasure.EraseScopeAsync(projectId, subjectId, ConsentScope.IdentityTemplate, ct).ConfigureAwait(false) is { } receipt
            ? TypedResults.Ok(receipt)
            : Problems.NotFound("subject");

    private static async Task<IResult> VerifyAsync(Guid projectId, Guid subjectId, HttpRequest request, IMienStore store, MienRuntime runtime, CancellationToken ct)
    {
        if (await SubjectRefusalAsync(store, projectId, subjectId, "verify them", ct).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var (images, problem) = await ReadImagesAsync(request, ct).ConfigureAwait(false);
        if (images is null)
        {
            return problem!;
        }

        if (Settings(request) is not ({ } point, var checkLiveness))
        {
            return Problems.BadRequest($"far '{Text.Clip(request.Form["far"].ToString())}': must be one of {string.Join(", ", OperatingPoint.All.Select(p => p.Name))}; liveness must be 'required' or 'off'");
        }

        var templates = await store.OpenIdentityTemplatesAsync(projectId, Mien.Identity.EmbeddingModel.FaceRes.ModelId, subjectId, ct).ConfigureAwait(false);
        if (templates.Count == 0)
        {
            return Problems.Result(StatusCodes.Status409Conflict, "Not enrolled", $"subject {subjectId} has no identity template: enrol them first (POST …/identity/enrol)");
        }

        var capture = await CaptureAsync(runtime, images, checkLiveness, ct).ConfigureAwait(false);
        if (Unusable(capture, checkLiveness) is { } unusable)
        {
            return unusable;
        }

        var similarity = IdentityMatcher.Similarity(capture.Descriptor, templates[0].Descriptor);
        return TypedResults.Ok(new
        {
            subject = subjectId,
            match = similarity >= point.Threshold,
            similarity = Math.Round(similarity, 4),
            threshold = point.Threshold,
            falseMatchRate = point.FalseMatchRate,
            wording = "An estimate of whether the images show the enrolled face, at the stated false-match rate per comparison; not proof of identity.",
            liveness = View(capture.Liveness),
            samples = capture.Samples.Select(View),
        });
    }

    private static async Task<IResult> IdentifyAsync(Guid projectId, HttpRequest request, IMienStore store, MienRuntime runtime, AuditTrail trail, CancellationToken ct)
    {
        var (images, problem) = await ReadImagesAsync(request, ct).ConfigureAwait(false);
        if (images is null)
        {
            return problem!;
        }

        if (Settings(request) is not ({ } point, var checkLiveness))
        {
            return Problems.BadRequest($"far '{Text.Clip(request.Form["far"].ToString())}': must be one of {string.Join(", ", OperatingPoint.All.Select(p => p.Name))}; liveness must be 'required' or 'off'");
        }

        var capture = await CaptureAsync(runtime, images, checkLiveness, ct).ConfigureAwait(false);
        if (Unusable(capture, checkLiveness) is { } unusable)
        {
            return unusable;
        }

        // Only subjects with current identity-template consent are in the gallery (the store filters on it).
        var gallery = await store.OpenIdentityTemplatesAsync(projectId, capture.Model, null, ct).ConfigureAwait(false);
        var ranked = IdentityMatcher.Identify(capture.Descriptor, gallery.Select(t => (t.Info.SubjectId, t.Descriptor)), point, top: 1);
        var best = ranked.Count == 0 ? null : ranked[0];
        if (best is { Match: true })
        {
            // The 1:N call names no subject in its route: the match is recorded under the subject it found.
            await trail.RecordAsync(request.HttpContext, "identity.match", "matched", best.Key, detail: new { similarity = Math.Round(best.Similarity, 4), far = point.Name }, cancellationToken: ct).ConfigureAwait(false);
        }

        return TypedResults.Ok(new
        {
            match = best is { Match: true } ? best.Key : (Guid?)null,
            similarity = best is null ? (double?)null : Math.Round(best.Similarity, 4),
            threshold = point.Threshold,
            falseMatchRate = point.FalseMatchRate,
            gallerySize = gallery.Count,
            // Any of N strangers may reach the threshold: the chance of a false match in the search grows to about N × FMR.
            searchFalseMatchBound = Math.Min(1, gallery.Count * point.FalseMatchRate),
            wording = "An estimate of whether the images show an enrolled face, at the stated false-match rate per comparison; not proof of identity.",
            liveness = View(capture.Liveness),
            samples = capture.Samples.Select(View),
        });
    }

    /// <summary>404 for an unknown subject, 403 naming the scope when it lacks identity-template consent, else null.</summary>
    private static async Task<IResult?> SubjectRefusalAsync(IMienStore store, Guid projectId, Guid subjectId, string purpose, CancellationToken ct)
    {
        if (await store.GetSubjectAsync(projectId, subjectId, ct).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("subject");
        }

        return (await store.CurrentConsentAsync(projectId, subjectId, ct).ConfigureAwait(false)).Contains(ConsentScope.IdentityTemplate) ? null : ConsentRequired(subjectId, purpose);
    }

    private static IResult ConsentRequired(Guid subjectId, string purpose) => Problems.Result(StatusCodes.Status403Forbidden, "Consent required",
        $"subject {subjectId} has no current '{Names.Of(ConsentScope.IdentityTemplate)}' consent, which is needed to {purpose}: record that consent first (POST …/subjects/{{id}}/consents or a consent link)");

    private static IResult? Unusable(FaceCapture capture, bool checkLiveness)
    {
        if (capture.Descriptor is null)
        {
            return Unprocessable("No usable face", "none of the images gave a usable face (see samples for why)", capture);
        }

        return checkLiveness && !capture.Liveness.Live ? Unprocessable("Liveness not shown", "refused: " + capture.Liveness.Reason, capture) : null;
    }

    private static IResult Unprocessable(string title, string detail, FaceCapture capture)
    {
        var problem = new ProblemDetails { Status = StatusCodes.Status422UnprocessableEntity, Title = title, Detail = detail };
        problem.Extensions["samples"] = capture.Samples.Select(View).ToList();
        problem.Extensions["liveness"] = View(capture.Liveness);
        return TypedResults.Problem(problem);
    }

    /// <summary>The form's operating point (far=1% | 0.1%, default 0.1%) and liveness (required | off, default required), or null when invalid.</summary>
    private static (OperatingPoint? Point, bool Liveness)? Settings(HttpRequest request)
    {
        var far = request.Form["far"].ToString();
        var point = OperatingPoint.ByName(far.Length == 0 ? null : far);
        var liveness = request.Form["liveness"].ToString();
        if (point is null || liveness is not ("" or "required" or "off"))
        {
            return null;
        }

        return (point, liveness != "off");
    }

    private static async Task<(IReadOnlyList<ReadOnlyMemory<byte>>? Images, IResult? Problem)> ReadImagesAsync(HttpRequest request, CancellationToken ct)
    {
        // Images are larger than the JSON bodies every other endpoint is limited to.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = MaxRequestBytes;
        }

        if (!request.HasFormContentType || !request.ContentType!.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.BadRequest("send the images as multipart/form-data, one 'image' part per image (JPEG or PNG), oldest first"));
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return (null, e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }
                ? Problems.Result(StatusCodes.Status413PayloadTooLarge, "Request too large", $"the images exceed {MaxRequestBytes} bytes together")
                : Problems.BadRequest("the multipart body could not be read: " + e.Message));
        }

        var files = form.Files.GetFiles("image");
        var max = new EnrolmentOptions().MaxImages;
        if (files.Count == 0 || files.Count > max)
        {
            return (null, Problems.BadRequest($"send 1–{max} 'image' parts; got {files.Count}"));
        }

        var images = new List<ReadOnlyMemory<byte>>(files.Count);
        foreach (var file in files)
        {
            using var buffer = new MemoryStream((int)Math.Min(file.Length, MaxRequestBytes));
            await file.CopyToAsync(buffer, ct).ConfigureAwait(false);
            images.Add(buffer.ToArray());
        }

        return (images, null);
    }

    private static async Task<FaceCapture> CaptureAsync(MienRuntime runtime, IReadOnlyList<ReadOnlyMemory<byte>> images, bool checkLiveness, CancellationToken ct)
    {
        using var enroller = await FaceEnroller.CreateAsync(runtime.Models, cancellationToken: ct).ConfigureAwait(false);
        // CPU work (about 50 ms per image) off the request's thread.
        return await Task.Run(() => enroller.Capture(images, checkLiveness), ct).ConfigureAwait(false);
    }

    private static object View(IdentityTemplateInfo t) => new { id = t.Id, model = t.Model, faces = t.Faces, quality = Math.Round(t.Quality, 3), createdAt = t.CreatedAt };

    private static object View(CaptureSample s) => new
    {
        index = s.Index,
        outcome = Kebab(s.Outcome.ToString()),
        quality = s.Quality is { } q ? Math.Round(q, 3) : (double?)null,
        real = s.Liveness is { } l ? Math.Round(l.Real, 3) : (double?)null,
        live = s.Liveness is { } m ? Math.Round(m.Live, 3) : (double?)null,
    };

    private static object View(LivenessVerdict v) => new
    {
        @checked = v.Checked,
        live = v.Live,
        medianReal = v.MedianReal is { } r ? Math.Round(r, 3) : (double?)null,
        medianLive = v.MedianLive is { } l ? Math.Round(l, 3) : (double?)null,
        nonRigidMotion = v.Temporal is { } t ? Math.Round(t.NonRigidMotion, 5) : (double?)null,
        eyeOpennessRange = v.Temporal is { } o ? Math.Round(o.OpennessRange, 4) : (double?)null,
        reason = v.Reason,
    };

    private static string Kebab(string name) => string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
