using Mien.Faces.Detection;
using Mien.Media;
using Mien.Results;
using Mien.Testing;
using OpenCvSharp;

namespace Mien.Expressions.Tests;

[CollectionDefinition(Name)]
public sealed class RealModelsCollection : ICollectionFixture<RealModels>
{
    public const string Name = "real models";
}

/// <summary>The expression CNN on real faces.</summary>
[Collection(RealModelsCollection.Name)]
public sealed class EmotionClassifierTests(RealModels models)
{
    [Fact]
    public void Broad_smile_crop_is_estimated_as_happiness()
    {
        // The golden face crop (tests/golden/inputs, from face-api's sample3.jpg): a smiling woman.
        // TF.js gives it "happy" 0.9975 (tests/golden/tfjs/emotion.json).
        var pixels = File.ReadAllBytes(Repository.Golden("inputs", "face-64x64x1.u8"));
        using var face = new Mat(64, 64, MatType.CV_8UC1);
        face.SetArray(pixels);
        using var model = models.Load(EmotionClassifier.ModelId);
        using var classifier = new EmotionClassifier(model);

        var estimate = classifier.ClassifyCrop(face);

        Assert.Equal("happiness", estimate.Dominant);
        Assert.InRange(estimate.Confidence, 0.99f, 1f);
        Assert.Equal(1f, estimate.Probabilities.Sum(), 4);
    }

    [Fact]
    public void Mirror_averaging_keeps_a_clear_expression_and_stays_a_distribution()
    {
        using var detectorModel = models.Load("blazeface-back");
        using var detector = new BlazeFaceDetector(detectorModel);
        using var model = models.Load(EmotionClassifier.ModelId);
        using var plain = new EmotionClassifier(model);
        using var mirrored = new EmotionClassifier(model, new EmotionClassifierOptions { FlipAugmentation = true });
        using var image = StillImage.Load(models.GroupPhotos[0]);

        foreach (var face in detector.Detect(image))
        {
            var a = plain.Classify(image, face.Box);
            var b = mirrored.Classify(image, face.Box);
            Assert.Equal(1f, b.Probabilities.Sum(), 4);
            if (a.Confidence > 0.9f)
            {
                Assert.Equal(a.Dominant, b.Dominant);
            }
        }
    }

    [Fact]
    public void Smiling_faces_in_sample_photo_read_as_happiness()
    {
        // sample1.jpg: three women smiling at the camera (checked by eye on the annotated output).
        using var detectorModel = models.Load("blazeface-back");
        using var detector = new BlazeFaceDetector(detectorModel);
        using var model = models.Load(EmotionClassifier.ModelId);
        using var classifier = new EmotionClassifier(model);
        using var image = StillImage.Load(models.GroupPhotos[0]);

        var dominant = detector.Detect(image).Select(f => classifier.Classify(image, f.Box).Dominant).ToArray();

        Assert.Equal(3, dominant.Length);
        Assert.All(dominant, d => Assert.Equal("happiness", d));
    }

    [Fact]
    public void Faces_partly_outside_the_frame_are_padded_not_rejected()
    {
        using var model = models.Load(EmotionClassifier.ModelId);
        using var classifier = new EmotionClassifier(model);
        using var image = StillImage.Load(models.GroupPhotos[0]);

        var estimate = classifier.Classify(image, new FaceBox(-50, -50, 120, 120));

        Assert.Equal(1f, estimate.Probabilities.Sum(), 4);
    }

    [Fact]
    public void Estimate_rejects_a_wrong_number_of_classes() =>
        Assert.Throws<ArgumentException>(() => new ExpressionEstimate([0.5f, 0.5f]));
}
