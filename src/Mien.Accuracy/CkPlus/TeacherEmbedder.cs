using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Mien.Models;
using Mien.ModelImport;
using Mien.Packages;
using OpenCvSharp;

namespace Mien.Accuracy.CkPlus;

/// <summary>
/// The 1024 pooled features of the DenseNet-121 expression network in npm <c>faceplugin-face-recognition-js</c> 0.0.1
/// (<c>model/fr_expression.onnx</c>; Mien's distillation teacher, 70.0 % on FER2013 PublicTest): the output of its last
/// global average pool, read from the graph, fed as the teacher is fed in training — the face in grey, resized to
/// 224×224, replicated to three channels, in [0, 1]. A stronger FER2013 network than Human's, to see whether its
/// features serve posed CK+ better. Not thread-safe.
/// </summary>
public sealed class TeacherEmbedder : IDisposable
{
    /// <summary>The npm package that holds the network.</summary>
    public static readonly NpmPackageSpec Package = new("faceplugin-face-recognition-js", "0.0.1", "sha512-shriXjd4zJHEwhK1jHK+bWo8Vv6Vu9B/w6RRsd4AFtNM/jaI2vhuOamOSMl9qQmLd8WlQ7dgqN+3C2iOi5pXWw==");

    /// <summary>The network inside the package.</summary>
    public const string File = "model/fr_expression.onnx";

    /// <summary>SHA-256 of the network (the same as docs/accuracy/ensembles/teacher.json declares).</summary>
    public const string Sha256 = "88959314d9dc14d6c968cca31dc068e4350bf1944154e3bdd2eece5d0f318d05";

    /// <summary>Side of the network's input.</summary>
    public const int Size = 224;

    /// <summary>Length of the embedding.</summary>
    public const int Length = 1024;

    /// <summary>The flattened output of the last GlobalAveragePool (node Flatten_373), the input of the classifier.</summary>
    private const string PooledTensor = "1160";

    private const string Id = "faceplugin-densenet121";

    private readonly InferenceSession _session;
    private readonly float[] _input = new float[3 * Size * Size];
    private readonly Mat _grey = new();
    private readonly Mat _big = new();

    /// <summary>Loads the network from <paramref name="onnxPath"/> (one intra-op thread), checking its SHA-256 first.</summary>
    /// <exception cref="ModelStoreException">The file is not the pinned network.</exception>
    public TeacherEmbedder(string onnxPath)
    {
        var bytes = System.IO.File.ReadAllBytes(onnxPath);
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (actual != Sha256)
        {
            throw new ModelStoreException(Id, $"'{onnxPath}' has SHA-256 {actual}, expected {Sha256}: not the pinned teacher network");
        }

        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        _session = new InferenceSession(OnnxGraphOutputs.WithOutputs(bytes, [PooledTensor], Id), options);
    }

    /// <summary>The 1024 features of a face crop (8-bit grey or BGR, any size).</summary>
    public float[] Embed(Mat face)
    {
        ArgumentNullException.ThrowIfNull(face);

        // Bilinear, as TeacherLogits feeds the teacher in training.
        Cv2.Resize(GreyInput.Of(face, _grey), _big, new OpenCvSharp.Size(Size, Size), 0, 0, InterpolationFlags.Linear);
        GreyInput.ThreePlanes(_big, 255f, _input);

        using var input = OrtValue.CreateTensorValueFromMemory(_input, [1, 3, Size, Size]);
        using var run = new RunOptions();
        using var features = _session.Run(run, [_session.InputNames[0]], [input], [PooledTensor]);
        var span = features[0].GetTensorDataAsSpan<float>();
        return span.Length == Length
            ? span.ToArray()
            : throw new ModelRunException(Id, $"expected {Length} pooled features, got {span.Length}");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _session.Dispose();
        _grey.Dispose();
        _big.Dispose();
    }
}
