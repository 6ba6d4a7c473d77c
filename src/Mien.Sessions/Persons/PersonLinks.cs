using System.Globalization;
using System.Text.Json;

namespace Mien.Sessions.Persons;

/// <summary>
/// One track's attachment to a person as the results record it (a <c>person-link</c> event): the automatic decision
/// and the similarity behind it, and, when a user split it off, the person it was split from.
/// </summary>
/// <param name="Track">The track.</param>
/// <param name="Person">The person it shows now.</param>
/// <param name="Linked">The automatic decision: linked to a person seen before (true) or a new person (false).</param>
/// <param name="Similarity">Cosine similarity to the most similar person who was off screen, or null when nobody was.</param>
/// <param name="Candidate">That most similar person, or null.</param>
/// <param name="Threshold">The threshold the automatic decision used.</param>
/// <param name="Time">When the track was resolved (media seconds).</param>
/// <param name="SplitFrom">The person a user split this track away from, or null when the automatic decision stands.</param>
public sealed record TrackLink(int Track, int Person, bool Linked, double? Similarity, int? Candidate, double Threshold, double Time, int? SplitFrom);

/// <summary>A person of an analysis and the tracks that show them, in time order.</summary>
/// <param name="Person">The person id.</param>
/// <param name="Tracks">How each of their tracks was attached (the similarity evidence).</param>
public sealed record PersonEntry(int Person, IReadOnlyList<TrackLink> Tracks);

/// <summary>Why a split was refused.</summary>
public enum PersonSplitError
{
    /// <summary>No track was named, or a track was named twice.</summary>
    BadTracks,

    /// <summary>The person id is not in the results.</summary>
    UnknownPerson,

    /// <summary>A named track is not in the results, or shows another person.</summary>
    UnknownTrack,

    /// <summary>Every track of the person was named: nothing would be left (the person would only be renumbered).</summary>
    LastTrack,

    /// <summary>The results hold no person links (identity was off), or cannot be read.</summary>
    NoLinks,
}

/// <summary>A split the results do not allow; the message names the person and tracks and what to do.</summary>
public sealed class PersonSplitException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PersonSplitException(PersonSplitError error, string message)
        : base(message) => Error = error;

    /// <summary>Creates the exception (for serialisers; prefer the other constructor).</summary>
    public PersonSplitException()
    {
    }

    /// <summary>Creates the exception (for serialisers; prefer the other constructor).</summary>
    public PersonSplitException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception (for serialisers; prefer the other constructor).</summary>
    public PersonSplitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Which rule refused the split.</summary>
    public PersonSplitError Error { get; }
}

/// <summary>
/// The person list of one analysis, read from its <c>person-link</c> events (faces.jsonl's event lines, or the stored
/// events' payloads: both are the public schema), and the check of a user's split request against it. Pure: no files,
/// no store.
/// </summary>
public sealed class PersonLinks
{
    private readonly Dictionary<int, TrackLink> _byTrack;

    private PersonLinks(Dictionary<int, TrackLink> byTrack, int highestPerson)
    {
        _byTrack = byTrack;
        HighestPerson = highestPerson;
    }

    /// <summary>The largest person id in the results (0 when none): a split's new person is numbered after it.</summary>
    public int HighestPerson { get; }

    /// <summary>Every track's link, by track id.</summary>
    public IReadOnlyDictionary<int, TrackLink> ByTrack => _byTrack;

    /// <summary>The people, by id, each with their tracks in time order.</summary>
    public IReadOnlyList<PersonEntry> People =>
        [.. _byTrack.Values.GroupBy(l => l.Person).OrderBy(g => g.Key).Select(g => new PersonEntry(g.Key, [.. g.OrderBy(l => l.Time).ThenBy(l => l.Track)]))];

    /// <summary>
    /// Reads the person links among <paramref name="eventJson"/> (any JSON objects; only <c>"event":"person-link"</c> ones
    /// count, and <c>person-split</c> ones raise <see cref="HighestPerson"/> so ids are never reused).
    /// </summary>
    /// <exception cref="PersonSplitException">A person-link event lacks its track or person.</exception>
    public static PersonLinks Read(IEnumerable<string> eventJson)
    {
        ArgumentNullException.ThrowIfNull(eventJson);
        var byTrack = new Dictionary<int, TrackLink>();
        var highest = 0;
        foreach (var json in eventJson)
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("event", out var kind) || kind.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            if (kind.ValueEquals(PersonSplit.EventName))
            {
                highest = Math.Max(highest, Int(root, "newPerson") ?? 0);
                continue;
            }

            if (!kind.ValueEquals("person-link"))
            {
                continue;
            }

            var track = Int(root, "track") ?? throw new PersonSplitException(PersonSplitError.NoLinks, "a person-link event has no track: the results are damaged");
            var person = Int(root, "person") ?? throw new PersonSplitException(PersonSplitError.NoLinks, $"the person-link event of track {track} has no person: the results are damaged");
            int? splitFrom = root.TryGetProperty("split", out var split) && split.ValueKind == JsonValueKind.Object ? Int(split, "from") : null;
            byTrack[track] = new TrackLink(
                track,
                person,
                root.TryGetProperty("linked", out var linked) && linked.ValueKind == JsonValueKind.True,
                Number(root, "similarity"),
                Int(root, "candidate"),
                Number(root, "threshold") ?? double.NaN,
                Number(root, "time") ?? 0,
                splitFrom);
            highest = Math.Max(highest, person);
        }

        return new PersonLinks(byTrack, highest);
    }

    /// <summary>
    /// Checks that <paramref name="tracks"/> may be split away from <paramref name="person"/> into a new person and
    /// returns the split (numbered after every person id the results ever used), made by <paramref name="by"/> at
    /// <paramref name="at"/>.
    /// </summary>
    /// <exception cref="PersonSplitException">Unknown person, a track that is not theirs, no or repeated tracks, or every one of their tracks.</exception>
    public PersonSplit Plan(int person, IReadOnlyList<int> tracks, string by, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        if (_byTrack.Count == 0)
        {
            throw new PersonSplitException(PersonSplitError.NoLinks, "these results hold no person links (identity was off or no face was resolved): there is no person to split");
        }

        if (tracks.Count == 0)
        {
            throw new PersonSplitException(PersonSplitError.BadTracks, "name at least one track to split away");
        }

        if (tracks.Distinct().Count() != tracks.Count)
        {
            throw new PersonSplitException(PersonSplitError.BadTracks, $"tracks {string.Join(",", tracks)}: a track is named twice");
        }

        var own = _byTrack.Values.Where(l => l.Person == person).Select(l => l.Track).Order().ToArray();
        if (own.Length == 0)
        {
            throw new PersonSplitException(PersonSplitError.UnknownPerson, $"person {person} is not in these results (people: {string.Join(", ", People.Select(p => p.Person))})");
        }

        foreach (var track in tracks)
        {
            if (!_byTrack.TryGetValue(track, out var link))
            {
                throw new PersonSplitException(PersonSplitError.UnknownTrack, $"track {track} has no person link in these results (tracks of person {person}: {string.Join(", ", own)})");
            }

            if (link.Person != person)
            {
                throw new PersonSplitException(PersonSplitError.UnknownTrack, $"track {track} shows person {link.Person}, not person {person} (tracks of person {person}: {string.Join(", ", own)})");
            }
        }

        if (tracks.Count == own.Length)
        {
            throw new PersonSplitException(PersonSplitError.LastTrack, $"tracks {string.Join(",", own)} are all of person {person}'s tracks: splitting them all would only renumber the person; keep at least one");
        }

        var evidence = tracks.Order().Select(t => _byTrack[t]).ToArray();
        return new PersonSplit(person, HighestPerson + 1, evidence, by, at);
    }

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    private static double? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    /// <summary>Parses a comma-separated list of track ids ("3,5"); null with a reason when it is not one.</summary>
    public static (IReadOnlyList<int>? Tracks, string? Problem) ParseTracks(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, "no tracks given: name them as a comma-separated list, e.g. 3,5");
        }

        var tracks = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var t) || t < 1)
            {
                return (null, $"track '{(part.Length > 20 ? part[..20] + "…" : part)}': track ids are whole numbers ≥ 1, comma-separated (e.g. 3,5)");
            }

            tracks.Add(t);
        }

        return (tracks, null);
    }
}
