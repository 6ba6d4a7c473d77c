using System.Text.Json.Serialization;
using Mien.Server.Audit;
using Mien.Server.Persons;
using Mien.Server.Security;
using Mien.Sessions.Persons;
using Mien.Storage;

namespace Mien.Server.Api;

/// <summary>
/// A recording's people (re-identification: which tracks show one person, and the similarity behind each link) and
/// the user's correction of a wrong merge: splitting tracks away into a new person. The work is
/// <see cref="StoredPersons"/>'s; these handlers parse, answer and map refusals to problem details. Splits are
/// audited (<c>persons.split</c>) and recorded in the results themselves (a <c>person-split</c> event).
/// </summary>
internal static class PersonsApi
{
    public static void Map(RouteGroupBuilder project)
    {
        project.MapGet("/recordings/{recordingId:guid}/persons", ListAsync).RequireAuthorization(Roles.Viewer).Audited("results.read")
            .WithSummary("The recording's people: each person's tracks with how they were linked (similarity, candidate, threshold) and any user split");
        project.MapPost("/recordings/{recordingId:guid}/persons/{person}/split", SplitAsync).RequireAuthorization(Roles.Analyst).Audited("persons.split")
            .WithSummary("Split a wrong merge: the named tracks of this person show someone else and become a new person ({\"tracks\":[3,5]}); results, links and summary are rewritten, the original similarity kept");
    }

    /// <summary>The body of a split request.</summary>
    /// <param name="Tracks">The tracks that show someone else.</param>
    internal sealed record SplitRequest([property: JsonPropertyName("tracks")] int[]? Tracks);

    private static async Task<IResult> ListAsync(Guid projectId, Guid recordingId, IMienStore store, CancellationToken ct)
    {
        PersonLinks? links;
        try
        {
            links = await new StoredPersons(store).ReadAsync(projectId, recordingId, ct).ConfigureAwait(false);
        }
        catch (PersonSplitException e)
        {
            return Problems.Result(StatusCodes.Status422UnprocessableEntity, "Damaged results", e.Message);
        }

        return links is null ? Problems.NotFound("recording") : TypedResults.Ok(new { persons = links.People.Select(View) });
    }

    private static async Task<IResult> SplitAsync(Guid projectId, Guid recordingId, string person, SplitRequest? body, HttpContext http, IMienStore store, Protection.MediaVault vault, CancellationToken ct)
    {
        // Parsed here rather than by a route constraint, so a malformed id is a problem detail, not a bare 404.
        if (!int.TryParse(person, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var personId) || personId < 1)
        {
            return Problems.BadRequest($"person '{Text.Clip(person)}': person ids are whole numbers ≥ 1 (see GET …/persons)");
        }

        if (body?.Tracks is not { Length: > 0 } tracks)
        {
            return Problems.BadRequest("name the tracks that show someone else: {\"tracks\": [3, 5]}");
        }

        if (tracks.Any(t => t < 1))
        {
            return Problems.BadRequest($"track {tracks.First(t => t < 1)}: track ids are whole numbers ≥ 1");
        }

        try
        {
            var (outcome, split) = await new StoredPersons(store, vault).SplitAsync(projectId, recordingId, personId, tracks, "key:" + http.Identity().KeyId, ct).ConfigureAwait(false);
            return outcome switch
            {
                StoredSplitOutcome.NoRecording => Problems.NotFound("recording"),
                StoredSplitOutcome.NotFinished => Problems.Conflict("the recording's analysis has not finished; split its people once it is done"),
                _ => TypedResults.Ok(new
                {
                    person = split!.Person,
                    newPerson = split.NewPerson,
                    tracks = split.Tracks,
                    by = split.By,
                    at = split.At,
                    evidence = split.Evidence.Select(Link),
                }),
            };
        }
        catch (PersonSplitException e)
        {
            return e.Error switch
            {
                PersonSplitError.UnknownPerson => Problems.Result(StatusCodes.Status404NotFound, "Unknown person", e.Message),
                PersonSplitError.LastTrack => Problems.Result(StatusCodes.Status422UnprocessableEntity, "Nothing would be left", e.Message),
                PersonSplitError.NoLinks => Problems.Result(StatusCodes.Status422UnprocessableEntity, "No people to split", e.Message),
                _ => Problems.Result(StatusCodes.Status422UnprocessableEntity, "Not this person's track", e.Message),
            };
        }
    }

    private static object View(PersonEntry p) => new { person = p.Person, tracks = p.Tracks.Select(Link) };

    private static object Link(TrackLink l) => new
    {
        track = l.Track,
        time = l.Time,
        linked = l.Linked,
        similarity = l.Similarity,
        candidate = l.Candidate,
        threshold = double.IsFinite(l.Threshold) ? l.Threshold : (double?)null,
        splitFrom = l.SplitFrom,
    };
}
