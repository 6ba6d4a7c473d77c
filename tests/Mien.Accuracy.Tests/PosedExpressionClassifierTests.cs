using Mien.Accuracy.CkPlus;
using Mien.Faces.Mesh;
using Mien.Media;
using Mien.Results;
using Mien.Testing;
using OpenCvSharp;

namespace Mien.Accuracy.Tests;

/// <summary>
/// `--expression-model ckplus-geometry`: the shipped CK+ model behind the classifier interface the pipeline holds gives
/// exactly what `mien audit ckplus --shipped` computes per frame, never says neutral, and reads the same face alike
/// through the pipeline's path (a frame plus its mesh).
/// </summary>
[Collection(AccuracyCollection.Name)]
public sealed class PosedExpressionClassifierTests(AccuracyModels models)
{
    private const string Ck = "ckplus48_dev";

    [SharedDataFact(Ck)]
    public void ReproducesTheAuditsPerFrameEstimatesWithoutInventingNeutral()
    {
        // The apex (last) frame of every other sequence without contempt: 72 real crops, every class (kept lean: each
        // crop runs the mesh twice and the CNN three times).
        var apex = CkPlusImage.Read(SharedData.Require(Ck))
            .Where(i => i.Label != CkPlusExperiment.Contempt)
            .GroupBy(i => (i.Subject, i.Sequence))
            .Select(g => g.OrderBy(i => i.File, StringComparer.Ordinal).Last())
            .OrderBy(i => i.File, StringComparer.Ordinal)
            .Where((_, k) => k % 2 == 0)
            .ToArray();
        Assert.Equal(6, apex.Select(i => i.Label).Distinct().Count());
        var shipped = CkPlusGeometry.LoadShipped();
        using var classifier = new PosedExpressionClassifier(shipped, models.Embedder, models.Faces);
        using var audit = new ExpressionFeatureExtractor(models.Embedder, models.Faces);
        var neutral = ExpressionEstimate.Labels.Count - 1;
        int correct = 0, agreeAligned = 0;
        foreach (var image in apex)
        {
            using var crop = StillImage.Load(image.File);
            var estimate = ((Expressions.IExpressionClassifier)classifier).ClassifyCrop(crop);
            var expected = shipped.Classify(audit.FromCrop(crop));

            Assert.Equal(expected.Probabilities, estimate.Probabilities);
            Assert.Equal(0f, estimate.Probabilities[neutral]);
            Assert.Equal(1f, estimate.Probabilities.Sum(), 3);
            correct += estimate.Dominant == image.Label ? 1 : 0;

            // The pipeline's path: a frame (the crop upscaled as a video face would be), the face's mesh, its ROI.
            using var bgr = new Mat();
            using var frame = new Mat();
            if (crop.Channels() == 1)
            {
                Cv2.CvtColor(crop, bgr, ColorConversionCodes.GRAY2BGR);
            }
            else
            {
                crop.CopyTo(bgr);
            }

            Cv2.Resize(bgr, frame, new Size(192, 192), 0, 0, InterpolationFlags.Cubic);
            var mesh = models.Faces.MeshOf(frame, new FaceRoi(96, 96, 288, 0));
            if (mesh is not null)
            {
                var aligned = ((Expressions.IExpressionClassifier)classifier).ClassifyAligned(frame, FaceRoi.FromMesh(mesh.Points, 1.1f), 1, mesh.Points);
                Assert.Equal(0f, aligned.Probabilities[neutral]);
                agreeAligned += aligned.Dominant == estimate.Dominant ? 1 : 0;
            }
        }

        // Fitted on these subjects, so this is a resubstitution figure (the honest one is the audit's 89.6 % per
        // sequence under subject-wise folds); it shows the runtime reads features as the fit did.
        Assert.True(correct >= 0.95 * apex.Length, $"{correct} of {apex.Length} apex frames right through the classifier");
        // The pipeline crops by the mesh rather than taking CK+'s own tight crop, so a few borderline frames may flip.
        Assert.True(agreeAligned >= 0.85 * apex.Length, $"{agreeAligned} of {apex.Length} apex frames labelled alike through the pipeline's path");
    }
}
