using Mien.Media;
using Mien.Results;
using Mien.Testing;

namespace Mien.Pipeline.Tests;

/// <summary>
/// Issue 18 item 3: a face must be hideable from the first frame it is seen in, not from when the tracker confirms it
/// as a person three frames later (before, the first frames of every appearance were written unblurred).
/// </summary>
[Collection(RealModelsCollection.Name)]
public sealed class AnonymisationTests(RealModels models)
{
    [SharedDataFact("videos/noface_face.mov")]
    public async Task A_face_entering_the_picture_is_reported_for_hiding_from_its_first_frame()
    {
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store, new PipelineOptions { Body = false, Skin = false, Physiology = null });
        await using var source = MediaSource.Open(SharedData.Require("videos/noface_face.mov"));
        var frames = new List<FrameAnalysis>();
        await foreach (var frame in source.ReadAsync())
        {
            using (frame)
            {
                frames.Add(pipeline.Analyze(frame));
            }
        }

        var firstSeen = frames.FindIndex(f => f.Faces.Count > 0 || f.Unconfirmed.Count > 0);
        var firstConfirmed = frames.FindIndex(f => f.Faces.Count > 0);
        Assert.True(firstSeen >= 0 && firstConfirmed > firstSeen, $"first seen at frame {firstSeen}, confirmed at {firstConfirmed}");

        // Every frame from the first sighting to the confirmation carries the face's box for the anonymiser.
        for (var i = firstSeen; i < firstConfirmed; i++)
        {
            Assert.True(frames[i].Unconfirmed.Count > 0, $"frame {i} has a face the anonymiser would not see");
        }
    }
}
