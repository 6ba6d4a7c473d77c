using System.Numerics.Tensors;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mien.Failures;

namespace Mien.Accuracy.CkPlus;

/// <summary>Options of <see cref="SoftmaxRegression"/>.</summary>
public sealed record SoftmaxRegressionOptions
{
    /// <summary>L2 penalty on the weights (per sample; default 0.05, chosen before looking at CK+ results as a middle value for ~500 standardised features and ~400 samples).</summary>
    public float L2 { get; init; } = 0.05f;

    /// <summary>Full-batch gradient steps (default 400).</summary>
    public int Iterations { get; init; } = 400;

    /// <summary>Adam learning rate (default 0.05).</summary>
    public float LearningRate { get; init; } = 0.05f;

    /// <summary>Checks the values; the message names the option, the value and the limit.</summary>
    public void Validate()
    {
        if (!(L2 >= 0) || float.IsInfinity(L2))
        {
            throw new InvalidOptionException($"{nameof(L2)} = {L2}: must be a finite value ≥ 0.");
        }

        if (Iterations is < 1 or > 100_000)
        {
            throw new InvalidOptionException($"{nameof(Iterations)} = {Iterations}: must be within [1, 100000].");
        }

        if (!(LearningRate > 0) || LearningRate > 1)
        {
            throw new InvalidOptionException($"{nameof(LearningRate)} = {LearningRate}: must be within (0, 1].");
        }
    }
}

/// <summary>
/// Multinomial logistic regression on standardised features, fitted by full-batch Adam with an L2 penalty: small
/// (classes × features floats), deterministic (zero start, no sampling), and honest about its probabilities.
/// Missing features (NaN) are replaced by the training mean.
/// </summary>
public sealed class SoftmaxRegression
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private SoftmaxRegression(IReadOnlyList<string> classes, float[] mean, float[] scale, float[] weights, float[] bias)
    {
        Classes = classes;
        Mean = mean;
        Scale = scale;
        Weights = weights;
        Bias = bias;
    }

    /// <summary>Class names, in output order.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Feature count.</summary>
    public int Features => Mean.Length;

    internal float[] Mean { get; }

    internal float[] Scale { get; }

    /// <summary>Row-major classes × features.</summary>
    internal float[] Weights { get; }

    internal float[] Bias { get; }

    /// <summary>Fits a model to rows <paramref name="x"/> with labels <paramref name="y"/> (indices into <paramref name="classes"/>).</summary>
    /// <exception cref="ArgumentException">Empty data, ragged rows, or labels out of range.</exception>
    public static SoftmaxRegression Fit(IReadOnlyList<float[]> x, IReadOnlyList<int> y, IReadOnlyList<string> classes, SoftmaxRegressionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(classes);
        options ??= new SoftmaxRegressionOptions();
        options.Validate();
        if (x.Count == 0 || x.Count != y.Count)
        {
            throw new ArgumentException($"need as many labels as rows (got {x.Count} rows, {y.Count} labels), at least one");
        }

        var d = x[0].Length;
        var k = classes.Count;
        var n = x.Count;
        var mean = new float[d];
        var scale = new float[d];
        var counts = new int[d];
        foreach (var row in x)
        {
            if (row.Length != d)
            {
                throw new ArgumentException($"ragged rows: {row.Length} features, expected {d}");
            }

            for (var j = 0; j < d; j++)
            {
                if (!float.IsNaN(row[j]))
                {
                    mean[j] += row[j];
                    counts[j]++;
                }
            }
        }

        for (var j = 0; j < d; j++)
        {
            mean[j] = counts[j] == 0 ? 0 : mean[j] / counts[j];
        }

        foreach (var row in x)
        {
            for (var j = 0; j < d; j++)
            {
                if (!float.IsNaN(row[j]))
                {
                    scale[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
                }
            }
        }

        for (var j = 0; j < d; j++)
        {
            var sd = counts[j] <= 1 ? 0 : MathF.Sqrt(scale[j] / (counts[j] - 1));
            scale[j] = sd > 1e-6f ? 1 / sd : 0;
        }

        var z = new float[n * d];
        for (var i = 0; i < n; i++)
        {
            Standardise(x[i], mean, scale, z.AsSpan(i * d, d));
            if ((uint)y[i] >= (uint)k)
            {
                throw new ArgumentException($"label {y[i]} of row {i} is outside the {k} classes");
            }
        }

        var model = new SoftmaxRegression(classes, mean, scale, new float[k * d], new float[k]);
        model.Train(z, y, n, options);
        return model;
    }

    private void Train(float[] z, IReadOnlyList<int> y, int n, SoftmaxRegressionOptions options)
    {
        var d = Features;
        var k = Classes.Count;
        var gradW = new float[k * d];
        var gradB = new float[k];
        var (mW, vW, mB, vB) = (new float[k * d], new float[k * d], new float[k], new float[k]);
        var p = new float[k];
        const float Beta1 = 0.9f, Beta2 = 0.999f, Eps = 1e-8f;
        for (var t = 1; t <= options.Iterations; t++)
        {
            Array.Clear(gradW);
            Array.Clear(gradB);
            for (var i = 0; i < n; i++)
            {
                var row = z.AsSpan(i * d, d);
                Probabilities(row, p);
                p[y[i]] -= 1;
                for (var c = 0; c < k; c++)
                {
                    // ∂loss/∂W_c = (p_c − 1[c = y]) · z
                    TensorPrimitives.MultiplyAdd(row, p[c] / n, gradW.AsSpan(c * d, d), gradW.AsSpan(c * d, d));
                    gradB[c] += p[c] / n;
                }
            }

            TensorPrimitives.MultiplyAdd(Weights, options.L2, gradW, gradW);
            var lr = options.LearningRate * MathF.Sqrt(1 - MathF.Pow(Beta2, t)) / (1 - MathF.Pow(Beta1, t));
            Adam(Weights, gradW, mW, vW, lr);
            Adam(Bias, gradB, mB, vB, lr);
        }

        static void Adam(float[] w, float[] g, float[] m, float[] v, float lr)
        {
            for (var j = 0; j < w.Length; j++)
            {
                m[j] = (Beta1 * m[j]) + ((1 - Beta1) * g[j]);
                v[j] = (Beta2 * v[j]) + ((1 - Beta2) * g[j] * g[j]);
                w[j] -= lr * m[j] / (MathF.Sqrt(v[j]) + Eps);
            }
        }
    }

    /// <summary>Class probabilities of one raw (unstandardised) feature row.</summary>
    /// <exception cref="ArgumentException">Wrong number of features.</exception>
    public float[] Predict(ReadOnlySpan<float> features)
    {
        if (features.Length != Features)
        {
            throw new ArgumentException($"expected {Features} features, got {features.Length}", nameof(features));
        }

        Span<float> z = Features <= 2048 ? stackalloc float[Features] : new float[Features];
        Standardise(features, Mean, Scale, z);
        var p = new float[Classes.Count];
        Probabilities(z, p);
        return p;
    }

    private void Probabilities(ReadOnlySpan<float> z, Span<float> p)
    {
        var d = Features;
        for (var c = 0; c < p.Length; c++)
        {
            p[c] = TensorPrimitives.Dot(Weights.AsSpan(c * d, d), z) + Bias[c];
        }

        // SoftMax exponentiates as it is: shift by the largest logit first, or exp overflows to ∞/∞ = NaN.
        TensorPrimitives.Subtract(p, TensorPrimitives.Max(p), p);
        TensorPrimitives.SoftMax(p, p);
    }

    private static void Standardise(ReadOnlySpan<float> raw, float[] mean, float[] scale, Span<float> z)
    {
        for (var j = 0; j < z.Length; j++)
        {
            z[j] = float.IsNaN(raw[j]) ? 0 : (raw[j] - mean[j]) * scale[j];
        }
    }

    /// <summary>The model as JSON (with <paramref name="card"/>: what it was trained on and how it scored).</summary>
    public string ToJson(ModelCard card) => JsonSerializer.Serialize(new Stored(card, [.. Classes], Mean, Scale, Weights, Bias), Json);

    /// <summary>Reads a model written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InputException">Malformed or inconsistent JSON (the message names <paramref name="source"/>).</exception>
    public static (SoftmaxRegression Model, ModelCard Card) FromJson(string json, string source)
    {
        Stored? s;
        try
        {
            s = JsonSerializer.Deserialize<Stored>(json, Json);
        }
        catch (JsonException e)
        {
            throw new InputException($"{source}: not a classifier file ({e.Message}).", e);
        }

        if (s is null || s.Classes.Length == 0 || s.Mean.Length == 0 || s.Scale.Length != s.Mean.Length
            || s.Weights.Length != s.Classes.Length * s.Mean.Length || s.Bias.Length != s.Classes.Length)
        {
            throw new InputException($"{source}: inconsistent classifier file (classes, means, scales, weights and biases disagree in size).");
        }

        return (new SoftmaxRegression(s.Classes, s.Mean, s.Scale, s.Weights, s.Bias), s.Card);
    }

    private sealed record Stored(ModelCard Card, string[] Classes, float[] Mean, float[] Scale, float[] Weights, float[] Bias);
}

/// <summary>What a shipped classifier is and how it was measured.</summary>
/// <param name="Name">Registered name (e.g. <c>ckplus-geometry</c>).</param>
/// <param name="Features">What its feature vector holds, in order.</param>
/// <param name="TrainedOn">Data it was fitted to.</param>
/// <param name="Validation">Cross-validated figures.</param>
/// <param name="Options">Fitting options.</param>
public sealed record ModelCard(string Name, string Features, string TrainedOn, string Validation, SoftmaxRegressionOptions Options);
