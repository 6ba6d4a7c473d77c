namespace Mien.Skin;

/// <summary>Order statistics on scratch spans (the span is reordered).</summary>
internal static class RobustStats
{
    /// <summary>Median of <paramref name="values"/> (reorders it); NaN when empty.</summary>
    public static float Median(Span<float> values)
    {
        var n = values.Length;
        if (n == 0)
        {
            return float.NaN;
        }

        var upper = Select(values, n / 2);
        if ((n & 1) == 1)
        {
            return upper;
        }

        // After Select, everything left of n/2 is ≤ upper: the lower middle is their maximum.
        var lower = float.MinValue;
        foreach (var v in values[..(n / 2)])
        {
            lower = Math.Max(lower, v);
        }

        return (lower + upper) / 2;
    }

    /// <summary>Median absolute deviation from <paramref name="median"/> (reorders the span).</summary>
    public static float Mad(Span<float> values, float median)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Math.Abs(values[i] - median);
        }

        return Median(values);
    }

    /// <summary>The k-th smallest value (Hoare quickselect, median-of-three pivot), partially ordering the span.</summary>
    public static float Select(Span<float> values, int k)
    {
        int lo = 0, hi = values.Length - 1;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            float a = values[lo], b = values[mid], c = values[hi];
            var pivot = Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
            int i = lo, j = hi;
            while (i <= j)
            {
                while (values[i] < pivot)
                {
                    i++;
                }

                while (values[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                hi = j;
            }
            else if (k >= i)
            {
                lo = i;
            }
            else
            {
                return values[k];
            }
        }

        return values[k];
    }

    /// <summary>Weighted median: the smallest value whose cumulative weight reaches half the total (NaN when empty or weightless).</summary>
    public static float WeightedMedian(ReadOnlySpan<float> values, ReadOnlySpan<float> weights)
    {
        var n = values.Length;
        if (n == 0)
        {
            return float.NaN;
        }

        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        var keys = values.ToArray();
        Array.Sort(keys, order);
        double total = 0;
        foreach (var w in weights)
        {
            total += w;
        }

        if (!(total > 0))
        {
            return float.NaN;
        }

        double acc = 0;
        for (var i = 0; i < n; i++)
        {
            acc += weights[order[i]];
            if (acc >= total / 2)
            {
                // Exactly half: average with the next value, as the unweighted median does for even counts.
                if (Math.Abs(acc - (total / 2)) < 1e-9 * total && i + 1 < n)
                {
                    return (keys[i] + keys[i + 1]) / 2;
                }

                return keys[i];
            }
        }

        return keys[n - 1];
    }
}
