using Mien.Expressions;
using Mien.Faces.Detection;
using Mien.Faces.Mesh;
using Mien.Faces.Tracking;
using Mien.Media;
using Mien.Models;
using Mien.Results;

namespace Mien.Pipeline;

/// <summary>
/// Turns frames into <see cref="FrameAnalysis"/> results: tracked faces are followed by their previous
/// mesh (MediaPipe-style: the mesh gives the next frame's region), the detector runs only every few
/// frames or when a face is lost, and each confirmed face gets iris, head pose, gaze, eye state, mouth
/// opening and an expression estimate. Per-track state lives here, keyed by track id, and is released when
/// the tracker ends the track. Synchronous and single-threaded: one pipeline per stream.
/// </summary>
public sealed class FaceAnalysisPipeline : IDisposable
{
    private readonly PipelineOptions _options;
    private readonly List<OnnxModel> _models = [];
    private readonly BlazeFaceDetector _detector;
    private readonly FaceMeshEstimator _mesh;
    private readonly EmotionClassifier? _expression;
    private readonly FaceTracker _tracker;
    private readonly Dictionary<int, TrackState> _states = [];
    private readonly List<TrackEvent> _events = [];
    private readonly StageClock _clock = new();

    private FaceAnalysisPipeline(PipelineOptions options, IReadOnlyDictionary<string, ModelArtifact> artifacts)
    {
        _options = options;
        OnnxModel Load(string id)
        {
            var model = OnnxModel.Load(artifacts[id], options.Inference);
            _models.Add(model);
            return model;
        }

        try
        {
            _detector = new BlazeFaceDetector(Load(BlazeFaceDetector.ModelId(options.Detector.Variant)), options.Detector);
            _mesh = new FaceMeshEstimator(Load(FaceMeshEstimator.MeshModelId), options.Mesh.Iris ? Load(FaceMeshEstimator.IrisModelId) : null, options.Mesh);
            _expression = options.Expressions ? new EmotionClassifier(Load(EmotionClassifier.ModelId), options.Expression) : null;
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
        options.Detector.Validate();
        options.Tracker.Validate();
        options.Inference.Validate();
        if (options.ExpressionCropScale is <= 0 or > 4)
        {
            throw new ArgumentException($"{nameof(PipelineOptions.ExpressionCropScale)} = {options.ExpressionCropScale}: must be within (0, 4].");
        }

        var artifacts = new Dictionary<string, ModelArtifact>(StringComparer.Ordinal);
        foreach (var id in options.ModelIds)
        {
            artifacts[id] = await store.EnsureAsync(id, progress, cancellationToken).ConfigureAwait(false);
        }

        return new FaceAnalysisPipeline(options, artifacts);
    }

    /// <summary>Per-stage latency so far.</summary>
    public IReadOnlyList<StageTiming> Timings => _clock.Summarise();

    /// <summary>Analyses one frame. The frame's pixels are only read; the result holds no reference to them.</summary>
    public FrameAnalysis Analyze(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var image = frame.Image;
        var now = frame.Timestamp;
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
                continue;
            }

            _tracker.Observe(track, BoundsOf(mesh.Points), now);
            state.Accept(mesh, now);
        }

        // 2. Detect when due (periodically, or a face was lost, or nobody is tracked).
        if (_tracker.ShouldDetect(frame.Index))
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
                if (mesh is null)
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
            }
        }

        foreach (var e in _tracker.EndFrame(now))
        {
            _events.Add(e);
            if (e.Kind == TrackEventKind.Ended)
            {
                _states.Remove(e.TrackId);
            }
        }

        // 3. Measure every face confirmed in this frame.
        var faces = new List<FaceObservation>(_tracker.Active.Count);
        foreach (var track in _tracker.Active)
        {
            if (track.LastSeen != now || !_states.TryGetValue(track.Id, out var state) || state.Mesh is null)
            {
                continue;
            }

            var tg = _clock.Start();
            var m = state.Measure(now);
            _clock.Stop("geometry", tg);
            ExpressionEstimate? expression = null;
            if (_expression is not null)
            {
                var te = _clock.Start();
                expression = _expression.ClassifyAligned(image, FaceRoi.FromMesh(state.Mesh.Points, _options.ExpressionCropScale));
                _clock.Stop("expression", te);
            }

            faces.Add(new FaceObservation(
                track.Id, track.Box, state.Mesh.Presence, state.Mesh.Presence,
                m.Pose, m.Gaze, m.Eyes, m.Mouth, expression,
                _options.KeepLandmarks ? state.SmoothedPoints() : null));
        }

        _clock.Stop("frame", total);
        return new FrameAnalysis(frame.Index, now, faces);
    }

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
        _events.AddRange(_tracker.EndAll(now));
        _states.Clear();
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
        foreach (var m in _models)
        {
            m.Dispose();
        }
    }
}
