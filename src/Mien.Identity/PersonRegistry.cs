using System.Numerics.Tensors;

namespace Mien.Identity;

/// <summary>Options of <see cref="PersonRegistry"/>.</summary>
public sealed record PersonRegistryOptions
{
    /// <summary>
    /// Least cosine similarity between a new track's template and a person who left for the track to be linked to that
    /// person (default 0.67: faceres's false-match rate 0.1 % over 134,516 single-face impostor pairs of real faces,
    /// docs/identity.md; another model needs its own threshold).
    /// </summary>
    public float Threshold { get; init; } = 0.67f;

    /// <summary>People kept for linking (default 64); beyond it the one seen longest ago is forgotten.</summary>
    public int MaxPeople { get; init; } = 64;

    /// <summary>Forget a person this long after they were last seen (default null: never, within the bound above).</summary>
    public TimeSpan? ForgetAfter { get; init; }

    /// <summary>
    /// Enrolled subjects a new person may be recognised as (default none). The host passes only the templates of
    /// subjects who hold current identity-template consent; a person is linked to one at <see cref="Threshold"/>.
    /// </summary>
    public IReadOnlyList<EnrolledSubject> Enrolled { get; init; } = [];

    /// <summary>Checks the values; the message names the option, its value and the limit.</summary>
    public void Validate()
    {
        if (float.IsNaN(Threshold) || Threshold is < -1 or > 1)
        {
            throw new ArgumentException($"{nameof(Threshold)} = {Threshold}: must be a cosine similarity within [-1, 1].");
        }

        if (MaxPeople is < 1 or > 100_000)
        {
            throw new ArgumentException($"{nameof(MaxPeople)} = {MaxPeople}: must be within 1..100000.");
        }

        if (ForgetAfter is { } f && f <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(ForgetAfter)} = {f}: must be positive.");
        }

        ArgumentNullException.ThrowIfNull(Enrolled, nameof(Enrolled));
        if (Enrolled.Count > 100_000)
        {
            throw new ArgumentException($"{nameof(Enrolled)}: {Enrolled.Count} subjects; at most 100000.");
        }
    }
}

/// <summary>How a track was attached to a person.</summary>
/// <param name="TrackId">The track.</param>
/// <param name="PersonId">The person it shows.</param>
/// <param name="Linked">True when the person was seen before under another track; false for a new person.</param>
/// <param name="Similarity">Cosine similarity to the best candidate who had left (null when nobody had), whether or not it passed the threshold.</param>
/// <param name="CandidatePerson">That best candidate (null when nobody had left).</param>
/// <param name="Threshold">The threshold the decision used.</param>
public sealed record PersonLink(int TrackId, int PersonId, bool Linked, float? Similarity, int? CandidatePerson, float Threshold)
{
    /// <summary>Where the track's required liveness check stands (null when liveness is not required).</summary>
    public Mien.Identity.Liveness.LivenessState? Liveness { get; init; }

    /// <summary>The liveness decision and its evidence once made (null while pending or not required).</summary>
    public Mien.Identity.Liveness.LivenessDecision? LivenessDecision { get; init; }

    /// <summary>The enrolled subject this person was recognised as (<see cref="PersonRegistryOptions.Enrolled"/>), or null.</summary>
    public string? Subject { get; init; }

    /// <summary>Cosine similarity to that subject's template when recognised, else null.</summary>
    public float? SubjectSimilarity { get; init; }
}

/// <summary>A consenting enrolled subject's template, for recognising them in a stream.</summary>
/// <param name="Subject">How results name them (a pseudonymous subject id).</param>
/// <param name="Descriptor">Their unit descriptor (same model as the stream's).</param>
public sealed record EnrolledSubject(string Subject, float[] Descriptor);

/// <summary>
/// Re-identification without enrolment, within one stream: people are numbered as their tracks are resolved; a new
/// track whose template is at least <see cref="PersonRegistryOptions.Threshold"/> similar to someone who is not on screen
/// now becomes that person again. Two tracks on screen at once are never the same person. State is bounded: at most
/// <see cref="PersonRegistryOptions.MaxPeople"/> templates of one descriptor each. Not thread-safe (one per stream).
/// </summary>
public sealed class PersonRegistry
{
    private readonly PersonRegistryOptions _options;
    private readonly int _dimensions;
    private readonly Dictionary<int, Person> _people = [];
    private readonly Dictionary<int, int> _trackToPerson = [];
    private int _nextPersonId = 1;

    /// <summary>Creates an empty registry of <paramref name="dimensions"/>-long descriptors.</summary>
    public PersonRegistry(int dimensions, PersonRegistryOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        _options = options ?? new PersonRegistryOptions();
        _options.Validate();
        _dimensions = dimensions;
        foreach (var enrolled in _options.Enrolled)
        {
            if (enrolled.Descriptor is null || enrolled.Descriptor.Length != dimensions || string.IsNullOrEmpty(enrolled.Subject))
            {
                throw new ArgumentException($"enrolled subject '{enrolled.Subject}': a name and a {dimensions}-value descriptor of this registry's model are needed", nameof(options));
            }
        }
    }

    /// <summary>The options.</summary>
    public PersonRegistryOptions Options => _options;

    /// <summary>People kept (on screen or linkable).</summary>
    public int PeopleKept => _people.Count;

    /// <summary>The person of a resolved track, or null.</summary>
    public int? PersonOf(int trackId) => _trackToPerson.TryGetValue(trackId, out var p) ? p : null;

    /// <summary>
    /// Attaches track <paramref name="trackId"/> (not yet resolved) to a person given its <paramref name="template"/>
    /// (unit length) at <paramref name="now"/>: the most similar person who is off screen if at least the threshold,
    /// else a new person.
    /// </summary>
    /// <param name="trackId">The track.</param>
    /// <param name="template">Its template.</param>
    /// <param name="now">When.</param>
    /// <param name="recognise">
    /// Compare with the enrolled subjects now (default); false defers naming to <see cref="Recognise(int, ReadOnlySpan{float})"/>
    /// (e.g. until the track's liveness check has passed), and the link names nobody.
    /// </param>
    public PersonLink Resolve(int trackId, ReadOnlySpan<float> template, TimeSpan now, bool recognise = true)
    {
        CheckTemplate(template);
        if (_trackToPerson.ContainsKey(trackId))
        {
            throw new InvalidOperationException($"track {trackId} is already resolved to person {_trackToPerson[trackId]}");
        }

        Forget(now);
        Person? best = null;
        var bestSimilarity = float.NegativeInfinity;
        foreach (var person in _people.Values)
        {
            if (person.ActiveTracks > 0)
            {
                continue;
            }

            var s = TensorPrimitives.Dot(template, person.Template);
            if (s > bestSimilarity)
            {
                (best, bestSimilarity) = (person, s);
            }
        }

        float? similarity = best is null ? null : bestSimilarity;
        if (best is not null && bestSimilarity >= _options.Threshold)
        {
            best.ActiveTracks++;
            best.LastSeen = now;
            _trackToPerson[trackId] = best.Id;
            var (subject, subjectSimilarity) = recognise ? Recognise(best, template) : (null, null);
            return new PersonLink(trackId, best.Id, true, similarity, best.Id, _options.Threshold) { Subject = subject, SubjectSimilarity = subjectSimilarity };
        }

        EnsureRoom();
        var created = new Person(_nextPersonId++, template.ToArray(), now) { ActiveTracks = 1 };
        _people[created.Id] = created;
        _trackToPerson[trackId] = created.Id;
        var (recognised, recognisedSimilarity) = recognise ? Recognise(created, template) : (null, null);
        return new PersonLink(trackId, created.Id, false, similarity, best?.Id, _options.Threshold) { Subject = recognised, SubjectSimilarity = recognisedSimilarity };
    }

    /// <summary>
    /// Track <paramref name="trackId"/> ended at <paramref name="now"/>; its person becomes linkable again, with the
    /// track's final <paramref name="template"/> (when it has one) blended into theirs.
    /// </summary>
    public void Release(int trackId, ReadOnlySpan<float> template, float weight, TimeSpan now)
    {
        if (!_trackToPerson.Remove(trackId, out var personId) || !_people.TryGetValue(personId, out var person))
        {
            return;
        }

        person.ActiveTracks = Math.Max(0, person.ActiveTracks - 1);
        person.LastSeen = now;
        if (template.Length > 0 && weight > 0)
        {
            CheckTemplate(template);
            // The person's template is a running weighted mean of their tracks' templates: a long, clear track counts more.
            var total = person.Weight + weight;
            TensorPrimitives.Multiply(person.Template, person.Weight / total, person.Template);
            TensorPrimitives.MultiplyAdd(template, weight / total, person.Template, person.Template);
            FaceEmbedder.Normalise(person.Template);
            person.Weight = total;
        }
    }

    /// <summary>Updates a resolved track's person's template while it is on screen (e.g. the template improved).</summary>
    public void Refresh(int trackId, ReadOnlySpan<float> template, TimeSpan now)
    {
        CheckTemplate(template);
        if (_trackToPerson.TryGetValue(trackId, out var personId) && _people.TryGetValue(personId, out var person) && person.Weight == 0)
        {
            // A person first seen in this track: their template is this track's (a linked person keeps the blend of earlier tracks until release).
            template.CopyTo(person.Template);
            person.LastSeen = now;
        }
    }

    /// <summary>
    /// Names resolved track <paramref name="trackId"/>'s person as an enrolled subject now (its <paramref name="template"/>
    /// against theirs, as <see cref="Resolve"/> does unless told to defer); (null, null) when nobody matches or the
    /// track is not resolved.
    /// </summary>
    public (string? Subject, float? Similarity) Recognise(int trackId, ReadOnlySpan<float> template)
    {
        CheckTemplate(template);
        return _trackToPerson.TryGetValue(trackId, out var personId) && _people.TryGetValue(personId, out var person)
            ? Recognise(person, template)
            : (null, null);
    }

    /// <summary>
    /// The enrolled subject <paramref name="person"/> is (kept once found), else the best enrolled subject at or above
    /// the threshold whom no other kept person already is. A template of zeros (no good face yet) recognises nobody.
    /// </summary>
    private (string? Subject, float? Similarity) Recognise(Person person, ReadOnlySpan<float> template)
    {
        if (person.Subject is not null || _options.Enrolled.Count == 0 || TensorPrimitives.Norm(template) == 0)
        {
            return (person.Subject, person.SubjectSimilarity);
        }

        EnrolledSubject? best = null;
        var bestSimilarity = float.NegativeInfinity;
        foreach (var enrolled in _options.Enrolled)
        {
            var s = TensorPrimitives.Dot(template, enrolled.Descriptor);
            if (s > bestSimilarity && s >= _options.Threshold && !Taken(enrolled.Subject))
            {
                (best, bestSimilarity) = (enrolled, s);
            }
        }

        if (best is not null)
        {
            person.Subject = best.Subject;
            person.SubjectSimilarity = bestSimilarity;
        }

        return (person.Subject, person.SubjectSimilarity);
    }

    private bool Taken(string subject)
    {
        foreach (var p in _people.Values)
        {
            if (p.Subject == subject)
            {
                return true;
            }
        }

        return false;
    }

    private void CheckTemplate(ReadOnlySpan<float> template)
    {
        if (template.Length != _dimensions)
        {
            throw new ArgumentException($"template of {template.Length} values; this registry holds {_dimensions}", nameof(template));
        }
    }

    private void Forget(TimeSpan now)
    {
        if (_options.ForgetAfter is not { } after)
        {
            return;
        }

        List<int>? gone = null;
        foreach (var person in _people.Values)
        {
            if (person.ActiveTracks == 0 && now - person.LastSeen > after)
            {
                (gone ??= []).Add(person.Id);
            }
        }

        foreach (var id in gone ?? [])
        {
            _people.Remove(id);
        }
    }

    private void EnsureRoom()
    {
        while (_people.Count >= _options.MaxPeople)
        {
            Person? oldest = null;
            foreach (var person in _people.Values)
            {
                if (person.ActiveTracks == 0 && (oldest is null || person.LastSeen < oldest.LastSeen))
                {
                    oldest = person;
                }
            }

            if (oldest is null)
            {
                return; // everyone is on screen: more people than the bound at once; keep them (tracks are bounded by the detector)
            }

            _people.Remove(oldest.Id);
        }
    }

    private sealed class Person(int id, float[] template, TimeSpan lastSeen)
    {
        public int Id { get; } = id;

        public float[] Template { get; } = template;

        public TimeSpan LastSeen { get; set; } = lastSeen;

        public int ActiveTracks { get; set; }

        /// <summary>Sum of the weights of released tracks blended into <see cref="Template"/> (0: only the live track's).</summary>
        public float Weight { get; set; }

        /// <summary>The enrolled subject this person was recognised as, or null.</summary>
        public string? Subject { get; set; }

        /// <summary>The similarity it was recognised at.</summary>
        public float? SubjectSimilarity { get; set; }
    }
}
