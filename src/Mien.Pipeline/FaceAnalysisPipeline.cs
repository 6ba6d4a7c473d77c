using Mien.Affect;
using Mien.Body;
using Mien.Expressions;
using Mien.Faces.Detection;
using Mien.Faces.Mesh;
using Mien.Faces.Occlusion;
using Mien.Faces.Tracking;
using Mien.Identity;
using Mien.Media;
using Mien.Models;
using Mien.Physiology;
using Mien.Physiology.Pulse;
using Mien.Results;
using Mien.Skin;

namespace Mien.Pipeline;

/// <summary>
/// Turns frames into <see cref="FrameAnalysis"/> results: tracked faces are followed by their previous
/// mesh (MediaPipe-style: the mesh gives the next frame's region), the detector runs only every few
/// frames or when a face is lost, and each confirmed face gets iris, head pose, gaze, eye state, mouth
/// opening and an expression estimate; optionally action units, the temporal expression model with valence and
/// arousal and expression segments, a body pose with body-language cues, and skin measurements. Per-track state lives here, keyed by track id, and is released when
/// the tracker ends the track. Synchronous and single-threaded: one pipeline per stream.
/// </summary>
public sealed class FaceAnalysisPipeline : IDisposable
{
    private readonly PipelineOptions _options;
    private readonly List<OnnxModel> _models = [];
    private readonly BlazeFaceDetector _detector;
    private readonly FaceMeshEstimator _mesh;
    private readonly IExpressionClassifier? _expression;
    private readonly MoveNetPoseEstimator? _body;
    private readonly SkinAnalyzer? _skin;
    private readonly OcclusionEstimator? _occlusion;
    private IdentityStage? _identity;
    private readonly OnnxModel? _identityModel;
    private readonly (OnnxModel Antispoof, OnnxModel Liveness)? _livenessModels;
    private readonly Dictionary<int, PersonState> _people = [];
    private readonly List<TrackSegment> _segments = [];
    private FaceTracker _tracker;
    private readonly Dictionary<int, TrackState> _states = [];
    private readonly List<TrackEvent> _events = [];

    // People are numbered when confirmed, so a rejected false start never consumes an id; the mapping
    // outlives a track so a person the tracker revives keeps their number.
    private readonly Dictionary<int, int> _publicIds = [];
    private int _nextPublicId = 1;
    private readonly StageClock _clock = new();
    private TimeSpan? _lastFrame;

    // People whose track ended, by public id: when, and under which tracker id. Live streams forget them after
    // PipelineOptions.ForgetPeopleAfter, so per-person state stays bounded however long the stream runs.
    private readonly Dictionary<int, (int TrackerId, TimeSpan EndedAt)> _ended = [];

    private FaceAnalysisPipeline(PipelineOptions options, Func<string, OnnxModel> model, bool ownsModels)
    {
        _options = options;
        OnnxModel Load(string id)
        {
            var loaded = model(id);
            if (ownsModels)
            {
                _models.Add(loaded);
            }

            return loaded;
        }

        try
        {
            _detector = new BlazeFaceDetector(Load(BlazeFaceDetector.ModelId(options.Detector.Variant)), options.Detector);
            _mesh = new FaceMeshEstimator(Load(FaceMeshEstimator.MeshModelId), options.Mesh.Iris ? Load(FaceMeshEstimator.IrisModelId) : null, options.Mesh);
            // A plugged-in expression model is not in any shared ModelSet: this pipeline loads and owns it.
            var plugged = options.Expressions && options.ExpressionModel is { } declared ? OnnxModel.Load(declared, options.Inference) : null;
            if (plugged is not null)
            {
                _models.Add(plugged);
            }

            _expression = !options.Expressions ? null
                : options.ExpressionClassifier is { } custom ? custom.Create()
                : options.ExpressionEnsemble is { } ensemble ? ExpressionEnsemble.Create(ensemble, Load, options.Inference, _models, options.Expression.CropScale)
                : new EmotionClassifier(plugged ?? Load(EmotionClassifier.ModelId), options.Expression);
            _body = options.Body ? new MoveNetPoseEstimator(Load(MoveNetPoseEstimator.ModelId), options.BodyPose) : null;
            _skin = options.Skin ? new SkinAnalyzer(options.SkinAnalysis) : null;
            _occlusion = options.Occlusion is { } occlusion ? new OcclusionEstimator(occlusion) : null;
            _identityModel = options.Identity is not null && !options.Stills ? Load(options.Identity.Model) : null;
            _livenessModels = options.Identity is { Liveness: not null } && !options.Stills
                ? (Load(Mien.Identity.Liveness.PresentationAttackDetector.AntispoofModelId), Load(Mien.Identity.Liveness.PresentationAttackDetector.LivenessModelId))
                : null;
            _identity = CreateIdentity();
            _tracker = new FaceTracker(options.Tracker);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Creates a pipeline, fetching and importing the models it needs through <paramref name="store"/> if they are not cached.</summary>
    public static async Task<FaceAnalysisPipeline> CreateAsync(ModelStore store, PipelineOptions? options = null, IProgress<Packages.DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= new PipelineOptions();
        options.Validate();

        var artifacts = new Dictionary<string, ModelArtifact>(StringComparer.Ordinal);
        foreach (var id in options.ModelIds)
        {
            artifacts[id] = await store.EnsureAsync(id, progress, cancellationToken).ConfigureAwait(false);
        }

        return new FaceAnalysisPipeline(options, id => OnnxModel.Load(artifacts[id], options.Inference), ownsModels: true);
    }

    /// <summary>
    /// Creates a pipeline over the process-wide <paramref name="models"/>: ONNX sessions are shared with every other
    /// stream (loaded once per process), while this pipeline's runners, buffers and per-person state are its own.
    /// </summary>
    public static async Task<FaceAnalysisPipeline> CreateAsync(ModelSet models, PipelineOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(models);
        options ??= new PipelineOptions();
        options.Validate();
        var loaded = new Dictionary<string, OnnxModel>(StringComparer.Ordinal);
        foreach (var id in options.ModelIds)
        {
            loaded[id] = await models.GetAsync(id, options.Inference, cancellationToken).ConfigureAwait(false);
        }

        return new FaceAnalysisPipeline(options, id => loaded[id], ownsModels: false);
    }

    /// <summary>Per-stage latency so far.</summary>
    public IReadOnlyList<StageTiming> Timings => _clock.Summarise();

    /// <summary>Analyses one frame. The frame's pixels are only read; the result holds no reference to them.</summary>
    public FrameAnalysis Analyze(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return Analyze(frame.Image, frame.Index, frame.Timestamp);
    }

    /// <summary>Analyses one BGR image as frame <paramref name="index"/> at <paramref name="now"/> (timestamps must increase).</summary>
    public FrameAnalysis Analyze(OpenCvSharp.Mat image, long index, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (_options.Stills)
        {
            ForgetPreviousStill();
        }

        var total = _clock.Start();

        // 1. Follow tracked faces with the mesh, from the region the previous mesh gave.
        foreach (var track in _tracker.Active)
        {
            var state = _states[track.Id];
            var t = _clock.Start();
            var mesh = _mesh.Estimate(image, state.NextRoi);
            _clock.Stop("mesh+iris", t);
            if (mesh is null)
            {
                FaceTracker.Miss(track);
                state.Confirmations = 0;
                continue;
            }

            _tracker.Observe(track, BoundsOf(mesh.Points), now);
            state.Accept(mesh, now);
            Confirm(state, mesh.Presence);
        }

        // 2. Detect when due (periodically, or a face was lost, or nobody is tracked).
        if (_tracker.ShouldDetect(index))
        {
            var t = _clock.Start();
            var detections = _detector.Detect(image);
            _clock.Stop("detect", t);
            var byBox = detections.ToDictionary(d => d.Box);
            foreach (var (box, existing) in _tracker.Assign([.. detections.Select(d => d.Box)], now))
            {
                var tm = _clock.Start();
                var mesh = _mesh.Estimate(image, FaceRoi.FromDetection(byBox[box]));
                _clock.Stop("mesh+iris", tm);
                if (mesh is null || (existing is null && mesh.Presence < _options.MinStartPresence))
                {
                    continue;
                }

                var track = existing ?? _tracker.Start(BoundsOf(mesh.Points), now);
                if (track is null)
                {
                    continue;
                }

                if (existing is not null)
                {
                    _tracker.Observe(existing, BoundsOf(mesh.Points), now);
                }

                if (!_states.TryGetValue(track.Id, out var state))
                {
                    state = new TrackState();
                    _states[track.Id] = state;
                }

                state.Accept(mesh, now);
                Confirm(state, mesh.Presence);
            }
        }

        foreach (var e in _tracker.EndFrame(now))
        {
            Route(e);
        }

        // 3. Measure every face confirmed in this frame; note where the others are (anonymisation hides them too).
        var faces = new List<FaceObservation>(_tracker.Active.Count);
        List<FaceBox>? unconfirmed = null;
        foreach (var track in _tracker.Active)
        {
            // Also while the new face is briefly missed (its track lives on): a face the mesh lost for a frame is
            // still a face, exactly as the anonymiser treats confirmed people.
            if (_states.TryGetValue(track.Id, out var pending) && !pending.Confirmed)
            {
                (unconfirmed ??= []).Add(track.Box);
            }
        }

        foreach (var track in _tracker.Active)
        {
            if (track.LastSeen != now || !_states.TryGetValue(track.Id, out var state) || state.Mesh is null || !state.Confirmed)
            {
                continue;
            }

            var tg = _clock.Start();
            var m = state.Measure(now);
            _clock.Stop("geometry", tg);

            // Occlusion first: estimates whose regions are covered are withheld ("insufficient") rather than guessed.
            FaceOcclusion? occlusion = null;
            if (_occlusion is not null)
            {
                var to = _clock.Start();
                occlusion = _occlusion.Estimate(image, state.Smoothed);
                _clock.Stop("occlusion", to);
            }

            var covered = occlusion?.Any == true;
            List<string>? withheld = null;
            ExpressionEstimate? expression = null;
            if (_expression is not null && covered)
            {
                (withheld ??= []).Add("expression");
            }
            else if (_expression is not null)
            {
                var te = _clock.Start();
                expression = _expression.ClassifyAligned(image, FaceRoi.FromMesh(state.Mesh.Points, _options.ExpressionCropScale), track.Id, state.Mesh.Points);
                _clock.Stop("expression", te);
            }

            var id = PublicId(track.Id);
            _ended.Remove(id);
            var person = Person(id);
            int? personId = null;
            if (_identity is not null)
            {
                var ti = _clock.Start();
                personId = _identity.Observe(id, image, state.Mesh.Points, state.Mesh.Presence, m.Pose, now, covered);
                if (covered)
                {
                    (withheld ??= []).Add("identity");
                }

                foreach (var link in _identity.DrainLinks())
                {
                    _events.Add(new TrackEvent(TrackEventKind.PersonLinked, link.TrackId, now)
                    {
                        Link = new PersonLinkInfo(link.PersonId, link.Linked, link.Similarity, link.CandidatePerson, link.Threshold)
                        {
                            Subject = link.Subject,
                            SubjectSimilarity = link.SubjectSimilarity,
                            Liveness = link.Liveness is { } livenessState ? livenessState.ToString().ToLowerInvariant() : null,
                            LivenessReason = link.LivenessDecision?.Reason,
                        },
                    });
                }

                _clock.Stop("identity", ti);
            }

            AffectFrame? affect = null;
            if (person.Affect is { } trackAffect)
            {
                var ta = _clock.Start();
                affect = _options.Stills
                    ? TrackAffect.Still(state.Smoothed, m.Pose, expression, state.Mesh.Presence, state.Mesh.Presence)
                    : trackAffect.Update(now, state.Smoothed, m.Pose, m.Eyes?.Openness, m.Mouth, expression, state.Mesh.Presence, state.Mesh.Presence);
                foreach (var segment in trackAffect.DrainSegments())
                {
                    _segments.Add(new TrackSegment(id, segment));
                }

                _clock.Stop("affect", ta);
            }

            BodyPose? bodyPose = null;
            BodyCues? bodyCues = null;
            if (_body is not null && person.BodySchedule!.ShouldEstimate(track.Box))
            {
                var tb = _clock.Start();
                bodyPose = _body.Estimate(image, track.Box, id);
                if (bodyPose is not null)
                {
                    // Cues from fresh poses only: a held pose would make the body look as still as the gap is long.
                    person.BodySchedule.Record(bodyPose);
                    bodyCues = person.Body!.Update(now, bodyPose, track.Box);
                }

                _clock.Stop("body", tb);
            }
            else if (_body is not null)
            {
                // Advances the schedule's frame count; the held pose itself is not reported (it is not a measurement).
                _ = person.BodySchedule!.Hold(track.Box);
            }

            SkinFrame? skin = null;
            if (_skin is not null && occlusion?.MouthNoseCovered == true)
            {
                // Skin regions are cheeks, nose, chin and forehead: with the lower face covered there is too little left.
                (withheld ??= []).Add("skin");
            }
            else if (_skin is not null && PersonState.Due(person.LastSkin, now, _options.SkinInterval))
            {
                var ts = _clock.Start();
                person.LastSkin = now;
                // The smoothed mesh, like the reported landmarks, so overlays drawn from them show exactly the measured regions.
                skin = _skin.Analyze(image, state.Smoothed, m.Pose);
                person.Skin!.Add(now, skin);
                _clock.Stop("skin", ts);
            }

            PhysiologyFrame? physiology = null;
            if (person.Physiology is { } physiologyState)
            {
                var tp = _clock.Start();
                // Eyes behind dark lenses read as half shut in the mesh: the driver profile gets no eye reading then, so
                // PERCLOS and blinks are withheld instead of under-counted.
                var eyes = occlusion?.EyesCovered == true ? null : m.Eyes;
                physiology = physiologyState.Update(now, Pixels(image), state.Smoothed, m.Pose, m.Gaze, eyes, m.Mouth);
                _clock.Stop("physiology", tp);
            }

            faces.Add(new FaceObservation(
                id, track.Box, state.Mesh.Presence, state.Mesh.Presence,
                m.Pose, m.Gaze, m.Eyes, m.Mouth, expression,
                _options.KeepLandmarks ? state.SmoothedPoints() : null)
            {
                Affect = affect,
                BodyPose = bodyPose,
                Body = bodyCues,
                Skin = skin,
                Physiology = physiology,
                Person = personId,
                Occlusion = occlusion is null || withheld is null ? occlusion : occlusion with { Withheld = withheld },
            });
        }

        Forget(now);
        _clock.Stop("frame", total);
        _lastFrame = now;
        return new FrameAnalysis(index, now, faces) { Unconfirmed = unconfirmed ?? [] };
    }

    /// <summary>
    /// Counts confident sightings of a new track; once it has <see cref="PipelineOptions.ConfirmFrames"/> in a
    /// row it is a person, and its held-back start event is released. A miss or a weak mesh starts over.
    /// </summary>
    private void Confirm(TrackState state, float presence)
    {
        if (state.Confirmed)
        {
            return;
        }

        state.Confirmations = presence >= _options.MinStartPresence ? state.Confirmations + 1 : 0;
        if (state.Confirmations >= (_options.Stills ? 1 : _options.ConfirmFrames))
        {
            state.Confirmed = true;
            if (state.PendingStart is { } start)
            {
                _events.Add(Public(start));
                state.PendingStart = null;
            }
        }
    }

    /// <summary>Passes tracker events on, except for tracks never confirmed (their start was never reported).</summary>
    private void Route(TrackEvent e)
    {
        if (e.Kind == TrackEventKind.Started)
        {
            if (_states.TryGetValue(e.TrackId, out var state) && !state.Confirmed)
            {
                state.PendingStart = e;
            }
            else
            {
                _events.Add(Public(e));
            }

            return;
        }

        var confirmed = _states.TryGetValue(e.TrackId, out var ended) && ended.Confirmed;
        _states.Remove(e.TrackId);
        if (confirmed)
        {
            var end = Public(e);
            _events.Add(end);
            Close(end.TrackId, end.Timestamp);
            _identity?.TrackEnded(end.TrackId, end.Timestamp);
            _ended[end.TrackId] = (e.TrackId, end.Timestamp);
        }
    }

    private PersonState Person(int publicId)
    {
        if (!_people.TryGetValue(publicId, out var person))
        {
            person = new PersonState(
                _options.Affect is { } affect ? new TrackAffect(affect) : null,
                _body is not null ? new BodyLanguageAnalyzer(_options.BodyLanguage) : null,
                _body is not null ? new BodyPoseSchedule(_options.BodyEveryFrames) : null,
                _skin is not null ? new SkinAggregator() : null,
                _options.Physiology is { } physiology ? new PersonPhysiology(physiology) : null);
            _people[publicId] = person;
        }

        return person;
    }

    /// <summary>Closes the open expression segment of a person whose track ended.</summary>
    private void Close(int publicId, TimeSpan at)
    {
        if (_people.TryGetValue(publicId, out var person) && person.Affect is { } affect)
        {
            affect.Complete(at);
            foreach (var segment in affect.DrainSegments())
            {
                _segments.Add(new TrackSegment(publicId, segment));
            }
        }
    }

    /// <summary>Drops everything kept about people who left longer ago than <see cref="PipelineOptions.ForgetPeopleAfter"/>.</summary>
    private void Forget(TimeSpan now)
    {
        if (_options.ForgetPeopleAfter is not { } after || _ended.Count == 0)
        {
            return;
        }

        List<int>? gone = null;
        foreach (var (id, (_, endedAt)) in _ended)
        {
            if (now - endedAt > after)
            {
                (gone ??= []).Add(id);
            }
        }

        foreach (var id in gone ?? [])
        {
            _people.Remove(id);
            _publicIds.Remove(_ended[id].TrackerId);
            _ended.Remove(id);
        }
    }

    /// <summary>People the pipeline keeps state for (tracked now, or left recently enough to be revived with their baselines).</summary>
    public int PeopleKept => _people.Count;

    /// <summary>Expression segments closed since the last call (a segment closes when the expression changes or the track ends).</summary>
    public IReadOnlyList<TrackSegment> DrainSegments()
    {
        var segments = _segments.ToArray();
        _segments.Clear();
        return segments;
    }

    /// <summary>Each person's skin over the stream so far (empty when skin analysis is off).</summary>
    public IReadOnlyDictionary<int, SkinSummary> SkinSummaries()
    {
        var result = new SortedDictionary<int, SkinSummary>();
        foreach (var (id, person) in _people)
        {
            if (person.Skin is { } skin)
            {
                result[id] = skin.Summarise();
            }
        }

        return result;
    }

    private int PublicId(int trackerId)
    {
        if (!_publicIds.TryGetValue(trackerId, out var id))
        {
            id = _nextPublicId++;
            _publicIds[trackerId] = id;
        }

        return id;
    }

    private TrackEvent Public(TrackEvent e) => e with { TrackId = PublicId(e.TrackId) };

    /// <summary>Track start/end events since the last call, in order.</summary>
    public IReadOnlyList<TrackEvent> DrainEvents()
    {
        var events = _events.ToArray();
        _events.Clear();
        return events;
    }

    /// <summary>Ends every track (end of stream); the events are then available from <see cref="DrainEvents"/>.</summary>
    public void Complete(TimeSpan now)
    {
        foreach (var e in _tracker.EndAll(now))
        {
            Route(e);
        }

        _states.Clear();
    }

    /// <summary>
    /// Before a new still (<see cref="PipelineOptions.Stills"/>): ends the previous image's tracks (their events are
    /// reported at that image's time) and forgets everything learnt about its people. Public ids keep counting, so
    /// every face of a run has its own id.
    /// </summary>
    private void ForgetPreviousStill()
    {
        if (_lastFrame is { } previous && _tracker.Active.Count > 0)
        {
            foreach (var e in _tracker.EndAll(previous))
            {
                Route(e);
            }
        }

        _states.Clear();
        _people.Clear();
        _publicIds.Clear(); // the new tracker numbers from 1 again; public ids go on counting
        _tracker = new FaceTracker(_options.Tracker);
    }

    /// <summary>Forgets every face (e.g. between unrelated still images), keeping models and timings.</summary>
    public void Reset()
    {
        Complete(TimeSpan.Zero);
        _events.Clear();
        _segments.Clear();
        _people.Clear();
        _publicIds.Clear();
        _ended.Clear();
        _nextPublicId = 1;
        _identity?.Dispose();
        _identity = CreateIdentity();
        _tracker = new FaceTracker(_options.Tracker);
    }

    /// <summary>
    /// The identity stage over the loaded embedding model; a live stream's people are forgotten after
    /// <see cref="PipelineOptions.ForgetPeopleAfter"/> unless identity sets its own bound.
    /// </summary>
    private IdentityStage? CreateIdentity()
    {
        if (_identityModel is null || _options.Identity is not { } identity)
        {
            return null;
        }

        if (identity.Registry.ForgetAfter is null && _options.ForgetPeopleAfter is { } forget)
        {
            identity = identity with { Registry = identity.Registry with { ForgetAfter = forget } };
        }

        // Each stage owns its detector (buffers per stream); the models are shared.
        var liveness = identity.Liveness is { } live && _livenessModels is { } models
            ? new Mien.Identity.Liveness.PresentationAttackDetector(models.Antispoof, models.Liveness, live.Models)
            : null;
        return new IdentityStage(_identityModel, identity, liveness);
    }

    /// <summary>A borrowed view of a BGR frame's bytes for the physiology measurements (valid while <paramref name="image"/> is).</summary>
    private static unsafe BgrImage Pixels(OpenCvSharp.Mat image)
    {
        if (image.Type() != OpenCvSharp.MatType.CV_8UC3 || image.Empty())
        {
            throw new ArgumentException($"frames must be 8-bit BGR (CV_8UC3); got {image.Type()} {image.Width}×{image.Height}", nameof(image));
        }

        var stride = (int)image.Step();
        return new BgrImage(new ReadOnlySpan<byte>((void*)image.Data, (stride * (image.Rows - 1)) + (image.Cols * 3)), image.Cols, image.Rows, stride);
    }

    private static FaceBox BoundsOf(Point3[] points)
    {
        float minX = float.MaxValue, minY = float.MaxValue, maxX = float.MinValue, maxY = float.MinValue;
        for (var i = 0; i < Math.Min(points.Length, 468); i++)
        {
            minX = Math.Min(minX, points[i].X);
            maxX = Math.Max(maxX, points[i].X);
            minY = Math.Min(minY, points[i].Y);
            maxY = Math.Max(maxY, points[i].Y);
        }

        return new FaceBox(minX, minY, maxX - minX, maxY - minY);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _detector?.Dispose();
        _mesh?.Dispose();
        _expression?.Dispose();
        _body?.Dispose();
        _skin?.Dispose();
        _occlusion?.Dispose();
        _identity?.Dispose();
        foreach (var m in _models)
        {
            m.Dispose();
        }
    }
}
