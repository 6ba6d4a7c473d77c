namespace Mien.ModelImport.Tests;

/// <summary>A dense row-major tensor on the managed heap: the currency of the references and the ORT runs.</summary>
internal sealed record Nd<T>(int[] Shape, T[] Data)
    where T : unmanaged
{
    public int Rank => Shape.Length;

    /// <summary>Offset of a multi-index (row-major).</summary>
    public int Offset(ReadOnlySpan<int> index)
    {
        var offset = 0;
        for (var i = 0; i < Shape.Length; i++)
        {
            offset = (offset * Shape[i]) + index[i];
        }

        return offset;
    }

    public T this[params int[] index] => Data[Offset(index)];

    public override string ToString() => $"Nd<{typeof(T).Name}>[{string.Join(',', Shape)}]";
}

internal static class Nd
{
    public static Nd<float> Float(int[] shape, params float[] data) => new(shape, data);

    public static Nd<int> Int(int[] shape, params int[] data) => new(shape, data);

    public static int Count(ReadOnlySpan<int> shape)
    {
        var n = 1;
        foreach (var d in shape)
        {
            n *= d;
        }

        return n;
    }

    /// <summary>Uniform values in [lo, hi) from a seeded generator, so failures reproduce.</summary>
    public static Nd<float> Random(Random rng, int[] shape, float lo = -1f, float hi = 1f)
    {
        var data = new float[Count(shape)];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = lo + ((hi - lo) * rng.NextSingle());
        }

        return new(shape, data);
    }

    public static Nd<int> RandomInt(Random rng, int[] shape, int lo, int hiExclusive)
    {
        var data = new int[Count(shape)];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = rng.Next(lo, hiExclusive);
        }

        return new(shape, data);
    }

    /// <summary>Row-major strides of <paramref name="shape"/>.</summary>
    public static int[] Strides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        var s = 1;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= shape[i];
        }

        return strides;
    }

    /// <summary>Advances a multi-index over <paramref name="shape"/> in row-major order; false after the last one.</summary>
    public static bool Next(int[] index, ReadOnlySpan<int> shape)
    {
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            if (++index[i] < shape[i])
            {
                return true;
            }

            index[i] = 0;
        }

        return false;
    }
}
