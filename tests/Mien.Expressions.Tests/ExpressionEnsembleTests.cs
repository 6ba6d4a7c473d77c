using Mien.Faces.Detection;
using Mien.Faces.Mesh;
using Mien.Media;
using Mien.Models;
using Mien.Testing;

namespace Mien.Expressions.Tests;

/// <summary>Expression ensembles and test-time views on real faces (the face-api group photo, Human's model).</summary>
[Collection(RealModelsCollection.Name)]
public sealed class ExpressionEnsembleTests(RealModels models)
{
    [Fact]
    public void An_ensemble_of_one_model_without_views_gives_that_models_estimate_and_views_keep_a_clear_smile()
    {
        using var detectorModel = models.Load("blazeface-back");
        using var detector = new BlazeFaceDetector(detectorModel);
        using var model = models.Load(EmotionClassifier.ModelId);
        using var plain = new EmotionClassifier(model);
        using var single = Ensemble(model, views: false);
        using var viewed = Ensemble(model, views: true);
        using var image = StillImage.Load(models.GroupPhotos[0]);

        var faces = detector.Detect(image);
        Assert.Equal(3, faces.Count);
        foreach (var face in faces)
        {
            var expected = plain.Classify(image, face.Box).Probabilities;
            var actual = single.Classify(image, face.Box).Probabilities;
            for (var k = 0; k < expected.Count; k++)
            {
                Assert.Equal(expected[k], actual[k], 4);
            }

            // Mirror + four 4 % shifts of three smiling faces: still a distribution, still happiness.
            var tta = viewed.Classify(image, face.Box);
            Assert.Equal(1f, tta.Probabilities.Sum(), 4);
            Assert.Equal("happiness", tta.Dominant);
        }
    }

    [Fact]
    public void A_member_on_a_schedule_runs_every_nth_frame_of_a_track_and_its_last_estimate_stands_in_between()
    {
        using var detectorModel = models.Load("blazeface-back");
        using var detector = new BlazeFaceDetector(detectorModel);
        using var model = models.Load(EmotionClassifier.ModelId);
        using var plain = new EmotionClassifier(model);
        using var image = StillImage.Load(models.GroupPhotos[0]);
        var rois = detector.Detect(image).Select(f => new FaceRoi(f.Box.CenterX, f.Box.CenterY, f.Box.Width * 1.2f, 0)).ToArray();
        // Two members of the same model, one on every frame and one on every 3rd: on frames where the slow one rests,
        // the average is (fresh estimate of this frame's face + the slow member's estimate from its last run) / 2.
        using var ensemble = new ExpressionEnsemble(
            [new EnsembleMember("fast", new EmotionClassifier(model), 1, 1, 1), new EnsembleMember("slow", new EmotionClassifier(model), 1, 3, 1)],
            averageLogits: false, flip: false, shift: 0);

        var fresh = rois.Select(r => plain.ClassifyAligned(image, r).Probabilities.ToArray()).ToArray();
        for (var frame = 0; frame < 6; frame++)
        {
            // The "track" shows face 0, 1, 2, 0, 1, 2: the slow member ran on frames 0 and 3, which both showed face 0.
            var face = frame % 3;
            // Track 9: its count starts at 9, a multiple of 3, so the slow member runs on frames 0 and 3.
            var got = ensemble.ClassifyAligned(image, rois[face], track: 9).Probabilities;
            for (var k = 0; k < got.Count; k++)
            {
                Assert.Equal((fresh[face][k] + fresh[0][k]) / 2, got[k], 3);
            }
        }

        // Another track has its own schedule, staggered by its id: track 10 runs the slow member on its first frame
        // (face 1) and next on its 3rd (10 + 2 = 12), so its 2nd frame (face 2) averages with face 1's estimate.
        Assert.Equal(fresh[1][3], ensemble.ClassifyAligned(image, rois[1], track: 10).Probabilities[3], 3);
        Assert.Equal((fresh[2][3] + fresh[1][3]) / 2, ensemble.ClassifyAligned(image, rois[2], track: 10).Probabilities[3], 3);
        Assert.Equal(fresh[0][3], ensemble.ClassifyAligned(image, rois[0], track: 10).Probabilities[3], 3);
        // A still (no track) runs every member.
        Assert.Equal(fresh[2][3], ensemble.ClassifyAligned(image, rois[2], track: -1).Probabilities[3], 3);
    }

    [Fact]
    public void An_ensemble_declaration_names_the_bad_field()
    {
        var dir = Directory.CreateTempSubdirectory("mien-ensemble-");
        try
        {
            string Write(string json)
            {
                var path = Path.Combine(dir.FullName, "ensemble.json");
                File.WriteAllText(path, json);
                return path;
            }

            bool IsId(string id) => id == EmotionClassifier.ModelId;
            var good = ExpressionEnsembleSpec.Load(Write("""{"id":"e","members":[{"model":"emotion","weight":2,"every":5,"temperature":1.6}],"combine":"logits","tta":{"flip":true,"shift":0.04}}"""), IsId);
            Assert.True(ExpressionEnsembleSpec.IsEnsemble(Path.Combine(dir.FullName, "ensemble.json")));
            Assert.Equal((2f, 5, 1.6f, true, true, 10), (good.Members[0].Weight, good.Members[0].Every, good.Members[0].Temperature, good.AverageLogits, good.Flip, good.Views));

            Assert.Contains("\"members\" must list", Assert.Throws<ModelStoreException>(() => ExpressionEnsembleSpec.Load(Write("""{"members":[]}"""), IsId)).Message);
            Assert.Contains("\"every\" = 0", Assert.Throws<ModelStoreException>(() => ExpressionEnsembleSpec.Load(Write("""{"members":[{"model":"emotion","every":0}]}"""), IsId)).Message);
            Assert.Contains("\"tta.shift\" = 0.5", Assert.Throws<ModelStoreException>(() => ExpressionEnsembleSpec.Load(Write("""{"members":[{"model":"emotion"}],"tta":{"shift":0.5}}"""), IsId)).Message);
            Assert.Contains("\"combine\" is 'median'", Assert.Throws<ModelStoreException>(() => ExpressionEnsembleSpec.Load(Write("""{"members":[{"model":"emotion"}],"combine":"median"}"""), IsId)).Message);
            Assert.Contains("nope.json", Assert.Throws<ModelStoreException>(() => ExpressionEnsembleSpec.Load(Write("""{"members":[{"model":"nope.json"}]}"""), IsId)).Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static ExpressionEnsemble Ensemble(OnnxModel model, bool views) =>
        new([new EnsembleMember("emotion", new EmotionClassifier(model), 1, 1, 1)], averageLogits: false, flip: views, shift: views ? 0.04f : 0);
}
