using Microsoft.ML.OnnxRuntime;
using Mien.Models;
using OpenCvSharp;

namespace Mien.Accuracy.CkPlus;

/// <summary>
/// ImageNet features of a face: the 512 pooled features of the ImageNet ResNet-18 (<see cref="ImageNetResNet18"/>),
/// run as its package runs it — the face in grey, upscaled to 224×224, replicated to three channels as 0–255 pixels,
/// the package's mean image subtracted by its preprocessing graph. A generic "transfer" embedding that was never
/// trained on faces or expressions, so it brings no FER2013-derived weights to the CK+ classifier. Not thread-safe.
/// </summary>
public sealed class ImageNetEmbedder : IDisposable
{
    /// <summary>Side of the network's input.</summary>
    public const int Size = 224;

    /// <summary>Length of the embedding.</summary>
    public const int Length = 512;

    private readonly InferenceSession _preprocess;
    private readonly InferenceSession _network;
    private readonly float[] _input = new float[3 * Size * Size];
    private readonly Mat _grey = new();
    private readonly Mat _big = new();

    /// <summary>Loads the package's two graphs (one intra-op thread each).</summary>
    /// <exception cref="ModelStoreException">The package is not restored, or a file differs from its pinned hash.</exception>
    public ImageNetEmbedder()
    {
        var (network, preprocess) = ImageNetResNet18.Locate();
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        _preprocess = new InferenceSession(preprocess, options);
        try
        {
            _network = new InferenceSession(network, options);
        }
        catch
        {
            _preprocess.Dispose();
            throw;
        }
    }

    /// <summary>The 512 ImageNet features of a face crop (8-bit grey or BGR, any size).</summary>
    public float[] Embed(Mat face)
    {
        ArgumentNullException.ThrowIfNull(face);
        var grey = GreyInput.Of(face, _grey);
        Cv2.Resize(grey, _big, new OpenCvSharp.Size(Size, Size), 0, 0, grey.Width > Size ? InterpolationFlags.Area : InterpolationFlags.Cubic);
        GreyInput.ThreePlanes(_big, 1f, _input);

        using var input = OrtValue.CreateTensorValueFromMemory(_input, [1, 3, Size, Size]);
        using var run = new RunOptions();
        using var prepared = _preprocess.Run(run, [_preprocess.InputNames[0]], [input], [_preprocess.OutputNames[0]]);
        using var features = _network.Run(run, [_network.InputNames[0]], [prepared[0]], [_network.OutputNames[0]]);
        var span = features[0].GetTensorDataAsSpan<float>();
        return span.Length == Length
            ? span.ToArray()
            : throw new ModelRunException(ImageNetResNet18.Id, $"expected {Length} features, got {span.Length}");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _preprocess.Dispose();
        _network.Dispose();
        _grey.Dispose();
        _big.Dispose();
    }
}
