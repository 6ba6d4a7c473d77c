using Mien.Faces.Detection;
using Mien.Faces.Mesh;
using Mien.Media;
using Mien.Results;
using Mien.Testing;
using OpenCvSharp;

namespace Mien.Faces.Tests.Mesh;

/// <summary>Face mesh and iris on real faces (face-api's group photos).</summary>
[Collection(RealModelsCollection.Name)]
public sealed class FaceMeshEstimatorTests(RealModels models) : IDisposable
{
    private readonly OnnxModels _m = new(models);

    public void Dispose() => _m.Dispose();

    private sealed class OnnxModels : IDisposable
    {
        public OnnxModels(RealModels models)
        {
            Detector = new BlazeFaceDetector(Keep(models.Load("blazeface-back")));
            Mesh = new FaceMeshEstimator(Keep(models.Load(FaceMeshEstimator.MeshModelId)), Keep(models.Load(FaceMeshEstimator.IrisModelId)));
        }

        private readonly List<IDisposable> _owned = [];

        public BlazeFaceDetector Detector { get; }

        public FaceMeshEstimator Mesh { get; }

        private Models.OnnxModel Keep(Models.OnnxModel m)
        {
            _owned.Add(m);
            return m;
        }

        public void Dispose()
        {
            Detector.Dispose();
            Mesh.Dispose();
            foreach (var o in _owned)
            {
                o.Dispose();
            }
        }
    }

    private static float Distance(Point3 a, Point3 b) => MathF.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));

    [Fact]
    public void Every_detected_face_gets_a_confident_mesh_with_irises_between_the_eye_corners()
    {
        foreach (var photo in models.GroupPhotos)
        {
            using var image = StillImage.Load(photo);
            foreach (var face in _m.Detector.Detect(image))
            {
                var mesh = _m.Mesh.Estimate(image, FaceRoi.FromDetection(face));

                Assert.NotNull(mesh);
                Assert.InRange(mesh.Presence, 0.7f, 1f);
                Assert.Equal(478, mesh.Points.Length);
                var wide = face.Box.SquareScaled(1.8f);
                Assert.True(mesh.Points.Take(468).Count(p => p.X >= wide.X && p.X <= wide.X + wide.Width && p.Y >= wide.Y && p.Y <= wide.Y + wide.Height) >= 460,
                    $"{Path.GetFileName(photo)}: mesh strays outside the face");

                // Each iris centre lies between its eye's corners, closer to the line joining them than half the eye width.
                foreach (var (outer, inner, iris) in new[] { (33, 133, 468), (263, 362, 473) })
                {
                    var width = Distance(mesh.Points[outer], mesh.Points[inner]);
                    var mid = new Point3((mesh.Points[outer].X + mesh.Points[inner].X) / 2, (mesh.Points[outer].Y + mesh.Points[inner].Y) / 2, 0);
                    Assert.True(Distance(mesh.Points[iris], mid) < width * 0.5f, $"{Path.GetFileName(photo)}: iris {iris} is {Distance(mesh.Points[iris], mid)} px from the eye centre (eye width {width})");
                }
            }
        }
    }

    [Fact]
    public void Tracking_roi_from_the_mesh_reproduces_the_mesh()
    {
        using var image = StillImage.Load(models.GroupPhotos[2]);
        foreach (var face in _m.Detector.Detect(image))
        {
            var first = _m.Mesh.Estimate(image, FaceRoi.FromDetection(face))!;
            var second = _m.Mesh.Estimate(image, FaceRoi.FromMesh(first.Points))!;

            var eyeWidth = Distance(first.Points[33], first.Points[263]);
            var mean = first.Points.Take(468).Zip(second.Points).Average(p => Distance(p.First, p.Second));
            Assert.True(mean < eyeWidth * 0.05f, $"mean landmark shift {mean:F2} px for an inter-ocular distance of {eyeWidth:F1} px");
        }
    }

    [Fact]
    public void Mirrored_face_gives_a_mirrored_mesh()
    {
        using var image = StillImage.Load(models.GroupPhotos[0]);
        using var mirrored = new Mat();
        Cv2.Flip(image, mirrored, FlipMode.Y);
        var face = _m.Detector.Detect(image).OrderByDescending(f => f.Score).First();
        var mirroredFace = _m.Detector.Detect(mirrored).OrderBy(f => Math.Abs(f.Box.CenterX - (image.Width - face.Box.CenterX))).First();

        var a = _m.Mesh.Estimate(image, FaceRoi.FromDetection(face))!;
        var b = _m.Mesh.Estimate(mirrored, FaceRoi.FromDetection(mirroredFace))!;

        // Subject's right eye corner in one is the left eye corner in the other.
        var eyeWidth = Distance(a.Points[33], a.Points[263]);
        foreach (var (p, q) in new[] { (33, 263), (133, 362), (1, 1), (152, 152), (468, 473) })
        {
            var mirroredQ = new Point3(image.Width - 1 - b.Points[q].X, b.Points[q].Y, 0);
            Assert.True(Distance(a.Points[p], mirroredQ) < eyeWidth * 0.1f, $"point {p} vs mirrored {q}: {Distance(a.Points[p], mirroredQ):F1} px");
        }
    }

    [Fact]
    public void A_roi_without_a_face_is_rejected()
    {
        using var image = StillImage.Load(models.GroupPhotos[0]);
        Assert.Null(_m.Mesh.Estimate(image, new FaceRoi(80, 80, 120, 0)));
    }

    [Fact]
    public void Overlay_for_visual_inspection()
    {
        // Writes the meshes of one photo to the temp folder; look at it when changing crops or mapping.
        using var image = StillImage.Load(models.GroupPhotos[0]);
        foreach (var face in _m.Detector.Detect(image))
        {
            var mesh = _m.Mesh.Estimate(image, FaceRoi.FromDetection(face))!;
            foreach (var p in mesh.Points.Take(468))
            {
                Cv2.Circle(image, new Point((int)p.X, (int)p.Y), 1, Scalar.LimeGreen, -1);
            }

            foreach (var p in mesh.Points.Skip(468))
            {
                Cv2.Circle(image, new Point((int)p.X, (int)p.Y), 2, Scalar.Red, -1);
            }
        }

        var path = Path.Combine(Path.GetTempPath(), "mien-mesh-overlay.png");
        Assert.True(Cv2.ImWrite(path, image));
    }
}
