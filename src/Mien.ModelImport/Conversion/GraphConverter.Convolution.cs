using Mien.ModelImport.Tfjs;
using static Mien.ModelImport.Onnx.OnnxGraphBuilder;

namespace Mien.ModelImport.Conversion;

/// <summary>Convolutions, pools, padding and resizing: the ops that run in NCHW.</summary>
internal sealed partial class GraphConverter
{
    private void RegisterConvolution()
    {
        _mappers["Conv2D"] = n => MapConv(n, depthwise: false, fused: false);
        _mappers["_FusedConv2D"] = n => MapConv(n, depthwise: false, fused: true);
        _mappers["DepthwiseConv2dNative"] = n => MapConv(n, depthwise: true, fused: false);
        _mappers["DepthwiseConv2D"] = n => MapConv(n, depthwise: true, fused: false);
        _mappers["FusedDepthwiseConv2dNative"] = n => MapConv(n, depthwise: true, fused: true);
        _mappers["MaxPool"] = n => MapPool(n, "MaxPool");
        _mappers["AvgPool"] = n => MapPool(n, "AveragePool");
        _mappers["Pad"] = MapPad;
        _mappers["PadV2"] = MapPad;
        _mappers["MirrorPad"] = MapPad;
        _mappers["ResizeBilinear"] = n => MapResize(n, "linear");
        _mappers["ResizeNearestNeighbor"] = n => MapResize(n, "nearest");
    }

    private void RequireNhwc(TfNode node)
    {
        var format = node.GetString("data_format") ?? "NHWC";
        if (format != "NHWC")
        {
            throw Error($"data_format {format} is not supported (only NHWC, which TF.js emits)");
        }
    }

    /// <summary>Spatial (height, width) pair from a 4-element NHWC attribute list.</summary>
    private (long H, long W) Spatial(TfNode node, string attr, long fallback)
    {
        var v = node.GetInts(attr);
        if (v.Length == 0)
        {
            return (fallback, fallback);
        }

        if (v.Length != 4 || v[0] != 1 || v[3] != 1)
        {
            throw Error($"attribute {attr} = [{string.Join(',', v)}] must be [1,h,w,1]");
        }

        return (v[1], v[2]);
    }

    /// <summary>
    /// ONNX pads [top, left, bottom, right] for TF padding modes (TF's SAME puts the odd pixel at the end).
    /// Pads are static whenever they can be; otherwise the second item is "dynamic" and the caller pads at
    /// run time (<see cref="PadSameAtRunTime"/>): ONNX's auto_pad SAME_UPPER is not TF's SAME (ORT does
    /// not clamp a negative total to 0 for pools, and rejects it with dilation).
    /// </summary>
    private (long[]? Pads, string? AutoPad, int OutH, int OutW) Padding(TfNode node, int[]? inShape, long kh, long kw, long sh, long sw, long dh, long dw)
    {
        var mode = node.GetString("padding") ?? "VALID";
        var inH = inShape is { Length: 4 } ? inShape[1] : -1;
        var inW = inShape is { Length: 4 } ? inShape[2] : -1;
        var ekh = ((kh - 1) * dh) + 1;
        var ekw = ((kw - 1) * dw) + 1;
        switch (mode)
        {
            case "VALID":
                return ([0, 0, 0, 0], null,
                    inH < 0 ? -1 : checked((int)(((inH - ekh) / sh) + 1)),
                    inW < 0 ? -1 : checked((int)(((inW - ekw) / sw) + 1)));
            case "SAME":
            {
                // Per axis: exact pads when the size is known; when it is not, stride 1 (total k-1) and
                // kernel 1 (total 0) still have size-independent pads. Only the rest is computed at run time.
                var (padH, outH) = SamePad(inH, ekh, sh);
                var (padW, outW) = SamePad(inW, ekw, sw);
                if (padH >= 0 && padW >= 0)
                {
                    return ([padH / 2, padW / 2, padH - (padH / 2), padW - (padW / 2)], null, outH, outW);
                }

                return (null, "dynamic", -1, -1);
            }

            case "EXPLICIT":
            {
                var p = node.GetInts("explicit_paddings");
                if (p.Length != 8)
                {
                    throw Error("EXPLICIT padding needs 8 explicit_paddings values");
                }

                long top = p[2], bottom = p[3], left = p[4], right = p[5];
                return ([top, left, bottom, right], null,
                    inH < 0 ? -1 : checked((int)(((inH + top + bottom - ekh) / sh) + 1)),
                    inW < 0 ? -1 : checked((int)(((inW + left + right - ekw) / sw) + 1)));
            }

            default:
                throw Error($"padding mode '{mode}' is not supported");
        }
    }

    /// <summary>TF SAME padding total and output size of one axis; (-1, -1) when they depend on an unknown size.</summary>
    private static (long Total, int Out) SamePad(int size, long window, long stride)
    {
        if (size >= 0)
        {
            var outSize = (size + stride - 1) / stride;
            return (Math.Max(((outSize - 1) * stride) + window - size, 0), (int)outSize);
        }

        return stride == 1 ? (window - 1, -1) : window == 1 ? (0, -1) : (-1, -1);
    }

    /// <summary>
    /// Pads an NCHW value the way TF's SAME does, computing the pads from its run-time height and width:
    /// out = ceil(in / s), total = max((out - 1)·s + k - in, 0), begin = total / 2, end = total - begin.
    /// </summary>
    private string PadSameAtRunTime(TfNode node, string x, long kh, long kw, long sh, long sw, float value)
    {
        var hw = _b.Add("Slice", node.Name + "_hw", [_b.Add("Shape", node.Name + "_in_shape", [x]), _b.Int64s("two", 2), _b.Int64s("four", 4)]);
        var stride = _b.Int64s(node.Name + "_strides", sh, sw);
        var outSize = _b.Add("Div", node.Name + "_out", [_b.Add("Add", node.Name + "_ceil", [hw, _b.Int64s(node.Name + "_sm1", sh - 1, sw - 1)]), stride]);
        var span = _b.Add("Add", node.Name + "_span", [_b.Add("Mul", node.Name + "_steps", [_b.Add("Sub", node.Name + "_om1", [outSize, _b.Int64s("one_one", 1, 1)]), stride]), _b.Int64s(node.Name + "_k", kh, kw)]);
        var total = _b.Add("Max", node.Name + "_total", [_b.Add("Sub", node.Name + "_need", [span, hw]), _b.Int64s("zero_zero", 0, 0)]);
        var begin = _b.Add("Div", node.Name + "_begin", [total, _b.Int64s("two_two", 2, 2)]);
        var end = _b.Add("Sub", node.Name + "_end", [total, begin]);
        var zeros = _b.Int64s("zero_zero", 0, 0);
        var pads = _b.Add("Concat", node.Name + "_pads", [zeros, begin, zeros, end], Attr("axis", 0L));
        return _b.Add("Pad", node.Name + "_same", [x, pads, _b.FloatScalar(node.Name + "_pad_value", value)], Attr("mode", "constant"));
    }

    private static Onnx.TensorProto OneFloat() =>
        new() { DataType = 1, Dims = { 1 }, FloatData = { 1f } };

    private void MapConv(TfNode node, bool depthwise, bool fused)
    {
        RequireNhwc(node);
        var x = In(node, 0);
        var filter = ConstIn(node, 1, "filter");
        if (filter.Shape.Length != 4 || filter.DType != TfDataType.Float32)
        {
            throw Error($"filter must be a 4-D float tensor, got {ShapeText(filter.Shape)}");
        }

        var (sh, sw) = Spatial(node, "strides", 1);
        var (dh, dw) = Spatial(node, "dilations", 1);
        int kh = filter.Shape[0], kw = filter.Shape[1], inC = filter.Shape[2], last = filter.Shape[3];
        if (x.Shape is { Length: 4 } && x.Shape[3] >= 0 && x.Shape[3] != inC)
        {
            throw Error($"input has {x.Shape[3]} channels but the filter expects {inC}");
        }

        ConstTensor weight;
        int outC;
        long group;
        if (depthwise)
        {
            // TF [kh,kw,in,mult] -> ONNX [in*mult,1,kh,kw]: output channel c*mult+m is group c's filter m.
            outC = inC * last;
            weight = filter.Transpose([2, 3, 0, 1]).Reshape([outC, 1, kh, kw]);
            group = inC;
        }
        else
        {
            // TF [kh,kw,in,out] -> ONNX [out,in,kh,kw].
            outC = last;
            weight = filter.Transpose([3, 2, 0, 1]);
            group = 1;
        }

        var (pads, dynamicPad, outH, outW) = Padding(node, x.Shape, kh, kw, sh, sw, dh, dw);
        var input = Nchw(x);
        if (dynamicPad is not null)
        {
            input = PadSameAtRunTime(node, input, ((kh - 1) * dh) + 1, ((kw - 1) * dw) + 1, sh, sw, 0f);
            pads = [0, 0, 0, 0];
        }

        var inputs = new List<string> { input, _b.AddInitializer(NodeName(node.Inputs[1]) + "_oihw", weight) };
        var fusedOps = fused ? node.GetStrings("fused_ops") : [];
        var opIndex = 0;
        if (opIndex < fusedOps.Length && fusedOps[opIndex] == "BiasAdd")
        {
            var bias = ConstIn(node, 2, "bias");
            if (bias.Count != outC)
            {
                throw Error($"bias has {bias.Count} values for {outC} output channels");
            }

            inputs.Add(_b.AddInitializer(NodeName(node.Inputs[2]), bias.Reshape([outC])));
            opIndex++;
        }

        var attrs = new List<Onnx.AttributeProto>
        {
            Attr("kernel_shape", kh, kw),
            Attr("strides", sh, sw),
            Attr("dilations", dh, dw),
            Attr("group", group),
        };
        attrs.Add(Attr("pads", pads!));
        var conv = _b.Add("Conv", node.Name, inputs, [.. attrs]);
        int[] outShape = [x.Shape?[0] ?? -1, outH, outW, outC];
        var activated = ApplyFusedActivation(node, conv, fusedOps, opIndex, outC, argIndex: 3);
        Output(node, activated, TfDataType.Float32, outShape, Layout.Nchw);
    }

    /// <summary>Applies the activation that follows BiasAdd in a fused op, on an NCHW tensor.</summary>
    private string ApplyFusedActivation(TfNode node, string x, string[] fusedOps, int opIndex, int channels, int argIndex, bool nchw = true)
    {
        if (opIndex >= fusedOps.Length)
        {
            return x;
        }

        if (opIndex != fusedOps.Length - 1)
        {
            throw Error($"fused ops [{string.Join(',', fusedOps)}] are not supported");
        }

        var op = fusedOps[opIndex];
        switch (op)
        {
            case "Relu":
                return _b.Add("Relu", node.Name + "_relu", [x]);
            case "Relu6":
                return _b.Add("Clip", node.Name + "_relu6", [x, _b.FloatScalar("zero", 0f), _b.FloatScalar("six", 6f)]);
            case "Elu":
                return _b.Add("Elu", node.Name + "_elu", [x]);
            case "Sigmoid":
                return _b.Add("Sigmoid", node.Name + "_sigmoid", [x]);
            case "Tanh":
                return _b.Add("Tanh", node.Name + "_tanh", [x]);
            case "LeakyRelu":
                return _b.Add("LeakyRelu", node.Name + "_leakyrelu", [x], Attr("alpha", node.GetFloat("leakyrelu_alpha", 0.2f)));
            case "Prelu":
            {
                var alpha = ConstIn(node, argIndex, "prelu alpha");
                if (alpha.Count != channels)
                {
                    throw Error($"prelu alpha has {alpha.Count} values for {channels} channels");
                }

                return EmitPrelu(node.Name + "_prelu", x, alpha, channels, nchw);
            }

            default:
                throw Error($"fused activation '{op}' is not supported");
        }
    }

    /// <summary>
    /// PReLU with per-channel slopes. ORT's PRelu kernel is not part of its blocked NCHWc layout, so on an
    /// NCHW value it costs a slow broadcast pass plus two layout reorders per layer (60% of facemesh's time).
    /// Instead: Relu(y) + DepthwiseConv1x1[-alpha](Relu(DepthwiseConv1x1[-1](y))). Every step stays NCHWc,
    /// and the result is bit-exact: for y &gt; 0 it is y + (-0); for y &lt; 0 it is 0 + (-alpha)(-y) = alpha·y
    /// (sign flips are exact, and one multiply rounds exactly as TF's alpha·y).
    /// </summary>
    private string EmitPrelu(string hint, string x, ConstTensor alpha, int channels, bool nchw)
    {
        if (alpha.Count == 1)
        {
            return _b.Add("LeakyRelu", hint, [x], Attr("alpha", alpha.Floats![0]));
        }

        if (alpha.Count != channels || channels <= 0)
        {
            throw Error($"prelu alpha has {alpha.Count} values for {channels} channels");
        }

        if (!nchw)
        {
            return _b.Add("PRelu", hint, [x, _b.AddInitializer(hint + "_alpha", alpha.Reshape([channels]))]);
        }

        var minusOne = new float[channels];
        Array.Fill(minusOne, -1f);
        var negAlpha = Array.ConvertAll(alpha.Floats!, a => -a);
        var depthwise = new[] { Attr("group", (long)channels), Attr("kernel_shape", 1L, 1L) };
        var positive = _b.Add("Relu", hint + "_pos", [x]);
        var flipped = _b.Add("Conv", hint + "_flip", [x, _b.AddInitializer(hint + "_minus1", ConstTensor.Float([channels, 1, 1, 1], minusOne))], depthwise);
        var magnitude = _b.Add("Relu", hint + "_negmag", [flipped]);
        var negative = _b.Add("Conv", hint + "_neg", [magnitude, _b.AddInitializer(hint + "_negalpha", ConstTensor.Float([channels, 1, 1, 1], negAlpha))], depthwise);
        return _b.Add("Add", hint, [positive, negative]);
    }

    private void MapPool(TfNode node, string onnxOp)
    {
        RequireNhwc(node);
        var x = In(node, 0);
        var (kh, kw) = Spatial(node, "ksize", 1);
        var (sh, sw) = Spatial(node, "strides", 1);
        var (pads, dynamicPad, outH, outW) = Padding(node, x.Shape, kh, kw, sh, sw, 1, 1);
        var attrs = new List<Onnx.AttributeProto> { Attr("kernel_shape", kh, kw), Attr("strides", sh, sw) };
        string pooled;
        if (dynamicPad is null)
        {
            attrs.Add(Attr("pads", pads!));
            if (onnxOp == "AveragePool")
            {
                // TF averages over the valid (unpadded) window.
                attrs.Add(Attr("count_include_pad", 0L));
            }

            pooled = _b.Add(onnxOp, node.Name, [Nchw(x)], [.. attrs]);
        }
        else if (onnxOp == "MaxPool")
        {
            // Padding with -inf never wins a max, which is how TF treats SAME padding.
            pooled = _b.Add(onnxOp, node.Name, [PadSameAtRunTime(node, Nchw(x), kh, kw, sh, sw, float.NegativeInfinity)], [.. attrs]);
        }
        else
        {
            // TF divides by the number of real pixels in each window: pool zero-padded data and a zero-padded
            // mask of ones alike, and divide.
            var data = _b.Add(onnxOp, node.Name + "_sum", [PadSameAtRunTime(node, Nchw(x), kh, kw, sh, sw, 0f)], [.. attrs]);
            var ones = _b.Add("ConstantOfShape", node.Name + "_ones", [_b.Add("Shape", node.Name + "_shape", [Nchw(x)])],
                new Onnx.AttributeProto { Name = "value", Type = Onnx.AttributeProto.Types.AttributeType.Tensor, T = OneFloat() });
            var weight = _b.Add(onnxOp, node.Name + "_count", [PadSameAtRunTime(node, ones, kh, kw, sh, sw, 0f)], [.. attrs]);
            pooled = _b.Add("Div", node.Name, [data, weight]);
        }
        Output(node, pooled, x.DType, [x.Shape?[0] ?? -1, outH, outW, x.Shape?[3] ?? -1], Layout.Nchw);
    }

    private void MapPad(TfNode node)
    {
        var x = In(node, 0);
        var paddings = ConstIn(node, 1, "paddings").ToInt64Array();
        var rank = paddings.Length / 2;
        if (x.Rank >= 0 && x.Rank != rank)
        {
            throw Error($"paddings are for rank {rank} but the input has rank {x.Rank}");
        }

        var mode = "constant";
        if (node.Op == "MirrorPad")
        {
            mode = (node.GetString("mode") ?? "REFLECT") switch
            {
                "REFLECT" => "reflect",
                var m => throw Error($"MirrorPad mode {m} has no ONNX equivalent"),
            };
        }

        var nchw = x.Layout == Layout.Nchw && rank == 4;
        var pads = new long[2 * rank];
        for (var i = 0; i < rank; i++)
        {
            var src = nchw ? ToNchw[i] : i;
            pads[i] = paddings[2 * src];
            pads[rank + i] = paddings[(2 * src) + 1];
        }

        var inputs = new List<string> { nchw ? Nchw(x) : Native(x), _b.Int64s(node.Name + "_pads", pads) };
        if (node.Op == "PadV2")
        {
            inputs.Add(ConstName(node, 2));
        }

        var padded = _b.Add("Pad", node.Name, inputs, Attr("mode", mode));
        int[]? shape = null;
        if (x.Shape is not null)
        {
            shape = new int[rank];
            for (var i = 0; i < rank; i++)
            {
                shape[i] = x.Shape[i] < 0 ? -1 : checked((int)(x.Shape[i] + paddings[2 * i] + paddings[(2 * i) + 1]));
            }
        }

        Output(node, padded, x.DType, shape, nchw ? Layout.Nchw : Layout.Native);
    }

    private void MapResize(TfNode node, string mode)
    {
        var x = In(node, 0);
        var size = ConstIn(node, 1, "size").ToInt64Array();
        if (size.Length != 2 || x.Shape is not { Length: 4 })
        {
            throw Error("resize needs a 4-D input and a [height,width] size");
        }

        var alignCorners = node.GetBool("align_corners", false);
        var halfPixel = node.GetBool("half_pixel_centers", false);
        // TF's three sampling grids map onto ONNX coordinate transformation modes one to one
        // (for nearest with half-pixel centres TF rounds like ONNX's tf_half_pixel_for_nn).
        var transform = alignCorners ? "align_corners"
            : halfPixel ? (mode == "nearest" ? "tf_half_pixel_for_nn" : "half_pixel")
            : "asymmetric";
        var attrs = new List<Onnx.AttributeProto>
        {
            Attr("mode", mode),
            Attr("coordinate_transformation_mode", transform),
        };
        if (mode == "nearest")
        {
            attrs.Add(Attr("nearest_mode", alignCorners ? "round_prefer_ceil" : "floor"));
        }

        string[] inputs;
        if (x.Shape[0] > 0 && x.Shape[3] > 0)
        {
            inputs = [Nchw(x), "", "", _b.Int64s(node.Name + "_sizes", x.Shape[0], x.Shape[3], size[0], size[1])];
        }
        else
        {
            if (x.Shape[1] <= 0 || x.Shape[2] <= 0)
            {
                throw Error("resize of an input with unknown height/width is not supported");
            }

            var scales = ConstTensor.Float([4], [1f, 1f, (float)size[0] / x.Shape[1], (float)size[1] / x.Shape[2]]);
            inputs = [Nchw(x), "", _b.AddInitializer(node.Name + "_scales", scales)];
        }

        var resized = _b.Add("Resize", node.Name, inputs, [.. attrs]);
        Output(node, resized, x.DType, [x.Shape[0], (int)size[0], (int)size[1], x.Shape[3]], Layout.Nchw);
    }
}
