using System.Text;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace Mien.Training.Expressions;

/// <summary>
/// The distillation teacher's logits for every image of a set, computed once and cached in a file (the DenseNet-121
/// teacher costs about 28 ms per face, far too much to run on every augmented batch). The cache is appended image by
/// image, so an interrupted computation resumes where it stopped; its header holds the set's fingerprint so a cache of
/// other data is never used.
/// </summary>
/// <remarks>
/// Teacher interface (npm faceplugin-face-recognition-js 0.0.1, <c>model/fr_expression.onnx</c>, measured in
/// ../shared/README.md): input <c>input</c> [1, 3, 224, 224] RGB in [0, 1], output [1, 7] logits in Mien's class order.
/// Logits are of the unaugmented image; augmented copies reuse them (the usual approximation with cached teachers).
/// </remarks>
internal static class TeacherLogits
{
    private const int Classes = 7;
    private const int TeacherSide = 224;
    private const string Magic = "mien-teacher-logits-1";

    /// <summary>Reads the cache at <paramref name="cachePath"/>, computing what is missing with <paramref name="teacherOnnx"/>.</summary>
    public static float[] LoadOrCompute(string teacherOnnx, ExpressionImageSet set, string cachePath, int threads, Action<string>? log, CancellationToken ct)
    {
        var header = Encoding.ASCII.GetBytes($"{Magic}\n{set.Fingerprint()}\n");
        var logits = new float[set.Count * Classes];
        var done = 0;
        if (File.Exists(cachePath))
        {
            var bytes = File.ReadAllBytes(cachePath);
            if (bytes.Length >= header.Length && bytes.AsSpan(0, header.Length).SequenceEqual(header))
            {
                done = Math.Min(set.Count, (bytes.Length - header.Length) / (Classes * sizeof(float)));
                Buffer.BlockCopy(bytes, header.Length, logits, 0, done * Classes * sizeof(float));
            }
            else
            {
                log?.Invoke($"teacher cache {cachePath} belongs to other data; recomputing");
                File.Delete(cachePath);
            }
        }

        if (done == set.Count)
        {
            return logits;
        }

        if (!File.Exists(teacherOnnx))
        {
            throw new TrainingDataException($"teacher model '{teacherOnnx}' not found (npm faceplugin-face-recognition-js 0.0.1, model/fr_expression.onnx)");
        }

        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        using var session = new InferenceSession(teacherOnnx, options);
        var inputName = session.InputNames[0];
        var input = new float[3 * TeacherSide * TeacherSide];
        var output = new float[Classes];
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [1, 3, TeacherSide, TeacherSide]);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(output, [1, Classes]);
        using var runOptions = new RunOptions();
        using var image = new Mat(set.Side, set.Side, MatType.CV_8UC1);
        using var large = new Mat();
        using var stream = new FileStream(cachePath, done == 0 ? FileMode.Create : FileMode.Append, FileAccess.Write);
        if (done == 0)
        {
            stream.Write(header);
        }

        var started = DateTime.UtcNow;
        log?.Invoke($"teacher: computing logits for {set.Count - done} image(s) (cached: {done})");
        var plane = TeacherSide * TeacherSide;
        for (var i = done; i < set.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            image.SetArray(set.Pixels[i]);
            Cv2.Resize(image, large, new Size(TeacherSide, TeacherSide), 0, 0, InterpolationFlags.Linear);
            large.GetArray(out byte[] pixels);
            for (var p = 0; p < plane; p++)
            {
                var v = pixels[p] / 255f;
                input[p] = v;
                input[plane + p] = v;
                input[(2 * plane) + p] = v;
            }

            session.Run(runOptions, [inputName], [inputValue], [session.OutputNames[0]], [outputValue]);
            output.CopyTo(logits, i * Classes);
            var bytes = new byte[Classes * sizeof(float)];
            Buffer.BlockCopy(output, 0, bytes, 0, bytes.Length);
            stream.Write(bytes);
            if ((i + 1) % 1000 == 0)
            {
                stream.Flush();
                var rate = (DateTime.UtcNow - started).TotalMilliseconds / (i + 1 - done);
                log?.Invoke($"teacher: {i + 1}/{set.Count} ({rate:F1} ms per image)");
            }
        }

        return logits;
    }
}
