using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mien.Sessions.Persons;

/// <summary>
/// A user's correction of a wrong re-identification merge: <see cref="Evidence"/>'s tracks, which the registry had
/// attached to <see cref="Person"/>, show someone else and become <see cref="NewPerson"/>. Rewrites result payloads in
/// the public schema (faces.jsonl lines, stored frames and events, summary.json) consistently and writes the
/// <c>person-split</c> event that records who split what, keeping the automatic decision's similarity so the original
/// merge stays explainable. Made by <see cref="PersonLinks.Plan"/>.
/// </summary>
/// <param name="Person">The person the tracks were split away from.</param>
/// <param name="NewPerson">The person they show from now on (numbered after every id the results used).</param>
/// <param name="Evidence">The split tracks' links as they were recorded before the split, in track order.</param>
/// <param name="By">Who split (an API key's name, or the local user).</param>
/// <param name="At">When.</param>
public sealed record PersonSplit(int Person, int NewPerson, IReadOnlyList<TrackLink> Evidence, string By, DateTimeOffset At)
{
    /// <summary>The event kind of the split record.</summary>
    public const string EventName = "person-split";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly JsonSerializerOptions Compact = new();

    /// <summary>The split tracks, ascending.</summary>
    public IReadOnlyList<int> Tracks => [.. Evidence.Select(e => e.Track)];

    /// <summary>Media time of the split record: when the first split track was resolved.</summary>
    public double Time => Evidence.Min(e => e.Time);

    private bool Moves(JsonObject o) =>
        o["track"] is JsonValue t && t.TryGetValue<int>(out var track) && Tracks.Contains(track)
        && o["person"] is JsonValue p && p.TryGetValue<int>(out var person) && person == Person;

    /// <summary>
    /// A faces.jsonl line rewritten when it is a face or the person-link of a split track; otherwise null (keep the line
    /// as it is, byte for byte).
    /// </summary>
    public string? RewriteLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);

        // Cheap pre-check: most lines are faces of other tracks, and re-serialising them would only cost time.
        if (!line.Contains("\"person\":", StringComparison.Ordinal))
        {
            return null;
        }

        if (JsonNode.Parse(line) is not JsonObject o)
        {
            return null;
        }

        return (string?)o["type"] switch
        {
            "face" when Moves(o) => Rewritten(o, Face),
            "event" when (string?)o["event"] == "person-link" && Moves(o) => Rewritten(o, Link),
            _ => null,
        };
    }

    /// <summary>
    /// Copies a faces.jsonl from <paramref name="input"/> to <paramref name="output"/> with the split tracks' faces and
    /// links rewritten (every other line byte for byte) and the <c>person-split</c> event appended (named with the same
    /// <c>source</c> as the file's lines).
    /// </summary>
    public void RewriteJsonl(TextReader input, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        string? source = null;
        var sourceKnown = false;
        while (input.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (!sourceKnown)
            {
                sourceKnown = true;
                using var doc = JsonDocument.Parse(line);
                source = doc.RootElement.TryGetProperty("source", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            }

            output.Write(RewriteLine(line) ?? line);
            output.Write('\n');
        }

        output.Write(EventJson(source));
        output.Write('\n');
    }

    /// <summary>
    /// A stored frame payload (<c>{"type":"frame",…,"faces":[…]}</c>) rewritten when one of its faces belongs to a split
    /// track; otherwise null.
    /// </summary>
    public string? RewriteFrame(string frameJson)
    {
        ArgumentNullException.ThrowIfNull(frameJson);
        if (!frameJson.Contains("\"person\":", StringComparison.Ordinal) || JsonNode.Parse(frameJson) is not JsonObject o || o["faces"] is not JsonArray faces)
        {
            return null;
        }

        var changed = false;
        foreach (var face in faces)
        {
            if (face is JsonObject f && Moves(f))
            {
                Face(f);
                changed = true;
            }
        }

        return changed ? o.ToJsonString() : null;
    }

    /// <summary>A stored event payload rewritten when it is the person-link of a split track; otherwise null.</summary>
    public string? RewriteEvent(string eventJson) => RewriteLine(eventJson);

    /// <summary>
    /// summary.json with this split appended to its <c>personSplits</c> array (created when absent; every other property
    /// kept in place).
    /// </summary>
    public string RewriteSummary(string summaryJson, bool indented)
    {
        ArgumentNullException.ThrowIfNull(summaryJson);
        if (JsonNode.Parse(summaryJson) is not JsonObject o)
        {
            throw new PersonSplitException(PersonSplitError.NoLinks, "the summary is not a JSON object: the results are damaged");
        }

        if (o["personSplits"] is not JsonArray splits)
        {
            splits = [];
            o["personSplits"] = splits;
        }

        splits.Add(Record(includeEvidence: false));
        return o.ToJsonString(indented ? Indented : Compact);
    }

    /// <summary>
    /// The <c>person-split</c> event (one JSON object, public schema): the persons, the tracks, who and when, and each
    /// track's original link (linked, similarity, candidate, threshold) as evidence.
    /// </summary>
    public string EventJson(string? source = null)
    {
        var o = new JsonObject { ["type"] = "event", ["event"] = EventName };
        if (source is not null)
        {
            o["source"] = source;
        }

        o["time"] = Math.Round(Time, 3);
        foreach (var (name, value) in Record(includeEvidence: true).ToArray())
        {
            o[name] = value?.DeepClone();
        }

        return o.ToJsonString();
    }

    private JsonObject Record(bool includeEvidence)
    {
        var tracks = new JsonArray();
        foreach (var t in Tracks)
        {
            tracks.Add(t);
        }

        var o = new JsonObject
        {
            ["person"] = Person,
            ["newPerson"] = NewPerson,
            ["tracks"] = tracks,
            ["by"] = By,
            ["at"] = At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        if (includeEvidence)
        {
            var evidence = new JsonArray();
            foreach (var e in Evidence)
            {
                evidence.Add(new JsonObject
                {
                    ["track"] = e.Track,
                    ["linked"] = e.Linked,
                    ["similarity"] = e.Similarity is { } s ? Math.Round(s, 4) : null,
                    ["candidate"] = e.Candidate,
                    ["threshold"] = double.IsFinite(e.Threshold) ? Math.Round(e.Threshold, 4) : null,
                });
            }

            o["evidence"] = evidence;
        }

        return o;
    }

    private static string Rewritten(JsonObject o, Action<JsonObject> change)
    {
        change(o);
        return o.ToJsonString();
    }

    private void Face(JsonObject face) => face["person"] = NewPerson;

    /// <summary>
    /// The link now names the new person; <c>linked</c>, <c>similarity</c>, <c>candidate</c> and <c>threshold</c> stay
    /// as the registry decided them (the evidence of the merge), and <c>split</c> says a user overrode it. A subject the
    /// merged person was recognised as no longer follows: that naming was the merged person's, not this track's.
    /// </summary>
    private void Link(JsonObject link)
    {
        link["person"] = NewPerson;
        link.Remove("subject");
        link.Remove("subjectSimilarity");
        link["split"] = new JsonObject
        {
            ["from"] = Person,
            ["by"] = By,
            ["at"] = At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
    }
}
