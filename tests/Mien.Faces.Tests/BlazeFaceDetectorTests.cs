using Mien.Faces.Detection;
using Mien.Media;
using Mien.Results;
using Mien.Testing;
using OpenCvSharp;

namespace Mien.Faces.Tests;

[CollectionDefinition(Name)]
public sealed class RealModelsCollection : ICollectionFixture<RealModels>
{
    public const string Name = "real models";
}

/// <summary>BlazeFace on real photos (face-api's group photos, fetched and verified from the npm registry).</summary>
[Collection(RealModelsCollection.Name)]
public sealed class BlazeFaceDetectorTests(RealModels models)
{
    /// <summary>Faces per photo, counted by eye on the photos (every visible face is frontal enough to detect).</summary>
    private static readonly int[] FacesPerPhoto = [3, 3, 3, 4, 5, 4];

    [Fact]
    public void Finds_every_face_in_the_group_photos()
    {
        using var model = models.Load("blazeface-back");
        using var detector = new BlazeFaceDetector(model);
        for (var i = 0; i < models.GroupPhotos.Count; i++)
        {
            using var image = StillImage.Load(models.GroupPhotos[i]);
            var faces = detector.Detect(image);
            Assert.True(FacesPerPhoto[i] == faces.Count, $"{Path.GetFileName(models.GroupPhotos[i])}: expected {FacesPerPhoto[i]} faces, found {faces.Count}");
            foreach (var f in faces)
            {
                Assert.InRange(f.Score, 0.5f, 1f);
                Assert.InRange(f.Box.Width, 40, 600);

                // Eyes, nose and mouth (keypoints 0-3) lie inside the face box, eyes above the mouth.
                foreach (var p in f.Keypoints.Take(4))
                {
                    Assert.InRange(p.X, f.Box.X, f.Box.X + f.Box.Width);
                    Assert.InRange(p.Y, f.Box.Y, f.Box.Y + f.Box.Height);
                }

                Assert.True(f.Keypoints[0].Y < f.Keypoints[3].Y && f.Keypoints[1].Y < f.Keypoints[3].Y);
            }
        }
    }

    [Fact]
    public void Boxes_map_back_to_the_same_faces_whatever_the_frame_size()
    {
        using var model = models.Load("blazeface-back");
        using var detector = new BlazeFaceDetector(model);
        using var image = StillImage.Load(models.GroupPhotos[0]);
        using var half = new Mat();
        Cv2.Resize(image, half, new Size(image.Width / 2, image.Height / 2), 0, 0, InterpolationFlags.Area);

        var full = detector.Detect(image).OrderBy(f => f.Box.X).ToArray();
        var small = detector.Detect(half).OrderBy(f => f.Box.X).ToArray();

        Assert.Equal(full.Length, small.Length);
        for (var i = 0; i < full.Length; i++)
        {
            var scaled = new FaceBox(small[i].Box.X * 2, small[i].Box.Y * 2, small[i].Box.Width * 2, small[i].Box.Height * 2);
            Assert.True(full[i].Box.IoU(scaled) > 0.8f, $"face {i}: IoU {full[i].Box.IoU(scaled)}");
        }
    }

    [Fact]
    public void Finds_nothing_in_a_frame_without_faces()
    {
        using var model = models.Load("blazeface-back");
        using var detector = new BlazeFaceDetector(model);
        using var noise = new Mat(480, 640, MatType.CV_8UC3);
        Cv2.Randu(noise, Scalar.All(0), Scalar.All(255));
        using var grey = new Mat(480, 640, MatType.CV_8UC3, Scalar.All(128));

        Assert.Empty(detector.Detect(noise));
        Assert.Empty(detector.Detect(grey));
    }

    [Fact]
    public void Front_model_finds_a_near_face()
    {
        using var model = models.Load("blazeface-front");
        using var detector = new BlazeFaceDetector(model);
        using var back = models.Load("blazeface-back");
        using var backDetector = new BlazeFaceDetector(back);
        using var image = StillImage.Load(models.GroupPhotos[0]);
        var face = backDetector.Detect(image)[0].Box.SquareScaled(2.2f);
        var roi = new Rect((int)Math.Max(0, face.X), (int)Math.Max(0, face.Y), (int)face.Width, (int)face.Height);
        roi = roi.Intersect(new Rect(0, 0, image.Width, image.Height));
        using var crop = new Mat(image, roi);

        var faces = detector.Detect(crop);

        var single = Assert.Single(faces);
        Assert.InRange(single.Box.Width / roi.Width, 0.25f, 0.75f);
    }

    [Fact]
    public void Invalid_options_name_the_option()
    {
        using var model = models.Load("blazeface-back");
        var e = Assert.Throws<ArgumentException>(() => new BlazeFaceDetector(model, new BlazeFaceOptions { MinScore = 1.5f }));
        Assert.Contains("MinScore", e.Message, StringComparison.Ordinal);
    }
}
