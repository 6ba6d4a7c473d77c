using Mien.Media;
using Mien.Pipeline;
using Mien.Results;
using Mien.Testing;
using OpenCvSharp;

namespace Mien.Body.Tests;

/// <summary>One <see cref="RealBodies"/> for all test classes (the models and the video's poses are made once).</summary>
[CollectionDefinition(Name)]
public sealed class RealBodiesCollection : ICollectionFixture<RealBodies>
{
    public const string Name = "real bodies";
}

/// <summary>A real face found by the face pipeline in a real image, and the image.</summary>
public sealed record PhotoFace(string Image, FaceBox Box, int TrackId);

/// <summary>One frame of a real video: time, face box and MoveNet's pose for that face.</summary>
public sealed record VideoPose(TimeSpan Time, FaceBox Face, BodyPose Pose);

/// <summary>
/// Shared, expensive set-up: the real models, the face pipeline, MoveNet, the group photos with their faces
/// found by the product's own pipeline, and poses along the first seconds of a real video.
/// </summary>
public sealed class RealBodies : IAsyncLifetime, IDisposable
{
    /// <summary>Seconds of <c>single_face.mp4</c> turned into poses.</summary>
    public const double VideoSeconds = 8;

    private readonly RealModels _models = new();
    private readonly Dictionary<string, Mat> _images = new(StringComparer.Ordinal);
    private Models.OnnxModel? _movenet;

    public MoveNetPoseEstimator Estimator { get; private set; } = null!;

    public FaceAnalysisPipeline Pipeline { get; private set; } = null!;

    public IReadOnlyList<PhotoFace> Faces { get; private set; } = [];

    /// <summary>Poses along <c>videos/single_face.mp4</c> (a person talking at a desk, shoulders in view), or empty without shared data.</summary>
    public IReadOnlyList<VideoPose> Video { get; private set; } = [];

    public Mat Image(string name) => _images[name];

    public async Task InitializeAsync()
    {
        await _models.InitializeAsync();
        _movenet = _models.Load(MoveNetPoseEstimator.ModelId);
        Estimator = new MoveNetPoseEstimator(_movenet);
        Pipeline = await FaceAnalysisPipeline.CreateAsync(_models.Store, new PipelineOptions { ConfirmFrames = 1, Expressions = false });
        var faces = new List<PhotoFace>();
        var paths = new List<string>(_models.GroupPhotos) { await BodySamples.FetchAsync(_models.Packages, BodySamples.Collage) };
        foreach (var path in paths)
        {
            var name = Path.GetFileName(path);
            var image = StillImage.Load(path);
            _images[name] = image;
            Pipeline.Reset();
            foreach (var f in Pipeline.Analyze(image, 0, TimeSpan.Zero).Faces)
            {
                faces.Add(new PhotoFace(name, f.Box, f.TrackId));
            }
        }

        Faces = faces;
        Video = await PosesAlongAsync("videos/single_face.mp4");
    }

    private async Task<IReadOnlyList<VideoPose>> PosesAlongAsync(string relative)
    {
        var path = SharedData.Find(relative);
        if (path is null)
        {
            return [];
        }

        var poses = new List<VideoPose>();
        Pipeline.Reset();
        await using var source = MediaSource.Open(path);
        await foreach (var frame in source.ReadAsync())
        {
            using (frame)
            {
                if (frame.Timestamp.TotalSeconds > VideoSeconds)
                {
                    break;
                }

                var analysis = Pipeline.Analyze(frame);
                if (analysis.Faces.Count > 0)
                {
                    var face = analysis.Faces[0].Box;
                    poses.Add(new VideoPose(frame.Timestamp, face, Estimator.Estimate(frame.Image, face, analysis.Faces[0].TrackId)!));
                }
            }
        }

        return poses;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        Estimator?.Dispose();
        Pipeline?.Dispose();
        _movenet?.Dispose();
        foreach (var image in _images.Values)
        {
            image.Dispose();
        }

        _models.Dispose();
    }
}
