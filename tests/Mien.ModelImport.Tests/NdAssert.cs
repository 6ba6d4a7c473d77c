using Xunit.Sdk;

namespace Mien.ModelImport.Tests;

/// <summary>Tensor comparisons whose failure messages name the first differing element and its index.</summary>
internal static class NdAssert
{
    /// <summary>
    /// Float32 tolerance: 1e-5 absolute for values up to 1, relative above that, since a float32 sum of
    /// many products carries an error proportional to its magnitude.
    /// </summary>
    public const double Tolerance = 1e-5;

    public static void Close(Nd<float> expected, Nd<float> actual, double tolerance = Tolerance)
    {
        SameShape(expected.Shape, actual.Shape);
        var worst = -1;
        var worstExcess = 0.0;
        for (var i = 0; i < expected.Data.Length; i++)
        {
            double e = expected.Data[i], a = actual.Data[i];
            var allowed = tolerance * Math.Max(1.0, Math.Abs(e));
            var diff = Math.Abs(e - a);
            if (double.IsNaN(e) != double.IsNaN(a) || diff > allowed)
            {
                var excess = double.IsNaN(diff) ? double.PositiveInfinity : diff / allowed;
                if (worst < 0 || excess > worstExcess)
                {
                    worst = i;
                    worstExcess = excess;
                }
            }
        }

        if (worst >= 0)
        {
            throw new XunitException(
                $"Tensors differ: at index [{string.Join(',', Unravel(worst, expected.Shape))}] expected {expected.Data[worst]:R} but got {actual.Data[worst]:R} " +
                $"(|diff| {Math.Abs(expected.Data[worst] - actual.Data[worst]):G3}, tolerance {tolerance:G3}); shape [{string.Join(',', expected.Shape)}]" +
                $"{Environment.NewLine}expected: {Preview(expected.Data)}{Environment.NewLine}actual:   {Preview(actual.Data)}");
        }
    }

    public static void Equal<T>(Nd<T> expected, Nd<T> actual)
        where T : unmanaged, IEquatable<T>
    {
        SameShape(expected.Shape, actual.Shape);
        for (var i = 0; i < expected.Data.Length; i++)
        {
            if (!expected.Data[i].Equals(actual.Data[i]))
            {
                throw new XunitException(
                    $"Tensors differ: at index [{string.Join(',', Unravel(i, expected.Shape))}] expected {expected.Data[i]} but got {actual.Data[i]}" +
                    $"{Environment.NewLine}expected: {Preview(expected.Data)}{Environment.NewLine}actual:   {Preview(actual.Data)}");
            }
        }
    }

    private static void SameShape(int[] expected, int[] actual)
    {
        if (!expected.AsSpan().SequenceEqual(actual))
        {
            throw new XunitException($"Shapes differ: expected [{string.Join(',', expected)}] but got [{string.Join(',', actual)}]");
        }
    }

    private static int[] Unravel(int offset, int[] shape)
    {
        var index = new int[shape.Length];
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            index[i] = offset % shape[i];
            offset /= shape[i];
        }

        return index;
    }

    private static string Preview<T>(T[] data) =>
        "[" + string.Join(", ", data.Take(24)) + (data.Length > 24 ? $", … ({data.Length} values)]" : "]");
}
