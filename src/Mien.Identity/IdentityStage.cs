using Mien.Identity.Liveness;
using Mien.Models;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Identity;

/// <summary>Options of <see cref="IdentityStage"/>.</summary>
public sealed record IdentityOptions
{
    /// <summary>
    /// Embedding model id (default <c>faceres</c>: EER 0.8 % vs 2.8 % on video faces and 2.9 % vs 17.5 % on CK+ against
    /// mobilefacenet, at 18 vs 7 ms per face, which the schedule below pays a few times a second; docs/identity.md).
    /// </summary>
    public string Model { get; init; } = EmbeddingModel.FaceRes.ModelId;

    /// <summary>Crop and pixel range (default: the model's measured defaults).</summary>
    public FaceEmbedderOptions Embedder { get; init; } = new();

    /// <summary>Quality gate limits.</summary>
    public FaceQualityOptions Quality { get; init; } = new();

    /// <summary>Linking threshold, people kept, forgetting.</summary>
    public PersonRegistryOptions Registry { get; init; } = new();

    /// <summary>Good faces a track needs before it is attached to a person (default 3).</summary>
    public int FacesToResolve { get; init; } = 3;

    /// <summary>
    /// Longest a track waits for <see cref="FacesToResolve"/> good faces (default 3 s); then it is resolved with what it
    /// has, or, with no good face at all, made a new person who cannot be linked until a good face is seen.
    /// </summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Descriptors kept per track (default 8, the best by quality).</summary>
    public int TemplateSize { get; init; } = 8;

    /// <summary>Once resolved, embed a track's face at most this often (default 0.5 s) to improve its template: identity does not change per frame.</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Require a live face before a person is named as an enrolled subject (default null: not required). With it, each
    /// track's own video is checked (<see cref="TrackLiveness"/>: the antispoof and liveness models over a window, and
    /// non-rigid motion or a blink); until that check passes, its person-link says "pending" and names nobody, and a
    /// track that fails is never named. Needs the models <c>antispoof</c> and <c>liveness</c>.
    /// </summary>
    public LiveLivenessOptions? Liveness { get; init; }

    /// <summary>Checks the values; the message names the option, its value and the limit.</summary>
    public void Validate()
    {
        _ = EmbeddingModel.ById(Model);
        Liveness?.Validate();
        Embedder.Validate();
        Quality.Validate();
        Registry.Validate();
        if (FacesToResolve is < 1 or > 64 || FacesToResolve > TemplateSize)
        {
            throw new ArgumentException($"{nameof(FacesToResolve)} = {FacesToResolve}: must be within 1..64 and at most {nameof(TemplateSize)} = {TemplateSize}.");
        }

        if (TemplateSize is < 1 or > 64)
        {
            throw new ArgumentException($"{nameof(TemplateSize)} = {TemplateSize}: must be within 1..64.");
        }

        if (MaxWait < TimeSpan.Zero || RefreshInterval < TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(MaxWait)} = {MaxWait} and {nameof(RefreshInterval)} = {RefreshInterval} must not be negative.");
        }
    }
}

/// <summary>
/// Identity within a stream: for every confirmed face, the quality gate, then (while its track is unresolved, and
/// every <see cref="IdentityOptions.RefreshInterval"/> after) an embedding into the track's bounded template; once a
/// track has enough good faces it is attached to a person through the <see cref="PersonRegistry"/>, and each decision
/// is kept as a <see cref="PersonLink"/> with its similarity. One per stream; not thread-safe.
/// </summary>
public sealed class IdentityStage : IDisposable
{
    private readonly IdentityOptions _options;
    private readonly FaceEmbedder _embedder;
    private readonly FaceQualityGate _gate;
    private readonly PersonRegistry _registry;
    private readonly Dictionary<int, TrackIdentity> _tracks = [];
    private readonly List<PersonLink> _links = [];
    private readonly float[] _descriptor;
    private readonly float[] _none;
    private readonly PresentationAttackDetector? _liveness;

    /// <summary>
    /// Creates the stage over the loaded embedding model named by <see cref="IdentityOptions.Model"/>, and, when
    /// <see cref="IdentityOptions.Liveness"/> is set, the presentation-attack detector the stage then owns.
    /// </summary>
    public IdentityStage(OnnxModel model, IdentityOptions? options = null, PresentationAttackDetector? liveness = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? new IdentityOptions();
        _options.Validate();
        if ((_options.Liveness is null) != (liveness is null))
        {
            throw new ArgumentException(_options.Liveness is null
                ? "a presentation-attack detector was given but IdentityOptions.Liveness is not set"
                : "IdentityOptions.Liveness is set: give the presentation-attack detector (models 'antispoof' and 'liveness')", nameof(liveness));
        }

        _liveness = liveness;
        _embedder = new FaceEmbedder(model, EmbeddingModel.ById(_options.Model), _options.Embedder);
        _gate = new FaceQualityGate(_options.Quality);
        _registry = new PersonRegistry(_embedder.Dimensions, _options.Registry);
        _descriptor = new float[_embedder.Dimensions];
        _none = new float[_embedder.Dimensions];
    }

    /// <summary>The registry (people kept, track → person).</summary>
    public PersonRegistry Registry => _registry;

    /// <summary>Tracks with identity state (on screen now).</summary>
    public int TracksKept => _tracks.Count;

    /// <summary>Faces embedded so far.</summary>
    public long Embedded { get; private set; }

    /// <summary>
    /// Observes track <paramref name="trackId"/>'s face (mesh in frame pixels) in BGR frame <paramref name="bgr"/> at
    /// <paramref name="now"/>, and returns its person id, or null while the track is not yet resolved. A face whose
    /// mouth, nose or eyes are <paramref name="covered"/> (mask, hand, sunglasses) is not described: it would describe the
    /// cover, so it neither enters the track's template nor links it.
    /// </summary>
    public int? Observe(int trackId, Mat bgr, ReadOnlySpan<Point3> mesh, float presence, HeadPose? pose, TimeSpan now, bool covered = false)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        if (!_tracks.TryGetValue(trackId, out var track))
        {
            track = new TrackIdentity(new TrackTemplate(_embedder.Dimensions, _options.TemplateSize), now, new TrackLiveness(_options.Liveness ?? new LiveLivenessOptions()));
            _tracks[trackId] = track;
        }

        var person = _registry.PersonOf(trackId);
        var due = person is null || track.LastEmbedded is not { } last || now - last >= _options.RefreshInterval || now < last;
        if (due)
        {
            var quality = covered ? new FaceQuality(0, QualityRejection.Occlusion) : _gate.Assess(pose, mesh, presence, bgr.Width, bgr.Height);
            if (quality.Accepted)
            {
                quality = _gate.WithSharpness(quality, _embedder.Prepare(bgr, mesh));
            }

            if (quality.Accepted)
            {
                _embedder.Embed(_descriptor);
                Embedded++;
                track.LastEmbedded = now;
                if (track.Template.Add(_descriptor, quality.Score) && person is not null)
                {
                    _registry.Refresh(trackId, track.Template.Mean(), now);
                }
            }
        }

        if (_liveness is not null && !covered && track.Liveness.Due(now))
        {
            // The track's own video, sampled until the window is covered; the decision is made once.
            if (track.Liveness.Add(now, _liveness.Score(bgr, mesh), mesh) is { } decision && track.Link is { } resolved)
            {
                _links.Add(Decided(trackId, resolved, decision, track));
            }
        }

        if (person is null && (track.Template.Count >= _options.FacesToResolve || now - track.Started >= _options.MaxWait))
        {
            var template = track.Template.Count > 0 ? track.Template.Mean() : _none;
            var link = _registry.Resolve(trackId, template, now, recognise: _liveness is null);
            if (_liveness is not null)
            {
                track.Link = link;
                link = track.Liveness.Decision is { } early ? Decided(trackId, link, early, track) : link with { Liveness = LivenessState.Pending };
            }

            _links.Add(link);
            person = link.PersonId;
        }

        return person;
    }

    /// <summary>
    /// The track's link again with its liveness decision; a passed track is now compared with the enrolled subjects
    /// (its current template), a failed one never is.
    /// </summary>
    private PersonLink Decided(int trackId, PersonLink link, LivenessDecision decision, TrackIdentity track)
    {
        var (subject, similarity) = decision.State == LivenessState.Passed && track.Template.Count > 0
            ? _registry.Recognise(trackId, track.Template.Mean())
            : (null, null);
        return link with { Liveness = decision.State, LivenessDecision = decision, Subject = subject, SubjectSimilarity = similarity };
    }

    /// <summary>Track <paramref name="trackId"/> ended at <paramref name="now"/>: its template goes to its person, its own state is dropped.</summary>
    public void TrackEnded(int trackId, TimeSpan now)
    {
        if (!_tracks.Remove(trackId, out var track))
        {
            return;
        }

        _registry.Release(trackId, track.Template.Mean(), track.Template.TotalQuality, now);
    }

    /// <summary>Person decisions since the last call, in order.</summary>
    public IReadOnlyList<PersonLink> DrainLinks()
    {
        var links = _links.ToArray();
        _links.Clear();
        return links;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _embedder.Dispose();
        _liveness?.Dispose();
    }

    private sealed class TrackIdentity(TrackTemplate template, TimeSpan started, TrackLiveness liveness)
    {
        /// <summary>The track's liveness check (sampled only when the stage requires liveness).</summary>
        public TrackLiveness Liveness { get; } = liveness;

        /// <summary>The track's first link (kept to emit it again with the liveness decision).</summary>
        public PersonLink? Link { get; set; }

        public TrackTemplate Template { get; } = template;

        public TimeSpan Started { get; } = started;

        public TimeSpan? LastEmbedded { get; set; }
    }
}
