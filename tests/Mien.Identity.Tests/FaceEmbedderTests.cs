using System.Numerics.Tensors;
using Mien.Results;

namespace Mien.Identity.Tests;

public sealed class FaceEmbedderTests(RealFaces faces) : IClassFixture<RealFaces>
{
    public static TheoryData<string> ModelIds => ["mobilefacenet", "faceres"];

    private float[] Embed(FaceEmbedder embedder, RealFace face)
    {
        var v = new float[embedder.Dimensions];
        embedder.Prepare(face.Image, face.Mesh);
        embedder.Embed(v);
        return v;
    }

    [Theory]
    [MemberData(nameof(ModelIds))]
    public void Embedding_is_deterministic_and_unit_length(string id)
    {
        using var model = faces.Models.Load(id);
        using var embedder = new FaceEmbedder(model, EmbeddingModel.ById(id));
        var face = faces.Faces[0];
        var a = Embed(embedder, face);
        Embed(embedder, faces.Faces[^1]); // another face in between must not leak into the next result
        var b = Embed(embedder, face);

        Assert.Equal(a, b);
        Assert.Equal(1f, TensorPrimitives.Norm<float>(a), 4);
        Assert.Contains(a, v => v != 0);
    }

    [Theory]
    [MemberData(nameof(ModelIds))]
    public void Same_person_is_more_similar_than_different_people_on_real_faces(string id)
    {
        using var model = faces.Models.Load(id);
        using var embedder = new FaceEmbedder(model, EmbeddingModel.ById(id));
        var vectors = faces.Faces.Select(f => (f.Person, f.Name, V: Embed(embedder, f))).ToList();
        var genuine = new List<(string, string, float)>();
        var impostor = new List<(string, string, float)>();
        for (var i = 0; i < vectors.Count; i++)
        {
            for (var j = i + 1; j < vectors.Count; j++)
            {
                var s = TensorPrimitives.Dot<float>(vectors[i].V, vectors[j].V);
                (vectors[i].Person == vectors[j].Person ? genuine : impostor).Add((vectors[i].Name, vectors[j].Name, s));
            }
        }

        // Includes the cap12 ↔ cap13 pairs: the same man in two different recordings.
        Assert.Contains(genuine, g => g.Item1.StartsWith("cap12", StringComparison.Ordinal) && g.Item2.StartsWith("cap13", StringComparison.Ordinal));
        var worstGenuine = genuine.MinBy(g => g.Item3);
        var bestImpostor = impostor.MaxBy(p => p.Item3);
        Assert.True(worstGenuine.Item3 > bestImpostor.Item3,
            $"{id}: least similar same-person pair {worstGenuine} is not above the most similar different-person pair {bestImpostor}");
    }

    [Fact]
    public void Crop_input_is_checked()
    {
        using var model = faces.Models.Load("mobilefacenet");
        using var embedder = new FaceEmbedder(model, EmbeddingModel.MobileFaceNet);
        using var empty = new OpenCvSharp.Mat();
        Assert.Throws<ArgumentException>(() => embedder.PrepareCrop(empty));
        Assert.Throws<ArgumentException>(() => embedder.Prepare(faces.Faces[0].Image, faces.Faces[0].Mesh.AsSpan(0, 10)));
        Assert.Throws<ArgumentException>(() => new FaceEmbedder(model, EmbeddingModel.FaceRes));
        Assert.Throws<ArgumentException>(() => new FaceEmbedder(model, EmbeddingModel.MobileFaceNet, new FaceEmbedderOptions { CropScale = 9 }));
        using var fresh = new FaceEmbedder(model, EmbeddingModel.MobileFaceNet);
        Assert.Throws<InvalidOperationException>(() => fresh.Embed(new float[192]));
    }

    [Fact]
    public void Quality_gate_accepts_a_clear_face_and_rejects_turned_small_blurred_and_cut_off_faces()
    {
        using var model = faces.Models.Load("mobilefacenet");
        using var embedder = new FaceEmbedder(model, EmbeddingModel.MobileFaceNet);
        var gate = new FaceQualityGate();
        var face = faces.Get("franck@20");
        var (w, h) = (face.Image.Width, face.Image.Height);

        var clear = gate.Assess(face.Pose, face.Mesh, face.Presence, w, h);
        Assert.True(clear.Accepted, $"clear frontal face rejected: {clear}");
        var sharp = embedder.Prepare(face.Image, face.Mesh);
        Assert.True(gate.WithSharpness(clear, sharp).Accepted, $"sharpness {sharp} rejected");

        Assert.Equal(QualityRejection.Pose, gate.Assess(new HeadPose(50, 0, 0), face.Mesh, face.Presence, w, h).Rejection);
        Assert.Equal(QualityRejection.Pose, gate.Assess(null, face.Mesh, face.Presence, w, h).Rejection);

        // The same face at a quarter of the size: too few pixels between the eyes.
        var small = face.Mesh.Select(p => new Point3(p.X / 4, p.Y / 4, p.Z / 4)).ToArray();
        Assert.Equal(QualityRejection.Size, gate.Assess(face.Pose, small, face.Presence, w, h).Rejection);

        // The same frame heavily blurred: its crop's sharpness falls below the limit.
        using var blurred = new OpenCvSharp.Mat();
        OpenCvSharp.Cv2.GaussianBlur(face.Image, blurred, new OpenCvSharp.Size(0, 0), 6);
        var soft = embedder.Prepare(blurred, face.Mesh);
        Assert.True(soft < sharp / 4, $"blurred sharpness {soft} vs {sharp}");
        Assert.Equal(QualityRejection.Blur, gate.WithSharpness(clear, soft).Rejection);

        // Half the face beyond the frame's right edge, or a weak mesh: the occlusion proxy.
        var half = face.Mesh.Select(p => new Point3(p.X + (w - face.Mesh.Average(q => q.X)), p.Y, p.Z)).ToArray();
        Assert.Equal(QualityRejection.Occlusion, gate.Assess(face.Pose, half, face.Presence, w, h).Rejection);
        Assert.Equal(QualityRejection.Occlusion, gate.Assess(face.Pose, face.Mesh, 0.3f, w, h).Rejection);

        // A turned face that passes scores lower than the frontal one.
        var turned = gate.Assess(new HeadPose(25, 0, 0), face.Mesh, face.Presence, w, h);
        Assert.True(turned.Accepted && turned.Score < gate.Assess(new HeadPose(0, 0, 0), face.Mesh, face.Presence, w, h).Score);
    }
}
