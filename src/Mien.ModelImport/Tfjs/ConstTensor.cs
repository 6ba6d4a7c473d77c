namespace Mien.ModelImport.Tfjs;

/// <summary>
/// A constant tensor held on the managed heap during import (weights, shapes, axes). Shapes use TF
/// semantics (row-major, NHWC for images).
/// </summary>
internal sealed class ConstTensor
{
    private ConstTensor(TfDataType type, int[] shape, float[]? floats, int[]? ints, long[]? longs, bool[]? bools)
    {
        DType = type;
        Shape = shape;
        Floats = floats;
        Ints = ints;
        Longs = longs;
        Bools = bools;
    }

    public TfDataType DType { get; }

    public int[] Shape { get; }

    public float[]? Floats { get; }

    public int[]? Ints { get; }

    public long[]? Longs { get; }

    public bool[]? Bools { get; }

    public int Count => ElementCount(Shape);

    public static int ElementCount(ReadOnlySpan<int> shape)
    {
        var n = 1;
        foreach (var d in shape)
        {
            n = checked(n * d);
        }

        return n;
    }

    public static ConstTensor Float(int[] shape, float[] data) => Check(new ConstTensor(TfDataType.Float32, shape, data, null, null, null), data.Length);

    public static ConstTensor Int(int[] shape, int[] data) => Check(new ConstTensor(TfDataType.Int32, shape, null, data, null, null), data.Length);

    public static ConstTensor Long(int[] shape, long[] data) => Check(new ConstTensor(TfDataType.Int64, shape, null, null, data, null), data.Length);

    public static ConstTensor Bool(int[] shape, bool[] data) => Check(new ConstTensor(TfDataType.Bool, shape, null, null, null, data), data.Length);

    /// <summary>Integer values of a small int constant (shape vectors, axes, paddings).</summary>
    public long[] ToInt64Array() => DType switch
    {
        TfDataType.Int32 => Array.ConvertAll(Ints!, v => (long)v),
        TfDataType.Int64 => (long[])Longs!.Clone(),
        TfDataType.Float32 => Array.ConvertAll(Floats!, v => (long)v),
        _ => throw new InvalidOperationException($"a {DType} constant has no integer values"),
    };

    /// <summary>Same data, new shape (element count must match).</summary>
    public ConstTensor Reshape(int[] shape)
    {
        if (ElementCount(shape) != Count)
        {
            throw new InvalidOperationException($"cannot reshape [{string.Join(',', Shape)}] to [{string.Join(',', shape)}]");
        }

        return new ConstTensor(DType, shape, Floats, Ints, Longs, Bools);
    }

    /// <summary>Permutes the axes (like numpy.transpose).</summary>
    public ConstTensor Transpose(ReadOnlySpan<int> perm)
    {
        var rank = Shape.Length;
        if (perm.Length != rank)
        {
            throw new InvalidOperationException("permutation rank mismatch");
        }

        var outShape = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            outShape[i] = Shape[perm[i]];
        }

        var inStrides = Strides(Shape);
        var count = Count;
        var srcIndex = new int[count];
        var idx = new int[rank];
        for (var o = 0; o < count; o++)
        {
            var src = 0;
            for (var i = 0; i < rank; i++)
            {
                src += idx[i] * inStrides[perm[i]];
            }

            srcIndex[o] = src;
            for (var i = rank - 1; i >= 0; i--)
            {
                if (++idx[i] < outShape[i])
                {
                    break;
                }

                idx[i] = 0;
            }
        }

        return DType switch
        {
            TfDataType.Float32 => Float(outShape, Gather(Floats!, srcIndex)),
            TfDataType.Int32 => Int(outShape, Gather(Ints!, srcIndex)),
            TfDataType.Int64 => Long(outShape, Gather(Longs!, srcIndex)),
            _ => Bool(outShape, Gather(Bools!, srcIndex)),
        };
    }

    internal static int[] Strides(ReadOnlySpan<int> shape)
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

    private static T[] Gather<T>(T[] src, int[] index)
    {
        var dst = new T[index.Length];
        for (var i = 0; i < index.Length; i++)
        {
            dst[i] = src[index[i]];
        }

        return dst;
    }

    private static ConstTensor Check(ConstTensor t, int length)
    {
        if (ElementCount(t.Shape) != length)
        {
            throw new FormatException($"tensor of shape [{string.Join(',', t.Shape)}] needs {ElementCount(t.Shape)} values but has {length}");
        }

        return t;
    }
}
