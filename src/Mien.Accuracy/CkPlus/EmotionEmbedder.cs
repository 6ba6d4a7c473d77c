using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Mien.ModelImport;
using Mien.Models;
using OpenCvSharp;

namespace Mien.Accuracy.CkPlus;

/// <summary>
/// The emotion CNN (mini-Xception) read from the inside: its seven logits and its last residual block's feature map,
/// pooled globally and over a 2×2 grid (upper/lower × left/right face halves, so brows and mouth stay apart). These
/// are the "CNN embeddings" the CK+ classifier learns from. Not thread-safe.
/// </summary>
public sealed class EmotionEmbedder : IDisposable
{
    /// <summary>Side of the model's input.</summary>
    public const int Size = 64;

    /// <summary>The last residual block's output (NCHW inside the imported graph).</summary>
    internal const string BlockTensor = "StatefulPartitionedCall/model_1/add_2/add";

    /// <summary>Global average pooling of the class maps: the logits before the softmax.</summary>
    internal const string LogitsTensor = "StatefulPartitionedCall/model_1/global_average_pooling2d_1/Mean";

    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly float[] _input = new float[Size * Size];
    private readonly Mat _grey = new();
    private readonly Mat _small = new();

    /// <summary>Loads the imported emotion model with its block and logit tensors exposed.</summary>
    /// <exception cref="ModelStoreException">The cached file is unreadable or not the one recorded.</exception>
    public EmotionEmbedder(ModelArtifact emotion)
    {
        ArgumentNullException.ThrowIfNull(emotion);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(emotion.OnnxPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelStoreException(emotion.Model.Id, $"cannot read '{emotion.OnnxPath}' ({e.Message}); run `mien models fetch {emotion.Model.Id}`.", e);
        }

        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), emotion.OnnxSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelStoreException(emotion.Model.Id, $"the cached model '{emotion.OnnxPath}' differs from its record; run `mien models fetch {emotion.Model.Id}`.");
        }

        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        _session = new InferenceSession(OnnxGraphOutputs.WithOutputs(bytes, [BlockTensor, LogitsTensor], emotion.Model.Id), options);
        _inputName = _session.InputMetadata.Keys.Single();
    }

    /// <summary>Channels of the block tensor (known after the first call).</summary>
    public int Channels { get; private set; }

    /// <summary>
    /// The embedding of a face crop (8-bit grey or BGR, any size; resized to 64×64 as the classifier does):
    /// 7 logits, then C global means, then 4 × C quadrant means (top-left, top-right, bottom-left, bottom-right).
    /// </summary>
    public float[] Embed(Mat face)
    {
        ArgumentNullException.ThrowIfNull(face);
        var grey = GreyInput.Of(face, _grey);

        Cv2.Resize(grey, _small, new Size(Size, Size), 0, 0, grey.Width > Size ? InterpolationFlags.Area : InterpolationFlags.Linear);
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                _input[(y * Size) + x] = (_small.At<byte>(y, x) / 127.5f) - 1f;
            }
        }

        using var input = OrtValue.CreateTensorValueFromMemory(_input, [1, Size, Size, 1]);
        using var run = new RunOptions();
        using var outputs = _session.Run(run, [_inputName], [input], [BlockTensor, LogitsTensor]);
        var block = outputs[0].GetTensorDataAsSpan<float>();
        var shape = outputs[0].GetTensorTypeAndShape().Shape;
        var logits = outputs[1].GetTensorDataAsSpan<float>();
        var (c, h, w) = ((int)shape[1], (int)shape[2], (int)shape[3]);
        Channels = c;
        var result = new float[7 + (5 * c)];
        logits[..7].CopyTo(result);
        Span<double> quadrant = stackalloc double[4];
        Span<int> count = stackalloc int[4];
        for (var k = 0; k < c; k++)
        {
            var map = block.Slice(k * h * w, h * w);
            double total = 0;
            quadrant.Clear();
            count.Clear();
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    var v = map[(y * w) + x];
                    total += v;
                    var q = ((2 * y) / h * 2) + ((2 * x) / w);
                    quadrant[q] += v;
                    count[q]++;
                }
            }

            result[7 + k] = (float)(total / (h * w));
            for (var q = 0; q < 4; q++)
            {
                result[7 + c + (q * c) + k] = (float)(quadrant[q] / Math.Max(1, count[q]));
            }
        }

        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _session.Dispose();
        _grey.Dispose();
        _small.Dispose();
    }
}
