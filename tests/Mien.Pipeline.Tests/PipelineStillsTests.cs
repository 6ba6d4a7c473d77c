using Mien.Media;
using Mien.Media.Samples;
using Mien.Results;
using Mien.Testing;

namespace Mien.Pipeline.Tests;

/// <summary>
/// Unrelated still images (<see cref="PipelineOptions.Stills"/>) on the real group photos of npm
/// <c>@vladmandic/face-api</c>: no smoothing over time, action units against the population neutral (not 0 against
/// the face itself), nothing carried from one image to the next.
/// </summary>
[Collection(RealModelsCollection.Name)]
public sealed class PipelineStillsTests(RealModels models)
{
    [Fact]
    public async Task Stills_are_estimated_on_their_own_with_action_units_against_the_population_neutral()
    {
        var photos = await SampleMedia.GroupPhotosAsync(models.Packages);
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store, new PipelineOptions { Stills = true });

        // Each photo is analysed as a still, then the first one again: nothing may have carried over.
        var order = photos.Append(photos[0]).ToList();
        var results = new List<FrameAnalysis>();
        var events = new List<TrackEvent>();
        for (var i = 0; i < order.Count; i++)
        {
            using var image = StillImage.Load(order[i]);
            results.Add(pipeline.Analyze(image, i, TimeSpan.FromSeconds(i)));
            events.AddRange(pipeline.DrainEvents());
            Assert.Empty(pipeline.DrainSegments());
        }

        pipeline.Complete(TimeSpan.FromSeconds(order.Count));
        events.AddRange(pipeline.DrainEvents());

        var faces = results.SelectMany(r => r.Faces).ToList();
        Assert.True(faces.Count >= 10, $"{faces.Count} faces in {order.Count} photos");
        Assert.All(faces, f =>
        {
            var affect = Assert.IsType<AffectFrame>(f.Affect);
            Assert.Null(affect.Expression); // no temporal model on a still: the per-frame estimate is the result
            Assert.NotNull(affect.Affect);
            var units = Assert.IsType<ActionUnits>(affect.Units);
            Assert.Equal(ActionUnitBaseline.Population, units.Baseline);
            Assert.False(units.BaselineReady);
        });

        // Against the face itself every AU would be 0; against the population neutral, smiles show AU12.
        var smiles = faces.Where(f => f.Expression is { Dominant: "happiness", Confidence: >= 0.8f }).ToList();
        var others = faces.Where(f => f.Expression is not { Dominant: "happiness" }).ToList();
        Assert.True(smiles.Count >= 3 && others.Count >= 2, $"{smiles.Count} confident smiles, {others.Count} other faces");
        Assert.All(smiles, f => Assert.True(f.Affect!.Units!["AU12"] > 0.25f, $"AU12 {f.Affect.Units["AU12"]:F2} on a smile"));
        var smileAu12 = smiles.Average(f => f.Affect!.Units!["AU12"]);
        var otherAu12 = others.Average(f => f.Affect!.Units!["AU12"]);
        Assert.True(smileAu12 >= otherAu12 + 0.3f, $"AU12 on smiles {smileAu12:F2} vs other faces {otherAu12:F2}");
        Assert.True(faces.Average(f => f.Affect!.Units!.Intensities.Sum()) > 1, "AUs of stills must not all be 0");

        // Every face is its own person, started and ended once; the repeated photo gives the same numbers.
        Assert.Equal(faces.Count, faces.Select(f => f.TrackId).Distinct().Count());
        Assert.Equal(faces.Count, events.Count(e => e.Kind == TrackEventKind.Started));
        Assert.Equal(faces.Count, events.Count(e => e.Kind == TrackEventKind.Ended));
        var first = results[0].Faces.OrderBy(f => f.Box.X).ToList();
        var again = results[^1].Faces.OrderBy(f => f.Box.X).ToList();
        Assert.Equal(first.Count, again.Count);
        for (var k = 0; k < first.Count; k++)
        {
            Assert.Equal(first[k].Expression!.Probabilities, again[k].Expression!.Probabilities);
            Assert.Equal(first[k].Affect!.Units!.Intensities, again[k].Affect!.Units!.Intensities);
        }
    }
}
