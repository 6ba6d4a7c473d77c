using Mien.Media.Samples;
using Mien.Testing;
using OpenCvSharp;

namespace Mien.Pipeline.Tests;

/// <summary>A live stream's per-person state is bounded: people who left are forgotten after a while.</summary>
[Collection(RealModelsCollection.Name)]
public sealed class PersonRetentionTests(RealModels models)
{
    [Fact]
    public async Task A_person_who_left_longer_ago_than_the_retention_is_forgotten_and_returns_with_a_new_id()
    {
        var franck = (await SampleMedia.FaceVideosAsync(models.Packages))[0];
        var faces = new List<Mat>();
        using (var capture = new VideoCapture(franck))
        {
            for (var i = 0; i < 20; i++)
            {
                var frame = new Mat();
                Assert.True(capture.Read(frame));
                faces.Add(frame);
            }
        }

        var options = new PipelineOptions { ForgetPeopleAfter = TimeSpan.FromSeconds(5), Body = false, Skin = false };
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store, options);
        using var empty = new Mat(faces[0].Size(), MatType.CV_8UC3, Scalar.Black);
        long index = 0;
        var t = TimeSpan.Zero;
        var step = TimeSpan.FromSeconds(1 / 25.0);
        var ids = new List<int>();
        foreach (var face in faces)
        {
            ids.AddRange(pipeline.Analyze(face, index++, t += step).Faces.Select(f => f.TrackId));
        }

        Assert.Equal(1, pipeline.PeopleKept);
        for (var i = 0; i < 25 * 8; i++)
        {
            Assert.Empty(pipeline.Analyze(empty, index++, t += step).Faces);
        }

        Assert.Equal(0, pipeline.PeopleKept);
        foreach (var face in faces)
        {
            ids.AddRange(pipeline.Analyze(face, index++, t += step).Faces.Select(f => f.TrackId));
        }

        Assert.Equal([1, 2], ids.Distinct().Order());
        foreach (var face in faces)
        {
            face.Dispose();
        }
    }

    [Fact]
    public void Retention_shorter_than_the_tracker_revival_window_is_refused_with_the_option_named()
    {
        var error = Assert.Throws<ArgumentException>(() => new PipelineOptions { ForgetPeopleAfter = TimeSpan.FromSeconds(1) }.Validate());
        Assert.Contains("ForgetPeopleAfter", error.Message, StringComparison.Ordinal);
    }
}
