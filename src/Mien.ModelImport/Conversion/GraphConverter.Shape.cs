using Mien.ModelImport.Tfjs;
using static Mien.ModelImport.Onnx.OnnxGraphBuilder;

namespace Mien.ModelImport.Conversion;

/// <summary>Shape, indexing and matrix ops. They work in TF's native layout.</summary>
internal sealed partial class GraphConverter
{
    private void RegisterShape()
    {
        _mappers["Reshape"] = MapReshape;
        _mappers["Squeeze"] = MapSqueeze;
        _mappers["ExpandDims"] = MapExpandDims;
        _mappers["StridedSlice"] = MapStridedSlice;
        _mappers["Pack"] = MapPack;
        _mappers["Unpack"] = MapUnpack;
        _mappers["ConcatV2"] = MapConcat;
        _mappers["GatherNd"] = MapGatherNd;
        _mappers["GatherV2"] = MapGather;
        _mappers["Transpose"] = MapTranspose;
        _mappers["MatMul"] = n => MapMatMul(n, fused: false);
        _mappers["_FusedMatMul"] = n => MapMatMul(n, fused: true);
        _mappers["BatchMatMulV2"] = n => MapMatMul(n, fused: false);
        _mappers["BatchMatMul"] = n => MapMatMul(n, fused: false);
        _mappers["Softmax"] = n => MapSoftmax(n, "Softmax");
        _mappers["LogSoftmax"] = n => MapSoftmax(n, "LogSoftmax");
        _mappers["ArgMax"] = n => MapArg(n, "ArgMax");
        _mappers["ArgMin"] = n => MapArg(n, "ArgMin");
    }

    private void MapReshape(TfNode node)
    {
        var x = In(node, 0);
        var target = ConstIn(node, 1, "shape").ToInt64Array();
        var shape = Array.ConvertAll(target, v => checked((int)v));
        var unknown = Array.IndexOf(shape, -1);
        if (unknown >= 0 && x.Shape is not null && x.Shape.All(d => d >= 0))
        {
            var known = 1;
            for (var i = 0; i < shape.Length; i++)
            {
                if (i != unknown)
                {
                    known *= shape[i];
                }
            }

            if (known == 0 || ConstTensor.ElementCount(x.Shape) % known != 0)
            {
                throw Error($"cannot reshape {ShapeText(x.Shape)} to {ShapeText(shape)}");
            }

            shape[unknown] = ConstTensor.ElementCount(x.Shape) / known;
        }
        else if (unknown < 0 && x.Shape is not null && x.Shape.All(d => d >= 0) && ConstTensor.ElementCount(x.Shape) != ConstTensor.ElementCount(shape))
        {
            throw Error($"cannot reshape {ShapeText(x.Shape)} ({ConstTensor.ElementCount(x.Shape)} values) to {ShapeText(shape)}");
        }

        // TF's 0 means an empty dim, ONNX's 0 means "copy": allowzero keeps TF's meaning.
        var allowZero = Array.IndexOf(target, 0L) >= 0 ? 1L : 0L;
        var reshaped = _b.Add("Reshape", node.Name, [Native(x), _b.Int64s(node.Name + "_shape", target)], Attr("allowzero", allowZero));
        Output(node, reshaped, x.DType, shape);
    }

    /// <summary>
    /// True when dropping <paramref name="removed"/> native axes of an NCHW-stored 4-D value leaves the
    /// remaining axes in native order, so the op can run on the NCHW tensor and yield a native result.
    /// </summary>
    private static bool RemovalKeepsNativeOrder(IReadOnlyCollection<long> removed)
    {
        var remaining = Enumerable.Range(0, 4).Where(a => !removed.Contains(a)).ToArray();
        var byNchw = remaining.OrderBy(a => NchwPositionOf[a]).ToArray();
        return remaining.SequenceEqual(byNchw);
    }

    private void MapSqueeze(TfNode node)
    {
        var x = In(node, 0);
        var axes = node.GetInts("squeeze_dims");
        if (axes.Length == 0)
        {
            axes = node.GetInts("axis");
        }

        if (axes.Length == 0)
        {
            if (x.Shape is null || x.Shape.Any(d => d < 0))
            {
                throw Error("Squeeze without axes needs a static input shape");
            }

            axes = [.. Enumerable.Range(0, x.Shape.Length).Where(i => x.Shape[i] == 1).Select(i => (long)i)];
        }

        var rank = x.Rank;
        axes = [.. axes.Select(a => rank < 0 ? a : NormalizeAxis(a, rank, "squeeze")).Order()];
        string input;
        long[] onnxAxes;
        if (x.Layout == Layout.Nchw && x.Constant is null && RemovalKeepsNativeOrder(axes))
        {
            input = Nchw(x);
            onnxAxes = [.. axes.Select(a => (long)NchwPositionOf[a]).Order()];
        }
        else
        {
            input = Native(x);
            onnxAxes = axes;
        }

        int[]? shape = x.Shape is null ? null : [.. x.Shape.Where((_, i) => !axes.Contains(i))];
        Output(node, _b.Add("Squeeze", node.Name, [input, _b.Int64s(node.Name + "_axes", onnxAxes)]), x.DType, shape);
    }

    private void MapExpandDims(TfNode node)
    {
        var x = In(node, 0);
        var axis = ConstIn(node, 1, "axis").ToInt64Array().Single();
        int[]? shape = null;
        if (x.Shape is not null)
        {
            var a = (int)(axis < 0 ? axis + x.Shape.Length + 1 : axis);
            var list = x.Shape.ToList();
            list.Insert(a, 1);
            shape = [.. list];
            axis = a;
        }

        Output(node, _b.Add("Unsqueeze", node.Name, [Native(x), _b.Int64s(node.Name + "_axes", axis)]), x.DType, shape);
    }

    private void MapStridedSlice(TfNode node)
    {
        var x = In(node, 0);
        var begin = ConstIn(node, 1, "begin").ToInt64Array();
        var end = ConstIn(node, 2, "end").ToInt64Array();
        var strides = ConstIn(node, 3, "strides").ToInt64Array();
        var beginMask = node.GetInt("begin_mask", 0);
        var endMask = node.GetInt("end_mask", 0);
        var ellipsisMask = node.GetInt("ellipsis_mask", 0);
        var newAxisMask = node.GetInt("new_axis_mask", 0);
        var shrinkMask = node.GetInt("shrink_axis_mask", 0);
        if (x.Shape is null)
        {
            throw Error("StridedSlice needs an input of known rank");
        }

        var rank = x.Shape.Length;
        var sparse = begin.Length;
        var newAxesAfterEllipsis = 0;
        var seenEllipsis = false;
        for (var i = 0; i < sparse; i++)
        {
            if ((ellipsisMask & (1L << i)) != 0)
            {
                seenEllipsis = true;
            }
            else if (seenEllipsis && (newAxisMask & (1L << i)) != 0)
            {
                newAxesAfterEllipsis++;
            }
        }

        // Walk the sparse spec into per-input-axis slices plus an output layout (which output dims are new axes).
        var sliceAxes = new List<long>();
        var starts = new List<long>();
        var ends = new List<long>();
        var steps = new List<long>();
        var squeeze = new List<long>();
        var outDims = new List<int>(); // -2 marks an inserted axis
        var full = 0;
        for (var i = 0; i < sparse; i++)
        {
            var bit = 1L << i;
            if ((ellipsisMask & bit) != 0)
            {
                var next = Math.Min(rank - (sparse - i) + 1 + newAxesAfterEllipsis, rank);
                for (; full < next; full++)
                {
                    outDims.Add(x.Shape[full]);
                }

                continue;
            }

            if ((newAxisMask & bit) != 0)
            {
                outDims.Add(-2);
                continue;
            }

            if (full >= rank)
            {
                throw Error("slice spec has more entries than the input has axes");
            }

            var dim = x.Shape[full];
            var stride = strides[i];
            if (stride == 0)
            {
                throw Error("slice stride 0");
            }

            if ((shrinkMask & bit) != 0)
            {
                var b = begin[i];
                sliceAxes.Add(full);
                starts.Add(b);
                ends.Add(b == -1 ? long.MaxValue : b + 1);
                steps.Add(1);
                squeeze.Add(full);
            }
            else
            {
                var s = (beginMask & bit) != 0 ? (stride > 0 ? 0 : long.MaxValue) : begin[i];
                var e = (endMask & bit) != 0 ? (stride > 0 ? long.MaxValue : long.MinValue) : end[i];
                if (stride < 0 && (beginMask & bit) == 0 && dim >= 0 && s < -dim)
                {
                    // TF clamps a backward slice's begin to -1 ("before the first element": empty); ONNX clamps
                    // starts to 0 and would return one element. An explicit empty range keeps TF's meaning.
                    (s, e) = (0, 0);
                }
                outDims.Add(dim < 0 ? -1 : SliceLength(dim, s, e, stride));
                if (!(s == 0 && e == long.MaxValue && stride == 1))
                {
                    sliceAxes.Add(full);
                    starts.Add(s);
                    ends.Add(e);
                    steps.Add(stride);
                }
            }

            full++;
        }

        for (; full < rank; full++)
        {
            outDims.Add(x.Shape[full]);
        }

        var current = Native(x);
        if (sliceAxes.Count > 0)
        {
            current = _b.Add("Slice", node.Name + "_slice", [
                current,
                _b.Int64s(node.Name + "_starts", [.. starts]),
                _b.Int64s(node.Name + "_ends", [.. ends]),
                _b.Int64s(node.Name + "_axes", [.. sliceAxes]),
                _b.Int64s(node.Name + "_steps", [.. steps])]);
        }

        if (squeeze.Count > 0)
        {
            current = _b.Add("Squeeze", node.Name + "_shrink", [current, _b.Int64s(node.Name + "_shrink_axes", [.. squeeze])]);
        }

        var inserted = outDims.Select((d, i) => (d, i)).Where(p => p.d == -2).Select(p => (long)p.i).ToArray();
        if (inserted.Length > 0)
        {
            current = _b.Add("Unsqueeze", node.Name + "_newaxis", [current, _b.Int64s(node.Name + "_new_axes", inserted)]);
        }

        current = _b.Add("Identity", node.Name, [current]);
        Output(node, current, x.DType, [.. outDims.Select(d => d == -2 ? 1 : d)]);
    }

    /// <summary>Length of a Python-style slice [start:end:step] of a dim, with TF/ONNX clamping.</summary>
    internal static int SliceLength(int dim, long start, long end, long step)
    {
        static long Clamp(long v, long lo, long hi) => Math.Min(Math.Max(v, lo), hi);
        if (start < 0 && start != long.MinValue)
        {
            start += dim;
        }

        if (end < 0 && end != long.MinValue)
        {
            end += dim;
        }

        if (step > 0)
        {
            start = Clamp(start, 0, dim);
            end = Clamp(end, 0, dim);
            return end <= start ? 0 : (int)((end - start + step - 1) / step);
        }

        start = Clamp(start, -1, dim - 1);
        end = Clamp(end, -1, dim - 1);
        return end >= start ? 0 : (int)((start - end + (-step) - 1) / -step);
    }

    private void MapPack(TfNode node)
    {
        var values = node.Inputs.Select(Value).ToArray();
        var rank = values[0].Rank;
        var axis = node.GetInt("axis", 0);
        axis = axis < 0 ? axis + rank + 1 : axis;
        var axesName = _b.Int64s(node.Name + "_axes", axis);
        var parts = values.Select(v => _b.Add("Unsqueeze", node.Name + "_part", [Native(v), axesName])).ToArray();
        int[]? shape = null;
        if (values[0].Shape is { } s)
        {
            var list = s.ToList();
            list.Insert((int)axis, values.Length);
            shape = [.. list];
        }

        Output(node, _b.Add("Concat", node.Name, parts, Attr("axis", axis)), values[0].DType, shape);
    }

    private void MapUnpack(TfNode node)
    {
        var x = In(node, 0);
        var num = (int)node.GetInt("num", -1);
        var axis = node.GetInt("axis", 0);
        if (x.Shape is null)
        {
            throw Error("Unpack needs an input of known rank");
        }

        axis = NormalizeAxis(axis, x.Shape.Length, "unpack");
        if (num < 0)
        {
            num = x.Shape[axis];
        }

        var parts = _b.AddNode("Split", node.Name + "_split", [Native(x)], num, Attr("axis", axis));
        int[] shape = [.. x.Shape.Where((_, i) => i != axis)];
        var axesName = _b.Int64s(node.Name + "_axes", axis);
        for (var k = 0; k < num; k++)
        {
            Output(node, _b.Add("Squeeze", $"{node.Name}:{k}", [parts[k], axesName]), x.DType, shape, index: k);
        }
    }

    private void MapConcat(TfNode node)
    {
        var n = node.Inputs.Length - 1;
        var values = node.Inputs.Take(n).Select(Value).ToArray();
        var rank = values[0].Rank;
        var axis = ConstIn(node, n, "axis").ToInt64Array().Single();
        axis = NormalizeAxis(axis, rank, "concat");
        var nchw = rank == 4 && values.Any(v => v.Layout == Layout.Nchw && v.Constant is null);
        var names = values.Select(v => nchw ? Nchw(v) : Native(v)).ToArray();
        int[]? shape = null;
        if (values.All(v => v.Shape is not null))
        {
            shape = (int[])values[0].Shape!.Clone();
            shape[axis] = values.Any(v => v.Shape![axis] < 0) ? -1 : values.Sum(v => v.Shape![axis]);
        }

        var onnxAxis = nchw ? NchwPositionOf[axis] : axis;
        Output(node, _b.Add("Concat", node.Name, names, Attr("axis", onnxAxis)), values[0].DType, shape, nchw ? Layout.Nchw : Layout.Native);
    }

    private void MapGatherNd(TfNode node)
    {
        var p = In(node, 0);
        var indices = In(node, 1);
        var idx64 = _b.Add("Cast", node.Name + "_indices", [Native(indices)], Attr("to", 7L));
        int[]? shape = null;
        if (p.Shape is not null && indices.Shape is { Length: > 0 } ish && ish[^1] >= 0)
        {
            shape = [.. ish[..^1], .. p.Shape[ish[^1]..]];
        }

        Output(node, _b.Add("GatherND", node.Name, [Native(p), idx64]), p.DType, shape);
    }

    private void MapGather(TfNode node)
    {
        var p = In(node, 0);
        var indices = In(node, 1);
        var axis = ConstIn(node, 2, "axis").ToInt64Array().Single();
        if (node.GetInt("batch_dims", 0) != 0)
        {
            throw Error("GatherV2 with batch_dims is not supported");
        }

        int[]? shape = null;
        if (p.Shape is not null && indices.Shape is not null)
        {
            axis = NormalizeAxis(axis, p.Shape.Length, "gather");
            shape = [.. p.Shape[..(int)axis], .. indices.Shape, .. p.Shape[((int)axis + 1)..]];
        }

        Output(node, _b.Add("Gather", node.Name, [Native(p), Native(indices)], Attr("axis", axis)), p.DType, shape);
    }

    private void MapTranspose(TfNode node)
    {
        var x = In(node, 0);
        var perm = ConstIn(node, 1, "perm").ToInt64Array();
        int[]? shape = x.Shape is null ? null : [.. perm.Select(p => x.Shape[p])];
        Output(node, _b.Add("Transpose", node.Name, [Native(x)], Attr("perm", perm)), x.DType, shape);
    }

    private void MapMatMul(TfNode node, bool fused)
    {
        var a = In(node, 0);
        var bv = In(node, 1);
        var transA = node.GetBool("transpose_a", false) || node.GetBool("adj_x", false);
        var transB = node.GetBool("transpose_b", false) || node.GetBool("adj_y", false);
        var fusedOps = fused ? node.GetStrings("fused_ops") : [];
        var opIndex = 0;
        string? bias = null;
        int[]? shape = null;
        if (a.Shape is not null && bv.Shape is not null && a.Shape.Length >= 2 && bv.Shape.Length >= 2)
        {
            var m = transA ? a.Shape[^1] : a.Shape[^2];
            var n = transB ? bv.Shape[^2] : bv.Shape[^1];
            shape = [.. BroadcastShape(a.Shape[..^2], bv.Shape[..^2])!, m, n];
        }

        var cols = shape?[^1] ?? -1;
        if (opIndex < fusedOps.Length && fusedOps[opIndex] == "BiasAdd")
        {
            bias = ConstName(node, 2);
            opIndex++;
        }

        string result;
        if (a.Rank == 2 && bv.Rank == 2)
        {
            // Gemm takes the transposes and the bias in one kernel.
            var inputs = new List<string> { Native(a), Native(bv) };
            if (bias is not null)
            {
                inputs.Add(bias);
            }

            result = _b.Add("Gemm", node.Name, inputs, Attr("transA", transA ? 1L : 0L), Attr("transB", transB ? 1L : 0L));
        }
        else
        {
            var left = transA ? SwapLastTwo(node, a, "_a") : Native(a);
            var right = transB ? SwapLastTwo(node, bv, "_b") : Native(bv);
            result = _b.Add("MatMul", node.Name, [left, right]);
            if (bias is not null)
            {
                result = _b.Add("Add", node.Name + "_bias", [result, bias]);
            }
        }

        result = ApplyFusedActivation(node, result, fusedOps, opIndex, cols, argIndex: 3, nchw: false);
        Output(node, result, TfDataType.Float32, shape);
    }

    private string SwapLastTwo(TfNode node, TfValue v, string suffix)
    {
        if (v.Rank < 2)
        {
            throw Error("matmul transpose needs rank >= 2");
        }

        var perm = Enumerable.Range(0, v.Rank).Select(i => (long)i).ToArray();
        (perm[^1], perm[^2]) = (perm[^2], perm[^1]);
        return _b.Add("Transpose", node.Name + suffix, [Native(v)], Attr("perm", perm));
    }

    private void MapSoftmax(TfNode node, string onnxOp)
    {
        var x = In(node, 0);
        Output(node, _b.Add(onnxOp, node.Name, [Native(x)], Attr("axis", -1L)), x.DType, x.Shape);
    }

    private void MapArg(TfNode node, string onnxOp)
    {
        var x = In(node, 0);
        var axis = ConstIn(node, 1, "dimension").ToInt64Array().Single();
        int[]? shape = null;
        if (x.Shape is not null)
        {
            axis = NormalizeAxis(axis, x.Shape.Length, "arg");
            shape = [.. x.Shape.Where((_, i) => i != axis)];
        }

        var arg = _b.Add(onnxOp, node.Name + "_i64", [Native(x)], Attr("axis", axis), Attr("keepdims", 0L));
        // TF.js has no int64: its ArgMax yields int32, and downstream constants are int32.
        Output(node, _b.Add("Cast", node.Name, [arg], Attr("to", 6L)), TfDataType.Int32, shape);
    }
}
