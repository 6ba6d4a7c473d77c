using System.Security.Cryptography;
using System.Text;
using Mien.Results;

namespace Mien.Affect.Recurrent;

/// <summary>A weights file is missing, corrupt, or was made for another feature layout; the message names the file and the problem.</summary>
public sealed class GruWeightsException(string message, Exception? inner = null) : Mien.Failures.InputException(message, inner);

/// <summary>
/// The parameters of a <see cref="GruExpressionModel"/>: feature normalisation, a stack of GRU layers in PyTorch's
/// layout (gate rows r, z, n: <c>weight_ih_l{k}</c> [3H × in], <c>weight_hh_l{k}</c> [3H × H], <c>bias_ih_l{k}</c>,
/// <c>bias_hh_l{k}</c> [3H]) and a linear head [C × H] onto the seven expression classes.
/// </summary>
/// <remarks>
/// File format (".gru", little-endian, version 1): magic <c>MIENGRU\0</c>; u32 version; u64
/// <see cref="TemporalFeatures.LayoutHash"/>; i32 features F, hidden H, layers L, classes C; i32 n + n bytes UTF-8
/// description; f32[F] feature mean; f32[F] feature std; per layer W_ih, W_hh, b_ih, b_hh; head W, head b; then the
/// SHA-256 of every preceding byte. Reading checks all of it (magic, version, layout, sizes, finiteness, std &gt; 0,
/// checksum, no trailing bytes) and throws <see cref="GruWeightsException"/> on the first problem.
/// </remarks>
public sealed class GruWeights
{
    /// <summary>The current file format version.</summary>
    public const int FormatVersion = 1;

    /// <summary>Largest hidden size a file may declare (guards against allocating from a corrupt header).</summary>
    public const int MaxHidden = 1024;

    /// <summary>Largest number of layers a file may declare.</summary>
    public const int MaxLayers = 8;

    private static ReadOnlySpan<byte> Magic => "MIENGRU\0"u8;

    /// <summary>Creates weights, checking every shape and value.</summary>
    /// <exception cref="ArgumentException">A shape does not match or a value is not finite (std must be positive).</exception>
    public GruWeights(
        int hiddenSize,
        float[] featureMean,
        float[] featureStd,
        IReadOnlyList<GruLayerWeights> layers,
        float[] headWeight,
        float[] headBias,
        string description = "")
    {
        ArgumentNullException.ThrowIfNull(featureMean);
        ArgumentNullException.ThrowIfNull(featureStd);
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(headWeight);
        ArgumentNullException.ThrowIfNull(headBias);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hiddenSize, MaxHidden);
        if (layers.Count is < 1 or > MaxLayers)
        {
            throw new ArgumentException($"layers: {layers.Count}, must be within [1, {MaxLayers}]", nameof(layers));
        }

        var f = TemporalFeatures.Length;
        Check(featureMean, f, nameof(featureMean));
        Check(featureStd, f, nameof(featureStd));
        foreach (var s in featureStd)
        {
            if (!(s > 0))
            {
                throw new ArgumentException($"feature std must be positive, got {s}", nameof(featureStd));
            }
        }

        for (var l = 0; l < layers.Count; l++)
        {
            var input = l == 0 ? f : hiddenSize;
            var layer = layers[l] ?? throw new ArgumentException($"layer {l} is null", nameof(layers));
            Check(layer.WeightIh, 3 * hiddenSize * input, $"layer {l} weight_ih");
            Check(layer.WeightHh, 3 * hiddenSize * hiddenSize, $"layer {l} weight_hh");
            Check(layer.BiasIh, 3 * hiddenSize, $"layer {l} bias_ih");
            Check(layer.BiasHh, 3 * hiddenSize, $"layer {l} bias_hh");
        }

        Check(headWeight, Classes * hiddenSize, nameof(headWeight));
        Check(headBias, Classes, nameof(headBias));
        HiddenSize = hiddenSize;
        FeatureMean = featureMean;
        FeatureStd = featureStd;
        Layers = layers;
        HeadWeight = headWeight;
        HeadBias = headBias;
        Description = description;
    }

    /// <summary>Output classes (<see cref="ExpressionEstimate.Labels"/>).</summary>
    public static int Classes => ExpressionEstimate.Labels.Count;

    /// <summary>Hidden units per layer (H).</summary>
    public int HiddenSize { get; }

    /// <summary>Per-feature mean subtracted before the first layer.</summary>
    public float[] FeatureMean { get; }

    /// <summary>Per-feature standard deviation divided out before the first layer.</summary>
    public float[] FeatureStd { get; }

    /// <summary>The GRU layers, input first.</summary>
    public IReadOnlyList<GruLayerWeights> Layers { get; }

    /// <summary>Linear head weight, row-major [C × H].</summary>
    public float[] HeadWeight { get; }

    /// <summary>Linear head bias [C].</summary>
    public float[] HeadBias { get; }

    /// <summary>Free text stored with the weights (how they were trained).</summary>
    public string Description { get; }

    /// <summary>Reads and validates a weights file.</summary>
    /// <exception cref="GruWeightsException">The file is missing, unreadable, corrupt or for another feature layout.</exception>
    public static GruWeights Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GruWeightsException($"cannot read GRU weights '{path}': {e.Message}", e);
        }

        return Parse(bytes, path);
    }

    /// <summary>Parses a weights file's bytes; <paramref name="name"/> is used in error messages.</summary>
    /// <exception cref="GruWeightsException">The bytes are not a valid weights file for this feature layout.</exception>
    public static GruWeights Parse(ReadOnlySpan<byte> bytes, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var reader = new SpanReader(bytes, name);
        if (bytes.Length < Magic.Length || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            throw new GruWeightsException($"'{name}' is not a Mien GRU weights file (bad magic; expected a file written by `mien train temporal`)");
        }

        reader.Skip(Magic.Length);
        var version = reader.UInt32();
        if (version != FormatVersion)
        {
            throw new GruWeightsException($"'{name}': format version {version} is not supported (this build reads version {FormatVersion}); retrain with this build");
        }

        var layout = reader.UInt64();
        var features = reader.Int32();
        if (layout != TemporalFeatures.LayoutHash || features != TemporalFeatures.Length)
        {
            throw new GruWeightsException(
                $"'{name}' was trained on another feature layout (hash {layout:x16}, {features} features; this build uses {TemporalFeatures.LayoutHash:x16}, {TemporalFeatures.Length}); retrain with this build");
        }

        var hidden = reader.Int32();
        var layers = reader.Int32();
        var classes = reader.Int32();
        if (hidden is < 1 or > MaxHidden || layers is < 1 or > MaxLayers || classes != Classes)
        {
            throw new GruWeightsException($"'{name}': invalid header (hidden {hidden}, layers {layers}, classes {classes}; expected hidden 1–{MaxHidden}, layers 1–{MaxLayers}, classes {Classes})");
        }

        // The checksum is verified before the payload is trusted, so a flipped bit is reported as corruption.
        if (bytes.Length < SHA256.HashSizeInBytes)
        {
            throw new GruWeightsException($"'{name}' is truncated");
        }

        var expectedLength = ExpectedLength(reader.Position, bytes, hidden, layers, features, name);
        if (bytes.Length != expectedLength)
        {
            throw new GruWeightsException($"'{name}' is {(bytes.Length < expectedLength ? "truncated" : "longer than its header says")} ({bytes.Length} bytes, expected {expectedLength})");
        }

        var body = bytes[..^SHA256.HashSizeInBytes];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        if (!hash.SequenceEqual(bytes[^SHA256.HashSizeInBytes..]))
        {
            throw new GruWeightsException($"'{name}' is corrupt (SHA-256 checksum mismatch)");
        }

        var descriptionLength = reader.Int32();
        var description = Encoding.UTF8.GetString(reader.Bytes(descriptionLength));
        var mean = reader.Floats(features, "feature mean");
        var std = reader.Floats(features, "feature std");
        var list = new GruLayerWeights[layers];
        for (var l = 0; l < layers; l++)
        {
            var input = l == 0 ? features : hidden;
            list[l] = new GruLayerWeights(
                reader.Floats(3 * hidden * input, $"layer {l} weight_ih"),
                reader.Floats(3 * hidden * hidden, $"layer {l} weight_hh"),
                reader.Floats(3 * hidden, $"layer {l} bias_ih"),
                reader.Floats(3 * hidden, $"layer {l} bias_hh"));
        }

        var headWeight = reader.Floats(classes * hidden, "head weight");
        var headBias = reader.Floats(classes, "head bias");
        try
        {
            return new GruWeights(hidden, mean, std, list, headWeight, headBias, description);
        }
        catch (ArgumentException e)
        {
            throw new GruWeightsException($"'{name}': {e.Message}", e);
        }
    }

    /// <summary>Writes the weights file atomically (temporary file, then rename).</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        File.WriteAllBytes(temp, ToBytes());
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>The file's bytes (see the remarks for the format).</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write((uint)FormatVersion);
            w.Write(TemporalFeatures.LayoutHash);
            w.Write(TemporalFeatures.Length);
            w.Write(HiddenSize);
            w.Write(Layers.Count);
            w.Write(Classes);
            var description = Encoding.UTF8.GetBytes(Description);
            w.Write(description.Length);
            w.Write(description);
            WriteFloats(w, FeatureMean);
            WriteFloats(w, FeatureStd);
            foreach (var layer in Layers)
            {
                WriteFloats(w, layer.WeightIh);
                WriteFloats(w, layer.WeightHh);
                WriteFloats(w, layer.BiasIh);
                WriteFloats(w, layer.BiasHh);
            }

            WriteFloats(w, HeadWeight);
            WriteFloats(w, HeadBias);
        }

        var body = stream.ToArray();
        var hash = SHA256.HashData(body);
        return [.. body, .. hash];
    }

    private static long ExpectedLength(int position, ReadOnlySpan<byte> bytes, int hidden, int layers, int features, string name)
    {
        if (bytes.Length < position + 4)
        {
            throw new GruWeightsException($"'{name}' is truncated (in the header)");
        }

        var descriptionLength = BitConverter.ToInt32(bytes.Slice(position, 4));
        if (descriptionLength is < 0 or > 1 << 20)
        {
            throw new GruWeightsException($"'{name}': invalid description length {descriptionLength}");
        }

        long floats = 2L * features;
        for (var l = 0; l < layers; l++)
        {
            var input = l == 0 ? features : hidden;
            floats += (3L * hidden * input) + (3L * hidden * hidden) + (6L * hidden);
        }

        floats += (Classes * (long)hidden) + Classes;
        return position + 4L + descriptionLength + (4 * floats) + SHA256.HashSizeInBytes;
    }

    private static void WriteFloats(BinaryWriter w, float[] values)
    {
        foreach (var v in values)
        {
            w.Write(v);
        }
    }

    private static void Check(float[] values, int length, string what)
    {
        ArgumentNullException.ThrowIfNull(values, what);
        if (values.Length != length)
        {
            throw new ArgumentException($"{what}: {values.Length} values, expected {length}", what);
        }

        foreach (var v in values)
        {
            if (!float.IsFinite(v))
            {
                throw new ArgumentException($"{what}: contains a non-finite value ({v})", what);
            }
        }
    }

    private ref struct SpanReader(ReadOnlySpan<byte> bytes, string name)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private readonly string _name = name;

        public int Position { get; private set; }

        public void Skip(int n) => Take(n, "header");

        public uint UInt32() => BitConverter.ToUInt32(Take(4, "header"));

        public ulong UInt64() => BitConverter.ToUInt64(Take(8, "header"));

        public int Int32() => BitConverter.ToInt32(Take(4, "header"));

        public ReadOnlySpan<byte> Bytes(int n) => Take(n, "description");

        public float[] Floats(int n, string what)
        {
            var span = Take(checked(n * 4), what);
            var values = new float[n];
            for (var i = 0; i < n; i++)
            {
                values[i] = BitConverter.ToSingle(span.Slice(i * 4, 4));
            }

            return values;
        }

        private ReadOnlySpan<byte> Take(int n, string what)
        {
            if (n < 0 || Position + n > _bytes.Length)
            {
                throw new GruWeightsException($"'{_name}' is truncated (in the {what})");
            }

            var span = _bytes.Slice(Position, n);
            Position += n;
            return span;
        }
    }
}

/// <summary>One GRU layer's parameters in PyTorch's layout (gate rows r, z, n; row-major).</summary>
/// <param name="WeightIh">Input-to-hidden weights [3H × in].</param>
/// <param name="WeightHh">Hidden-to-hidden weights [3H × H].</param>
/// <param name="BiasIh">Input-to-hidden bias [3H].</param>
/// <param name="BiasHh">Hidden-to-hidden bias [3H].</param>
public sealed record GruLayerWeights(float[] WeightIh, float[] WeightHh, float[] BiasIh, float[] BiasHh);
