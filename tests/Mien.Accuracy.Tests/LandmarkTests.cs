using Mien.Accuracy.Landmarks;
using Mien.Failures;
using Mien.Results;
using Mien.Testing;

namespace Mien.Accuracy.Tests;

[Collection(AccuracyCollection.Name)]
public sealed class LandmarkTests(AccuracyModels models)
{
    private const string Helen = "landmarks/helen_test";

    /// <summary>Human's bench output on the same images, in the peers folder beside the data.</summary>
    private const string HumanHelenMeshes = "../peers/human-node/parity/helen_test-wasm.jsonl";

    [SharedDataFact(Helen)]
    public void MeshLandmarksOnRealHelenFacesLandWithinAFewPercentOfTheInterOcularDistance()
    {
        var images = AnnotatedImage.Scan(SharedData.Require(Helen), limit: 4);
        var run = LandmarkRun.Measure(models.Faces, images);

        Assert.All(run.Results, r => Assert.True(r.Detected, $"{r.Image}: annotated face not found (IoU {r.Iou:F2})"));
        Assert.All(run.Results, r => Assert.InRange(r.Error!.Inner51, 0.005, 0.08));
        // The jaw line follows the silhouette in 300-W and a fixed surface curve in the mesh: it is the larger error.
        Assert.True(run.Summary68.Mean.Value > run.Summary51.Mean.Value, $"68-point {run.Summary68.Mean.Value:F4} vs 51-point {run.Summary51.Mean.Value:F4}");
        var eyes = run.PerPointMean.Skip(36).Take(12).Average();
        var jaw = run.PerPointMean.Take(17).Average();
        Assert.True(eyes < jaw, $"eyes {eyes:F4} should beat the jaw {jaw:F4}");
    }

    [SharedDataFact(Helen)]
    public void MirroringTheCorrespondenceMakesTheErrorMuchLarger()
    {
        // A left/right mix-up in the table would still give plausible-looking numbers; swapping the mapped points
        // of the two face halves must make the error far larger, which shows the table's sides are the annotation's.
        var image = AnnotatedImage.Scan(SharedData.Require(Helen), limit: 1)[0];
        var result = LandmarkBenchmark.Run(models.Faces, image);
        var mapped = MeshTo68.Map(result.Mesh!);
        var swapped = (Point2[])mapped.Clone();
        (swapped[36], swapped[45]) = (mapped[45], mapped[36]);
        (swapped[48], swapped[54]) = (mapped[54], mapped[48]);
        (swapped[17], swapped[26]) = (mapped[26], mapped[17]);

        var straight = LandmarkError.Measure(mapped, image.Annotation).All68;
        var crossed = LandmarkError.Measure(swapped, image.Annotation).All68;
        Assert.True(crossed > straight + 0.05, $"straight {straight:F4}, crossed {crossed:F4}");
    }

    [SharedDataFact(Helen)]
    public void AnotherToolsMeshesWrittenAsJsonLinesAreScoredExactlyAsMiensOwn()
    {
        var images = AnnotatedImage.Scan(SharedData.Require(Helen), limit: 3);
        var own = LandmarkRun.Measure(models.Faces, images);
        var file = Path.Combine(Directory.CreateTempSubdirectory("mien-peer-").FullName, "peer.jsonl");
        try
        {
            // Human's record shape: file, faces[].box [x, y, w, h], faces[].mesh [[x, y, z] × 478]; a decoy face elsewhere.
            File.WriteAllLines(file, own.Results.Select(r => System.Text.Json.JsonSerializer.Serialize(new
            {
                file = Path.GetFileName(r.Image),
                faces = new object[]
                {
                    new { box = new[] { 0f, 0f, 20f, 20f }, mesh = r.Mesh!.Select(p => new[] { p.X + 5000, p.Y, p.Z }) },
                    new { box = Box(images.Single(i => i.Image == r.Image).Box), mesh = r.Mesh!.Select(p => new[] { p.X, p.Y, p.Z }) },
                },
            })));

            var peer = PeerMeshes.Measure(images, PeerMeshes.ReadHumanJsonLines(file));

            Assert.Equal(own.All68, peer.All68);
            Assert.Equal(own.Inner51, peer.Inner51);
            var paired = LandmarkComparison.Paired(own, peer);
            Assert.Equal(3, paired.Images);
            Assert.Equal(0, paired.Difference51.Value);
            var fewer = PeerMeshes.Measure(AnnotatedImage.Scan(SharedData.Require(Helen), limit: 4), PeerMeshes.ReadHumanJsonLines(file));
            Assert.Equal("not in the peer file", Assert.Single(fewer.Unreadable).Reason);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }

        static float[] Box(FaceBox b) => [b.X, b.Y, b.Width, b.Height];
    }

    [Theory]
    [InlineData("{\"file\":\"a.jpg\",\"faces\":[{\"box\":[1,2,3,4],\"mesh\":[[1,2,3]]}]}", "1 points")]
    [InlineData("{\"file\":\"a.jpg\",\"faces\":[{\"box\":[1,2,3],\"mesh\":[]}]}", "3 numbers")]
    [InlineData("{\"file\":\"a.jpg\"", "not a Human bench record")]
    [InlineData("{\"faces\":[]}", "not a Human bench record")]
    public void APeerMeshFileThatIsNotHumansRecordIsRefusedNamingTheLine(string bad, string expected)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, ["", bad]);
            var e = Assert.Throws<InputException>(() => PeerMeshes.ReadHumanJsonLines(file));
            Assert.Contains($"{file}:2", e.Message, StringComparison.Ordinal);
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [SharedDataFact(Helen, HumanHelenMeshes)]
    public void HumansOwnMeshesOfTheHelenTestFacesAreReadAndLandWhereTheSameMeshModelShould()
    {
        // Human 3.3.6 ran MediaPipe's face mesh (the weights Mien imports) over these images in Node (../shared/peers),
        // one face per image: where a photo holds several people it may mesh another one (IoU near 0, not a bad fit).
        var images = AnnotatedImage.Scan(SharedData.Require(Helen));
        var peer = PeerMeshes.Measure(images, PeerMeshes.ReadHumanJsonLines(SharedData.Require(HumanHelenMeshes)));

        Assert.Empty(peer.Unreadable);
        Assert.True(peer.Summary51.Detected >= 100, $"{peer.Summary51.Detected} of {images.Count} annotated faces found");
        Assert.All(peer.Results.Where(r => !r.Detected), r => Assert.True(r.Iou < 0.1, $"{r.Image}: IoU {r.Iou:F2}"));
        Assert.InRange(peer.Summary51.Mean.Value, 0.02, 0.06);
    }

    [Fact]
    public void PtsFilesAreReadWithOrWithoutTheirHeaderAndBadOnesNameTheLine()
    {
        var body = Enumerable.Range(0, 68).Select(i => $"{i}.5 {2 * i}").ToArray();
        var bare = Pts68.Parse(body, "bare.pts");
        var framed = Pts68.Parse(["version: 1", "n_points:  68", "{", .. body, "}"], "framed.pts");

        Assert.Equal(bare, framed);
        Assert.Equal(new Point2(67.5, 134), bare[67]);
        var wrong = Assert.Throws<InputException>(() => Pts68.Parse(["{", "1 2", "x y", "}"], "bad.pts"));
        Assert.Contains("bad.pts:3", wrong.Message, StringComparison.Ordinal);
        var short_ = Assert.Throws<InputException>(() => Pts68.Parse(body[..67], "short.pts"));
        Assert.Contains("67 points", short_.Message, StringComparison.Ordinal);
    }
}
