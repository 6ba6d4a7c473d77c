using Mien.Accuracy.Landmarks;
using Mien.Failures;
using Mien.Testing;

namespace Mien.Accuracy.Tests;

[Collection(AccuracyCollection.Name)]
public sealed class LandmarkTests(AccuracyModels models)
{
    private const string Helen = "landmarks/helen_test";

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
