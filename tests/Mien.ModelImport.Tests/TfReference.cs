namespace Mien.ModelImport.Tests;

/// <summary>
/// Naive reference implementations of the TensorFlow ops the importer maps. They follow TF's documented
/// semantics — the padding rules of tf.nn.conv2d / depthwise_conv2d / max_pool / avg_pool ("Notes on
/// padding" in the tf.nn docs), tf.pad, the ResizeBilinear / ResizeNearestNeighbor kernels' three sampling
/// grids, tf.strided_slice's sparse-spec and mask rules, numpy broadcasting, floor division — as plain
/// loops over row-major NHWC arrays, accumulating in double. They share no code with the importer, so a
/// mapper bug cannot hide in both.
/// </summary>
internal static class TfReference
{
    /// <summary>Output size and leading pad of one spatial axis under a TF padding mode.</summary>
    public static (int Out, int PadBefore) Geometry(int inSize, int kernel, int stride, int dilation, string padding, int before = 0, int after = 0)
    {
        var effectiveKernel = ((kernel - 1) * dilation) + 1;
        switch (padding)
        {
            case "VALID":
                // out = ceil((in - k_eff + 1) / stride), no padding.
                return (CeilDiv(inSize - effectiveKernel + 1, stride), 0);
            case "SAME":
            {
                // out = ceil(in / stride); the total pad is split with the extra pixel at the end.
                var output = CeilDiv(inSize, stride);
                var total = Math.Max(((output - 1) * stride) + effectiveKernel - inSize, 0);
                return (output, total / 2);
            }

            case "EXPLICIT":
                return (((inSize + before + after - effectiveKernel) / stride) + 1, before);
            default:
                throw new ArgumentOutOfRangeException(nameof(padding), padding, null);
        }
    }

    /// <summary>tf.nn.conv2d: x [N,H,W,C], filter [kh,kw,C,O] → [N,oh,ow,O]; zero padding.</summary>
    public static Nd<float> Conv2D(Nd<float> x, Nd<float> filter, int strideH, int strideW, string padding,
        int dilationH = 1, int dilationW = 1, (int Top, int Bottom, int Left, int Right) explicitPads = default)
    {
        int n = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3];
        int kh = filter.Shape[0], kw = filter.Shape[1], o = filter.Shape[3];
        var (oh, top) = Geometry(h, kh, strideH, dilationH, padding, explicitPads.Top, explicitPads.Bottom);
        var (ow, left) = Geometry(w, kw, strideW, dilationW, padding, explicitPads.Left, explicitPads.Right);
        var y = new float[n * oh * ow * o];
        var at = 0;
        for (var b = 0; b < n; b++)
        {
            for (var oy = 0; oy < oh; oy++)
            {
                for (var ox = 0; ox < ow; ox++)
                {
                    for (var oc = 0; oc < o; oc++)
                    {
                        var sum = 0.0;
                        for (var i = 0; i < kh; i++)
                        {
                            var iy = (oy * strideH) + (i * dilationH) - top;
                            if (iy < 0 || iy >= h)
                            {
                                continue;
                            }

                            for (var j = 0; j < kw; j++)
                            {
                                var ix = (ox * strideW) + (j * dilationW) - left;
                                if (ix < 0 || ix >= w)
                                {
                                    continue;
                                }

                                for (var ic = 0; ic < c; ic++)
                                {
                                    sum += (double)x[b, iy, ix, ic] * filter[i, j, ic, oc];
                                }
                            }
                        }

                        y[at++] = (float)sum;
                    }
                }
            }
        }

        return new([n, oh, ow, o], y);
    }

    /// <summary>
    /// tf.nn.depthwise_conv2d: x [N,H,W,C], filter [kh,kw,C,M] → [N,oh,ow,C*M]; output channel c*M+m is
    /// input channel c convolved with filter m.
    /// </summary>
    public static Nd<float> DepthwiseConv2D(Nd<float> x, Nd<float> filter, int strideH, int strideW, string padding,
        int dilationH = 1, int dilationW = 1)
    {
        int n = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3];
        int kh = filter.Shape[0], kw = filter.Shape[1], m = filter.Shape[3];
        var (oh, top) = Geometry(h, kh, strideH, dilationH, padding);
        var (ow, left) = Geometry(w, kw, strideW, dilationW, padding);
        var y = new float[n * oh * ow * c * m];
        var at = 0;
        for (var b = 0; b < n; b++)
        {
            for (var oy = 0; oy < oh; oy++)
            {
                for (var ox = 0; ox < ow; ox++)
                {
                    for (var ic = 0; ic < c; ic++)
                    {
                        for (var k = 0; k < m; k++)
                        {
                            var sum = 0.0;
                            for (var i = 0; i < kh; i++)
                            {
                                var iy = (oy * strideH) + (i * dilationH) - top;
                                for (var j = 0; j < kw; j++)
                                {
                                    var ix = (ox * strideW) + (j * dilationW) - left;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                    {
                                        sum += (double)x[b, iy, ix, ic] * filter[i, j, ic, k];
                                    }
                                }
                            }

                            y[at++] = (float)sum;
                        }
                    }
                }
            }
        }

        return new([n, oh, ow, c * m], y);
    }

    /// <summary>tf.nn.max_pool: padded positions never win (TF pads with -inf).</summary>
    public static Nd<float> MaxPool(Nd<float> x, int kh, int kw, int strideH, int strideW, string padding) =>
        Pool(x, kh, kw, strideH, strideW, padding, average: false);

    /// <summary>tf.nn.avg_pool: averages over the window's positions inside the input only (padding is not counted).</summary>
    public static Nd<float> AvgPool(Nd<float> x, int kh, int kw, int strideH, int strideW, string padding) =>
        Pool(x, kh, kw, strideH, strideW, padding, average: true);

    private static Nd<float> Pool(Nd<float> x, int kh, int kw, int strideH, int strideW, string padding, bool average)
    {
        int n = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3];
        var (oh, top) = Geometry(h, kh, strideH, 1, padding);
        var (ow, left) = Geometry(w, kw, strideW, 1, padding);
        var y = new float[n * oh * ow * c];
        var at = 0;
        for (var b = 0; b < n; b++)
        {
            for (var oy = 0; oy < oh; oy++)
            {
                for (var ox = 0; ox < ow; ox++)
                {
                    for (var ch = 0; ch < c; ch++)
                    {
                        var sum = 0.0;
                        var max = double.NegativeInfinity;
                        var count = 0;
                        for (var i = 0; i < kh; i++)
                        {
                            for (var j = 0; j < kw; j++)
                            {
                                int iy = (oy * strideH) + i - top, ix = (ox * strideW) + j - left;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                {
                                    var v = x[b, iy, ix, ch];
                                    sum += v;
                                    max = Math.Max(max, v);
                                    count++;
                                }
                            }
                        }

                        y[at++] = (float)(average ? sum / count : max);
                    }
                }
            }
        }

        return new([n, oh, ow, c], y);
    }

    /// <summary>tf.pad (CONSTANT): paddings[i] = (before, after) for axis i.</summary>
    public static Nd<float> Pad(Nd<float> x, (int Before, int After)[] paddings, float value = 0f)
    {
        var rank = x.Rank;
        var shape = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            shape[i] = x.Shape[i] + paddings[i].Before + paddings[i].After;
        }

        var y = Enumerable.Repeat(value, Nd.Count(shape)).ToArray();
        var result = new Nd<float>(shape, y);
        var index = new int[rank];
        var target = new int[rank];
        if (x.Data.Length == 0)
        {
            return result;
        }

        do
        {
            for (var i = 0; i < rank; i++)
            {
                target[i] = index[i] + paddings[i].Before;
            }

            y[result.Offset(target)] = x.Data[x.Offset(index)];
        }
        while (Nd.Next(index, x.Shape));

        return result;
    }

    /// <summary>tf.pad with mode REFLECT (MirrorPad): the border row is not repeated ([1,2,3] padded by 2 → [3,2,1,2,3,2,1]).</summary>
    public static Nd<float> PadReflect(Nd<float> x, (int Before, int After)[] paddings)
    {
        var rank = x.Rank;
        var shape = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            shape[i] = x.Shape[i] + paddings[i].Before + paddings[i].After;
        }

        var y = new float[Nd.Count(shape)];
        var index = new int[rank];
        var source = new int[rank];
        for (var o = 0; o < y.Length; o++)
        {
            for (var i = 0; i < rank; i++)
            {
                var s = index[i] - paddings[i].Before;
                source[i] = s < 0 ? -s : s >= x.Shape[i] ? (2 * (x.Shape[i] - 1)) - s : s;
            }

            y[o] = x.Data[x.Offset(source)];
            Nd.Next(index, shape);
        }

        return new(shape, y);
    }

    /// <summary>
    /// TF's ResizeBilinear kernel. Scale is in/out, or (in-1)/(out-1) with align_corners (0 for out = 1);
    /// the source coordinate is out*scale, or (out+0.5)*scale-0.5 with half_pixel_centers; the lower
    /// neighbour is clamped at 0 and the upper at in-1. Evaluated in float like the kernel.
    /// </summary>
    public static Nd<float> ResizeBilinear(Nd<float> x, int outH, int outW, bool alignCorners, bool halfPixelCenters)
    {
        int n = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3];
        var ys = Interpolation(h, outH, alignCorners, halfPixelCenters);
        var xs = Interpolation(w, outW, alignCorners, halfPixelCenters);
        var y = new float[n * outH * outW * c];
        var at = 0;
        for (var b = 0; b < n; b++)
        {
            for (var oy = 0; oy < outH; oy++)
            {
                for (var ox = 0; ox < outW; ox++)
                {
                    for (var ch = 0; ch < c; ch++)
                    {
                        var topLeft = x[b, ys[oy].Lower, xs[ox].Lower, ch];
                        var topRight = x[b, ys[oy].Lower, xs[ox].Upper, ch];
                        var bottomLeft = x[b, ys[oy].Upper, xs[ox].Lower, ch];
                        var bottomRight = x[b, ys[oy].Upper, xs[ox].Upper, ch];
                        var top = topLeft + ((topRight - topLeft) * xs[ox].Lerp);
                        var bottom = bottomLeft + ((bottomRight - bottomLeft) * xs[ox].Lerp);
                        y[at++] = top + ((bottom - top) * ys[oy].Lerp);
                    }
                }
            }
        }

        return new([n, outH, outW, c], y);
    }

    private static (int Lower, int Upper, float Lerp)[] Interpolation(int inSize, int outSize, bool alignCorners, bool halfPixelCenters)
    {
        var scale = ResizeScale(inSize, outSize, alignCorners);
        var result = new (int, int, float)[outSize];
        for (var i = 0; i < outSize; i++)
        {
            var source = halfPixelCenters ? ((i + 0.5f) * scale) - 0.5f : i * scale;
            var floor = MathF.Floor(source);
            result[i] = (Math.Max((int)floor, 0), Math.Min((int)MathF.Ceiling(source), inSize - 1), source - floor);
        }

        return result;
    }

    /// <summary>
    /// TF's ResizeNearestNeighbor kernel: source index floor(out*scale) (round(out*scale) with
    /// align_corners; floor((out+0.5)*scale) with half_pixel_centers), clamped to [0, in-1].
    /// </summary>
    public static Nd<float> ResizeNearest(Nd<float> x, int outH, int outW, bool alignCorners, bool halfPixelCenters)
    {
        int n = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3];
        var hs = ResizeScale(h, outH, alignCorners);
        var ws = ResizeScale(w, outW, alignCorners);
        int Source(int i, float scale, int inSize)
        {
            var s = halfPixelCenters ? (i + 0.5f) * scale : i * scale;
            var index = alignCorners ? (int)MathF.Round(s, MidpointRounding.AwayFromZero) : (int)MathF.Floor(s);
            return Math.Max(Math.Min(index, inSize - 1), 0);
        }

        var y = new float[n * outH * outW * c];
        var at = 0;
        for (var b = 0; b < n; b++)
        {
            for (var oy = 0; oy < outH; oy++)
            {
                for (var ox = 0; ox < outW; ox++)
                {
                    for (var ch = 0; ch < c; ch++)
                    {
                        y[at++] = x[b, Source(oy, hs, h), Source(ox, ws, w), ch];
                    }
                }
            }
        }

        return new([n, outH, outW, c], y);
    }

    private static float ResizeScale(int inSize, int outSize, bool alignCorners) =>
        alignCorners && outSize > 1 ? (inSize - 1) / (float)(outSize - 1) : inSize / (float)outSize;

    /// <summary>
    /// tf.strided_slice. The sparse spec is first expanded to one entry per input axis (the ellipsis — an
    /// implicit one at the end if none is given — covers every axis the other non-new-axis entries do not);
    /// new_axis entries insert a 1; shrink entries take the single index begin (negative counts from the
    /// end; masks are ignored); other entries walk from begin towards end by stride, where a masked begin or
    /// end means "from the first / to past the last element in stride direction" and unmasked values are
    /// made non-negative by adding the dim, then clamped.
    /// </summary>
    public static Nd<T> StridedSlice<T>(Nd<T> x, SliceSpec spec)
        where T : unmanaged
    {
        var rank = x.Rank;
        var entries = spec.Begin.Length;
        bool Bit(int mask, int i) => (mask & (1 << i)) != 0;

        // Per input axis: the indices it keeps (a shrunk axis keeps one and leaves no output dim).
        var indices = new List<int>[rank];
        var outShape = new List<int>();
        var ellipsisSeen = false;
        var axis = 0;
        for (var i = 0; i < entries; i++)
        {
            if (Bit(spec.EllipsisMask, i) && !ellipsisSeen)
            {
                ellipsisSeen = true;
                var consumingAfter = 0;
                for (var k = i + 1; k < entries; k++)
                {
                    if (!Bit(spec.NewAxisMask, k) && !Bit(spec.EllipsisMask, k))
                    {
                        consumingAfter++;
                    }
                }

                var stop = rank - consumingAfter;
                while (axis < stop)
                {
                    indices[axis] = [.. Enumerable.Range(0, x.Shape[axis])];
                    outShape.Add(x.Shape[axis]);
                    axis++;
                }

                continue;
            }

            if (Bit(spec.NewAxisMask, i))
            {
                outShape.Add(1);
                continue;
            }

            var dim = x.Shape[axis];
            if (Bit(spec.ShrinkAxisMask, i))
            {
                var at = spec.Begin[i] < 0 ? spec.Begin[i] + dim : spec.Begin[i];
                if (at < 0 || at >= dim)
                {
                    throw new ArgumentOutOfRangeException(nameof(spec), $"shrink index {spec.Begin[i]} is out of range for dim {dim}");
                }

                indices[axis] = [(int)at];
                axis++;
                continue;
            }

            var stride = spec.Strides[i];
            long begin, end;
            if (stride > 0)
            {
                begin = Bit(spec.BeginMask, i) ? 0 : Math.Clamp(spec.Begin[i] < 0 ? spec.Begin[i] + dim : spec.Begin[i], 0, dim);
                end = Bit(spec.EndMask, i) ? dim : Math.Clamp(spec.End[i] < 0 ? spec.End[i] + dim : spec.End[i], 0, dim);
            }
            else
            {
                begin = Bit(spec.BeginMask, i) ? dim - 1 : Math.Clamp(spec.Begin[i] < 0 ? spec.Begin[i] + dim : spec.Begin[i], -1, dim - 1);
                end = Bit(spec.EndMask, i) ? -1 : Math.Clamp(spec.End[i] < 0 ? spec.End[i] + dim : spec.End[i], -1, dim - 1);
            }

            var list = new List<int>();
            for (var v = begin; stride > 0 ? v < end : v > end; v += stride)
            {
                list.Add((int)v);
            }

            indices[axis] = list;
            outShape.Add(list.Count);
            axis++;
        }

        // Axes after the spec are taken whole (the implicit trailing ellipsis).
        for (; axis < rank; axis++)
        {
            indices[axis] = [.. Enumerable.Range(0, x.Shape[axis])];
            outShape.Add(x.Shape[axis]);
        }

        var counts = indices.Select(l => l.Count).ToArray();
        var data = new List<T>();
        if (counts.All(cnt => cnt > 0))
        {
            var pick = new int[rank];
            var source = new int[rank];
            do
            {
                for (var a = 0; a < rank; a++)
                {
                    source[a] = indices[a][pick[a]];
                }

                data.Add(x.Data[x.Offset(source)]);
            }
            while (Nd.Next(pick, counts));
        }

        return new([.. outShape], [.. data]);
    }

    /// <summary>An element-wise binary op with numpy/TF broadcasting.</summary>
    public static Nd<TOut> Binary<TIn, TOut>(Nd<TIn> a, Nd<TIn> b, Func<TIn, TIn, TOut> op)
        where TIn : unmanaged
        where TOut : unmanaged
    {
        var rank = Math.Max(a.Rank, b.Rank);
        int Dim(Nd<TIn> t, int i) => i - (rank - t.Rank) >= 0 ? t.Shape[i - (rank - t.Rank)] : 1;
        var shape = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            int da = Dim(a, i), db = Dim(b, i);
            if (da != db && da != 1 && db != 1)
            {
                throw new ArgumentException($"shapes {a} and {b} do not broadcast");
            }

            shape[i] = da == 1 ? db : da;
        }

        var result = new TOut[Nd.Count(shape)];
        var index = new int[rank];
        var ia = new int[a.Rank];
        var ib = new int[b.Rank];
        for (var o = 0; o < result.Length; o++)
        {
            for (var i = 0; i < a.Rank; i++)
            {
                ia[i] = a.Shape[i] == 1 ? 0 : index[i + (rank - a.Rank)];
            }

            for (var i = 0; i < b.Rank; i++)
            {
                ib[i] = b.Shape[i] == 1 ? 0 : index[i + (rank - b.Rank)];
            }

            result[o] = op(a.Data[a.Offset(ia)], b.Data[b.Offset(ib)]);
            Nd.Next(index, shape);
        }

        return new(shape, result);
    }

    public static Nd<float> Binary(Nd<float> a, Nd<float> b, Func<double, double, double> op) =>
        Binary<float, float>(a, b, (x, y) => (float)op(x, y));

    public static Nd<float> Unary(Nd<float> x, Func<double, double> op) =>
        new(x.Shape, Array.ConvertAll(x.Data, v => (float)op(v)));

    public static double Relu(double v) => Math.Max(v, 0);

    public static double Relu6(double v) => Math.Min(Math.Max(v, 0), 6);

    /// <summary>TF FloorDiv on integers: the quotient rounded towards negative infinity (-7 // 2 = -4).</summary>
    public static int FloorDiv(int a, int b)
    {
        var q = a / b;
        return (a % b != 0) && ((a < 0) != (b < 0)) ? q - 1 : q;
    }

    /// <summary>x @ y for 2-D operands, with optional transposes.</summary>
    public static Nd<float> MatMul(Nd<float> a, Nd<float> b, bool transposeA = false, bool transposeB = false)
    {
        var m = transposeA ? a.Shape[1] : a.Shape[0];
        var k = transposeA ? a.Shape[0] : a.Shape[1];
        var n = transposeB ? b.Shape[0] : b.Shape[1];
        var y = new float[m * n];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = 0.0;
                for (var p = 0; p < k; p++)
                {
                    sum += (double)(transposeA ? a[p, i] : a[i, p]) * (transposeB ? b[j, p] : b[p, j]);
                }

                y[(i * n) + j] = (float)sum;
            }
        }

        return new([m, n], y);
    }

    /// <summary>tf.reduce_mean / reduce_sum / reduce_max over <paramref name="axes"/> (negative axes count from the end).</summary>
    public static Nd<float> Reduce(Nd<float> x, int[] axes, bool keepDims, string kind)
    {
        var rank = x.Rank;
        var reduced = new bool[rank];
        foreach (var a in axes)
        {
            reduced[a < 0 ? a + rank : a] = true;
        }

        var keptShape = x.Shape.Select((d, i) => reduced[i] ? 1 : d).ToArray();
        var acc = new double[Nd.Count(keptShape)];
        var counts = new int[acc.Length];
        if (kind == "Max")
        {
            Array.Fill(acc, double.NegativeInfinity);
        }

        var index = new int[rank];
        var target = new int[rank];
        var keptTensor = new Nd<float>(keptShape, []);
        do
        {
            for (var i = 0; i < rank; i++)
            {
                target[i] = reduced[i] ? 0 : index[i];
            }

            var o = keptTensor.Offset(target);
            var v = x.Data[x.Offset(index)];
            acc[o] = kind == "Max" ? Math.Max(acc[o], v) : acc[o] + v;
            counts[o]++;
        }
        while (Nd.Next(index, x.Shape));

        var data = new float[acc.Length];
        for (var i = 0; i < acc.Length; i++)
        {
            data[i] = (float)(kind == "Mean" ? acc[i] / counts[i] : acc[i]);
        }

        var shape = keepDims ? keptShape : x.Shape.Where((_, i) => !reduced[i]).ToArray();
        return new(shape, data);
    }

    /// <summary>tf.nn.softmax over the last axis.</summary>
    public static Nd<float> Softmax(Nd<float> x)
    {
        var last = x.Shape[^1];
        var y = new float[x.Data.Length];
        for (var row = 0; row < x.Data.Length / last; row++)
        {
            var max = double.NegativeInfinity;
            for (var j = 0; j < last; j++)
            {
                max = Math.Max(max, x.Data[(row * last) + j]);
            }

            var sum = 0.0;
            for (var j = 0; j < last; j++)
            {
                sum += Math.Exp(x.Data[(row * last) + j] - max);
            }

            for (var j = 0; j < last; j++)
            {
                y[(row * last) + j] = (float)(Math.Exp(x.Data[(row * last) + j] - max) / sum);
            }
        }

        return new(x.Shape, y);
    }

    /// <summary>tf.concat along <paramref name="axis"/> (negative counts from the end).</summary>
    public static Nd<T> Concat<T>(int axis, params Nd<T>[] parts)
        where T : unmanaged
    {
        var rank = parts[0].Rank;
        axis = axis < 0 ? axis + rank : axis;
        var shape = (int[])parts[0].Shape.Clone();
        shape[axis] = parts.Sum(p => p.Shape[axis]);
        var outer = Nd.Count(shape.AsSpan(0, axis));
        var data = new List<T>();
        for (var o = 0; o < outer; o++)
        {
            foreach (var p in parts)
            {
                var block = Nd.Count(p.Shape.AsSpan(axis));
                data.AddRange(p.Data.AsSpan(o * block, block).ToArray());
            }
        }

        return new(shape, [.. data]);
    }

    /// <summary>tf.stack: inserts a new axis at <paramref name="axis"/> and concatenates along it.</summary>
    public static Nd<T> Pack<T>(int axis, params Nd<T>[] parts)
        where T : unmanaged
    {
        var rank = parts[0].Rank + 1;
        axis = axis < 0 ? axis + rank : axis;
        var expanded = parts.Select(p => new Nd<T>([.. p.Shape[..axis], 1, .. p.Shape[axis..]], p.Data)).ToArray();
        return Concat(axis, expanded);
    }

    /// <summary>tf.unstack along <paramref name="axis"/>.</summary>
    public static Nd<T>[] Unpack<T>(Nd<T> x, int axis)
        where T : unmanaged
    {
        axis = axis < 0 ? axis + x.Rank : axis;
        var result = new Nd<T>[x.Shape[axis]];
        for (var k = 0; k < result.Length; k++)
        {
            var begin = x.Shape.Select(_ => 0L).ToArray();
            var end = x.Shape.Select(d => (long)d).ToArray();
            begin[axis] = k;
            end[axis] = k + 1;
            var slice = StridedSlice(x, new SliceSpec(begin, end, [.. x.Shape.Select(_ => 1L)], ShrinkAxisMask: 1 << axis));
            result[k] = slice;
        }

        return result;
    }

    /// <summary>tf.gather_nd: the last index axis addresses the leading axes of <paramref name="params"/>.</summary>
    public static Nd<T> GatherNd<T>(Nd<T> @params, Nd<int> indices)
        where T : unmanaged
    {
        var depth = indices.Shape[^1];
        var sliceShape = @params.Shape[depth..];
        var sliceSize = Nd.Count(sliceShape);
        var strides = Nd.Strides(@params.Shape);
        var rows = indices.Data.Length / depth;
        var data = new T[rows * sliceSize];
        for (var r = 0; r < rows; r++)
        {
            var offset = 0;
            for (var k = 0; k < depth; k++)
            {
                offset += indices.Data[(r * depth) + k] * strides[k];
            }

            Array.Copy(@params.Data, offset, data, r * sliceSize, sliceSize);
        }

        return new([.. indices.Shape[..^1], .. sliceShape], data);
    }

    /// <summary>tf.argmax: index of the first maximum along <paramref name="axis"/>, as int32 (TF.js's type).</summary>
    public static Nd<int> ArgMax(Nd<float> x, int axis)
    {
        axis = axis < 0 ? axis + x.Rank : axis;
        var shape = x.Shape.Where((_, i) => i != axis).ToArray();
        var result = new int[Nd.Count(shape)];
        var index = new int[shape.Length];
        var source = new int[x.Rank];
        for (var o = 0; o < result.Length; o++)
        {
            var best = float.NegativeInfinity;
            var bestAt = -1;
            for (var k = 0; k < x.Shape[axis]; k++)
            {
                for (int i = 0, j = 0; i < x.Rank; i++)
                {
                    source[i] = i == axis ? k : index[j++];
                }

                var v = x.Data[x.Offset(source)];
                if (bestAt < 0 || v > best)
                {
                    best = v;
                    bestAt = k;
                }
            }

            result[o] = bestAt;
            Nd.Next(index, shape);
        }

        return new(shape, result);
    }

    private static int CeilDiv(int a, int b) => a <= 0 ? 0 : (a + b - 1) / b;
}

/// <summary>A tf.strided_slice spec: the sparse begin/end/strides vectors and the five bit masks.</summary>
public sealed record SliceSpec(long[] Begin, long[] End, long[] Strides, int BeginMask = 0, int EndMask = 0,
    int EllipsisMask = 0, int NewAxisMask = 0, int ShrinkAxisMask = 0)
{
    public override string ToString() =>
        $"begin [{string.Join(',', Begin)}] end [{string.Join(',', End)}] strides [{string.Join(',', Strides)}] " +
        $"masks begin {BeginMask} end {EndMask} ellipsis {EllipsisMask} new_axis {NewAxisMask} shrink {ShrinkAxisMask}";
}
