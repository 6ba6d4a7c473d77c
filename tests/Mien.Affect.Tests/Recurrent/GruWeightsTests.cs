using System.Security.Cryptography;
using Mien.Affect.Recurrent;

namespace Mien.Affect.Tests.Recurrent;

public sealed class GruWeightsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-gru-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SavedWeightsLoadBackIdenticalAndGiveTheSameEstimates()
    {
        var weights = GruTestData.RandomWeights(new Random(1), 20, 2);
        var path = Path.Combine(_dir, "sub", "m.gru");
        weights.Save(path);
        var loaded = GruExpressionModel.Load(path);
        Assert.Equal(weights.ToBytes(), loaded.Weights.ToBytes());
        Assert.Equal("random test weights", loaded.Weights.Description);
        var original = new GruExpressionModel(weights);
        foreach (var frame in GruTestData.RandomFrames(new Random(2), 40))
        {
            Assert.Equal(original.Update(frame).Probabilities, loaded.Update(frame).Probabilities);
        }
    }

    [Fact]
    public void TruncatedFilesAreRejectedAtEveryCut()
    {
        var bytes = GruTestData.RandomWeights(new Random(1), 4, 1).ToBytes();
        foreach (var cut in new[] { 0, 5, 8, 20, 40, 44, 60, bytes.Length / 2, bytes.Length - 33, bytes.Length - 1 })
        {
            var e = Assert.Throws<GruWeightsException>(() => GruWeights.Parse(bytes.AsSpan(0, cut), "cut.gru"));
            Assert.Contains("cut.gru", e.Message, StringComparison.Ordinal);
        }

        var longer = Assert.Throws<GruWeightsException>(() => GruWeights.Parse([.. bytes, 0], "long.gru"));
        Assert.Contains("longer than its header says", longer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFlippedBitIsReportedAsCorruption()
    {
        var bytes = GruTestData.RandomWeights(new Random(1), 4, 1).ToBytes();
        bytes[bytes.Length / 2] ^= 0x10;
        var e = Assert.Throws<GruWeightsException>(() => GruWeights.Parse(bytes, "flip.gru"));
        Assert.Contains("checksum", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherFilesVersionsAndFeatureLayoutsAreRejectedByName()
    {
        var bytes = GruTestData.RandomWeights(new Random(1), 4, 1).ToBytes();
        Assert.Contains("bad magic", Assert.Throws<GruWeightsException>(() => GruWeights.Parse("{\"not\": \"weights\"}"u8, "x.json")).Message, StringComparison.Ordinal);

        var version = Resealed(bytes, b => b[8] = 2);
        Assert.Contains("format version 2", Assert.Throws<GruWeightsException>(() => GruWeights.Parse(version, "v.gru")).Message, StringComparison.Ordinal);

        var layout = Resealed(bytes, b => b[12] ^= 1);
        Assert.Contains("another feature layout", Assert.Throws<GruWeightsException>(() => GruWeights.Parse(layout, "l.gru")).Message, StringComparison.Ordinal);

        // A NaN weight with a valid checksum (e.g. a diverged training run) is still refused.
        var nan = Resealed(bytes, b => BitConverter.GetBytes(float.NaN).CopyTo(b, b.Length - 32 - 4));
        Assert.Contains("non-finite", Assert.Throws<GruWeightsException>(() => GruWeights.Parse(nan, "nan.gru")).Message, StringComparison.Ordinal);

        var missing = Assert.Throws<GruWeightsException>(() => GruWeights.Load(Path.Combine(_dir, "none.gru")));
        Assert.Contains("none.gru", missing.Message, StringComparison.Ordinal);
    }

    /// <summary>Applies <paramref name="edit"/> and recomputes the trailing SHA-256, so only the edit is wrong.</summary>
    private static byte[] Resealed(byte[] bytes, Action<byte[]> edit)
    {
        var copy = (byte[])bytes.Clone();
        edit(copy);
        SHA256.HashData(copy.AsSpan(0, copy.Length - 32)).CopyTo(copy, copy.Length - 32);
        return copy;
    }
}
