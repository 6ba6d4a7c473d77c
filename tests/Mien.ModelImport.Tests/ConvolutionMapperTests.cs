using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Mien.ModelImport.Tests.TfAttrs;

namespace Mien.ModelImport.Tests;

/// <summary>Conv2D, _FusedConv2D, DepthwiseConv2dNative and FusedDepthwiseConv2dNative against naive TF convolutions.</summary>
public sealed class ConvolutionMapperTests
{
    [Theory]
    [InlineData("SAME", 1)]
    [InlineData("SAME", 2)]
    [InlineData("VALID", 1)]
    [InlineData("VALID", 2)]
    public void Conv2D_matches_tf_reference(string padding, int stride)
    {
        var rng = new Random(11);
        var x = Nd.Random(rng, [2, 7, 6, 3]);
        var w = Nd.Random(rng, [3, 3, 3, 4]);
        var g = new TinyGraph();
        g.Node("conv", "Conv2D", [g.Input("x", x.Shape), g.Const("w", w)],
            T(), Strides(stride, stride), Padding(padding), DataFormat(), Dilations(1, 1));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("conv");

        NdAssert.Close(TfReference.Conv2D(x, w, stride, stride, padding), actual);
    }

    [Fact]
    public void FusedConv2D_with_same_padding_and_stride_2_matches_tf_reference()
    {
        var rng = new Random(12);
        var x = Nd.Random(rng, [1, 9, 8, 3]);
        var w = Nd.Random(rng, [3, 3, 3, 5]);
        var bias = Nd.Random(rng, [5]);

        var actual = RunFusedConv(x, w, bias, alpha: null, ["BiasAdd"], stride: 2, "SAME");

        var expected = TfReference.Binary(TfReference.Conv2D(x, w, 2, 2, "SAME"), bias, (a, b) => a + b);
        NdAssert.Close(expected, actual);
    }

    [Theory]
    [InlineData("Relu")]
    [InlineData("Relu6")]
    public void FusedConv2D_with_bias_and_activation_matches_tf_reference(string activation)
    {
        var rng = new Random(13);
        // Scaled so that both ends of the activation are exercised (Relu6 clips at 6).
        var x = Nd.Random(rng, [1, 6, 6, 4], -3f, 3f);
        var w = Nd.Random(rng, [3, 3, 4, 6]);
        var bias = Nd.Random(rng, [6]);

        var actual = RunFusedConv(x, w, bias, alpha: null, ["BiasAdd", activation], stride: 1, "SAME");

        var conv = TfReference.Binary(TfReference.Conv2D(x, w, 1, 1, "SAME"), bias, (a, b) => a + b);
        var expected = TfReference.Unary(conv, activation == "Relu" ? TfReference.Relu : TfReference.Relu6);
        Assert.Contains(expected.Data, v => v == 0f);
        Assert.Contains(expected.Data, v => activation == "Relu" ? v > 6f : v == 6f);
        NdAssert.Close(expected, actual);
    }

    [Fact]
    public void FusedConv2D_with_bias_and_prelu_applies_per_channel_slopes()
    {
        var rng = new Random(14);
        var x = Nd.Random(rng, [1, 5, 5, 2]);
        var w = Nd.Random(rng, [2, 2, 2, 3]);
        var bias = Nd.Random(rng, [3]);
        var alpha = Nd.Float([3], 0.1f, 0.5f, -2f);

        var actual = RunFusedConv(x, w, bias, alpha, ["BiasAdd", "Prelu"], stride: 1, "VALID");

        var conv = TfReference.Binary(TfReference.Conv2D(x, w, 1, 1, "VALID"), bias, (a, b) => a + b);
        var expected = TfReference.Binary(conv, alpha, (v, a) => v >= 0 ? v : a * v);
        NdAssert.Close(expected, actual);
    }

    [Theory]
    [InlineData("_FusedConv2D", "Elu")]
    [InlineData("_FusedConv2D", "Sigmoid")]
    [InlineData("_FusedConv2D", "Tanh")]
    [InlineData("_FusedConv2D", "LeakyRelu")]
    [InlineData("FusedDepthwiseConv2dNative", "LeakyRelu")]
    [InlineData("FusedDepthwiseConv2dNative", "Prelu")]
    [InlineData("FusedDepthwiseConv2dNative", "Relu")]
    public void Fused_conv_with_bias_and_other_activations_matches_tf_reference(string op, string activation)
    {
        var rng = new Random(25);
        var depthwise = op == "FusedDepthwiseConv2dNative";
        var x = Nd.Random(rng, [1, 5, 6, 2], -2f, 2f);
        var w = Nd.Random(rng, [3, 3, 2, depthwise ? 2 : 3]);
        var channels = depthwise ? 4 : 3;
        var bias = Nd.Random(rng, [channels]);
        var alpha = Nd.Random(rng, [channels], -1f, 1f);
        var g = new TinyGraph();
        List<string> inputs = [g.Input("x", x.Shape), g.Const("w", w), g.Const("b", bias)];
        if (activation == "Prelu")
        {
            inputs.Add(g.Const("alpha", alpha));
        }

        g.Node("conv", op, [.. inputs], T(), Strides(1, 1), Padding("SAME"), DataFormat(), Dilations(1, 1),
            FusedOps("BiasAdd", activation), NumArgs(inputs.Count - 2), ("leakyrelu_alpha", TfAttr.Float(0.3f)));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("conv");

        var conv = TfReference.Binary(depthwise ? TfReference.DepthwiseConv2D(x, w, 1, 1, "SAME") : TfReference.Conv2D(x, w, 1, 1, "SAME"), bias, (a, b) => a + b);
        var expected = activation switch
        {
            "Elu" => TfReference.Unary(conv, v => v > 0 ? v : Math.Exp(v) - 1),
            "Sigmoid" => TfReference.Unary(conv, v => 1 / (1 + Math.Exp(-v))),
            "Tanh" => TfReference.Unary(conv, Math.Tanh),
            "LeakyRelu" => TfReference.Unary(conv, v => v >= 0 ? v : 0.3 * v),
            "Relu" => TfReference.Unary(conv, TfReference.Relu),
            _ => TfReference.Binary(conv, alpha, (v, a) => v >= 0 ? v : a * v),
        };
        NdAssert.Close(expected, actual);
    }

    [Fact]
    public void Conv2D_with_explicit_padding_matches_tf_reference()
    {
        var rng = new Random(15);
        var x = Nd.Random(rng, [1, 5, 6, 2]);
        var w = Nd.Random(rng, [3, 2, 2, 3]);
        var g = new TinyGraph();
        // explicit_paddings are NHWC (before, after) pairs: here top 2, bottom 0, left 1, right 3.
        g.Node("conv", "Conv2D", [g.Input("x", x.Shape), g.Const("w", w)],
            T(), Strides(2, 1), Padding("EXPLICIT"), DataFormat(), Dilations(1, 1),
            ("explicit_paddings", TfAttr.Ints(0, 0, 2, 0, 1, 3, 0, 0)));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("conv");

        NdAssert.Close(TfReference.Conv2D(x, w, 2, 1, "EXPLICIT", explicitPads: (2, 0, 1, 3)), actual);
    }

    [Theory]
    [InlineData("SAME")]
    [InlineData("VALID")]
    public void Conv2D_with_dilation_matches_tf_reference(string padding)
    {
        var rng = new Random(16);
        var x = Nd.Random(rng, [1, 9, 8, 2]);
        var w = Nd.Random(rng, [3, 3, 2, 2]);
        var g = new TinyGraph();
        g.Node("conv", "Conv2D", [g.Input("x", x.Shape), g.Const("w", w)],
            T(), Strides(1, 1), Padding(padding), DataFormat(), Dilations(2, 3));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("conv");

        NdAssert.Close(TfReference.Conv2D(x, w, 1, 1, padding, 2, 3), actual);
    }

    [Theory]
    [InlineData(7, 6)]
    [InlineData(8, 5)]
    public void Conv2D_with_same_padding_on_a_dynamic_size_input_matches_tf_reference(int h, int w)
    {
        // With unknown H and W the mapper cannot precompute pads and relies on ONNX auto_pad=SAME_UPPER.
        var rng = new Random(17);
        var x = Nd.Random(rng, [1, h, w, 2]);
        var filter = Nd.Random(rng, [3, 2, 2, 3]);
        var g = new TinyGraph();
        g.Node("conv", "Conv2D", [g.Input("x", [-1, -1, -1, 2]), g.Const("w", filter)],
            T(), Strides(2, 2), Padding("SAME"), DataFormat(), Dilations(1, 1));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("conv");

        NdAssert.Close(TfReference.Conv2D(x, filter, 2, 2, "SAME"), actual);
    }

    /// <summary>
    /// With unknown H and W the mapper emits auto_pad=SAME_UPPER, which ONNX Runtime rejects for dilated
    /// convolutions ("Dilation not supported for AutoPadType::SAME_UPPER"). Dilated SAME convs on
    /// arbitrary-size inputs are what segmentation models (e.g. BodyPix's dilated MobileNet) run.
    /// </summary>
    [Theory]
    [InlineData("Conv2D", 8, 8)]
    [InlineData("Conv2D", 7, 9)]
    [InlineData("DepthwiseConv2dNative", 8, 8)]
    public void Dilated_conv_with_same_padding_on_a_dynamic_size_input_matches_tf_reference(string op, int h, int w)
    {
        var rng = new Random(24);
        var x = Nd.Random(rng, [1, h, w, 2]);
        var filter = Nd.Random(rng, [3, 3, 2, op == "Conv2D" ? 3 : 1]);
        var g = new TinyGraph();
        g.Node("conv", op, [g.Input("x", [-1, -1, -1, 2]), g.Const("w", filter)],
            T(), Strides(1, 1), Padding("SAME"), DataFormat(), Dilations(2, 2));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("conv");

        var expected = op == "Conv2D" ? TfReference.Conv2D(x, filter, 1, 1, "SAME", 2, 2) : TfReference.DepthwiseConv2D(x, filter, 1, 1, "SAME", 2, 2);
        NdAssert.Close(expected, actual);
    }

    [Theory]
    [InlineData(1, "SAME", 1)]
    [InlineData(1, "VALID", 2)]
    [InlineData(2, "SAME", 2)]
    [InlineData(2, "VALID", 1)]
    public void DepthwiseConv2dNative_matches_tf_reference(int multiplier, string padding, int stride)
    {
        var rng = new Random(18 + multiplier);
        var x = Nd.Random(rng, [2, 7, 7, 3]);
        var w = Nd.Random(rng, [3, 3, 3, multiplier]);
        var g = new TinyGraph();
        g.Node("dw", "DepthwiseConv2dNative", [g.Input("x", x.Shape), g.Const("w", w)],
            T(), Strides(stride, stride), Padding(padding), DataFormat(), Dilations(1, 1));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("dw");

        NdAssert.Close(TfReference.DepthwiseConv2D(x, w, stride, stride, padding), actual);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void FusedDepthwiseConv2dNative_with_bias_and_relu6_matches_tf_reference(int multiplier)
    {
        var rng = new Random(20 + multiplier);
        var x = Nd.Random(rng, [1, 6, 5, 4], -4f, 4f);
        var w = Nd.Random(rng, [3, 3, 4, multiplier]);
        var bias = Nd.Random(rng, [4 * multiplier]);
        var g = new TinyGraph();
        g.Node("dw", "FusedDepthwiseConv2dNative", [g.Input("x", x.Shape), g.Const("w", w), g.Const("b", bias)],
            T(), Strides(2, 2), Padding("SAME"), DataFormat(), Dilations(1, 1), FusedOps("BiasAdd", "Relu6"), NumArgs(1));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("dw");

        var conv = TfReference.Binary(TfReference.DepthwiseConv2D(x, w, 2, 2, "SAME"), bias, (a, b) => a + b);
        NdAssert.Close(TfReference.Unary(conv, TfReference.Relu6), actual);
    }

    [Fact]
    public void DepthwiseConv2dNative_with_dilation_matches_tf_reference()
    {
        var rng = new Random(23);
        var x = Nd.Random(rng, [1, 8, 9, 2]);
        var w = Nd.Random(rng, [2, 3, 2, 2]);
        var g = new TinyGraph();
        g.Node("dw", "DepthwiseConv2dNative", [g.Input("x", x.Shape), g.Const("w", w)],
            T(), Strides(1, 1), Padding("SAME"), DataFormat(), Dilations(2, 2));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("dw");

        NdAssert.Close(TfReference.DepthwiseConv2D(x, w, 1, 1, "SAME", 2, 2), actual);
    }

    [Property(Arbitrary = [typeof(ConvCases)], MaxTest = 200)]
    public void Conv2D_matches_tf_reference_for_any_geometry(ConvCase c)
    {
        var rng = new Random(c.Seed);
        var x = Nd.Random(rng, [1, c.H, c.W, c.InC]);
        var w = Nd.Random(rng, [c.KH, c.KW, c.InC, c.OutC]);
        var g = new TinyGraph();
        g.Node("conv", "Conv2D", [g.Input("x", c.Declared), g.Const("w", w)],
            T(), Strides(c.SH, c.SW), Padding(c.Padding), DataFormat(), Dilations(c.DH, c.DW));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("conv");

        NdAssert.Close(TfReference.Conv2D(x, w, c.SH, c.SW, c.Padding, c.DH, c.DW), actual);
    }

    [Property(Arbitrary = [typeof(ConvCases)], MaxTest = 150)]
    public void DepthwiseConv2dNative_matches_tf_reference_for_any_geometry(ConvCase c)
    {
        var multiplier = 1 + (c.OutC % 2);
        var rng = new Random(c.Seed);
        var x = Nd.Random(rng, [1, c.H, c.W, c.InC]);
        var w = Nd.Random(rng, [c.KH, c.KW, c.InC, multiplier]);
        var g = new TinyGraph();
        g.Node("dw", "DepthwiseConv2dNative", [g.Input("x", c.Declared), g.Const("w", w)],
            T(), Strides(c.SH, c.SW), Padding(c.Padding), DataFormat(), Dilations(c.DH, c.DW));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("dw");

        NdAssert.Close(TfReference.DepthwiseConv2D(x, w, c.SH, c.SW, c.Padding, c.DH, c.DW), actual);
    }

    private static Nd<float> RunFusedConv(Nd<float> x, Nd<float> w, Nd<float> bias, Nd<float>? alpha, string[] fusedOps, int stride, string padding)
    {
        var g = new TinyGraph();
        List<string> inputs = [g.Input("x", x.Shape), g.Const("w", w), g.Const("b", bias)];
        if (alpha is not null)
        {
            inputs.Add(g.Const("alpha", alpha));
        }

        g.Node("conv", "_FusedConv2D", [.. inputs],
            T(), Strides(stride, stride), Padding(padding), DataFormat(), Dilations(1, 1),
            FusedOps(fusedOps), NumArgs(inputs.Count - 2), ("epsilon", TfAttr.Float(0f)));
        return CompiledGraph.Run(g, Feed.Of("x", x)).Float("conv");
    }
}

/// <summary>One convolution geometry: input size, kernel, stride, dilation and padding mode.</summary>
public sealed record ConvCase(int H, int W, int InC, int OutC, int KH, int KW, int SH, int SW, int DH, int DW, string Padding, bool DynamicSize, int Seed)
{
    /// <summary>The Placeholder shape: static, or [-1,-1,-1,C] so the mapper cannot precompute pads.</summary>
    public int[] Declared => DynamicSize ? [-1, -1, -1, InC] : [1, H, W, InC];
}

/// <summary>
/// Convolution geometries: input 1..9, kernel 1..4, stride 1..3, dilation 1..2, SAME or VALID, static or
/// dynamic input size — only the combinations TF accepts (VALID needs the dilated kernel to fit; strides
/// and dilations are not both > 1).
/// </summary>
public static class ConvCases
{
    public static Arbitrary<ConvCase> Cases()
    {
        var gen =
            from h in Gen.Choose(1, 9)
            from w in Gen.Choose(1, 9)
            from inC in Gen.Choose(1, 3)
            from outC in Gen.Choose(1, 3)
            from kh in Gen.Choose(1, 4)
            from kw in Gen.Choose(1, 4)
            from sh in Gen.Choose(1, 3)
            from sw in Gen.Choose(1, 3)
            from dh in Gen.Choose(1, 2)
            from dw in Gen.Choose(1, 2)
            from padding in Gen.Elements("SAME", "VALID")
            from dynamic in Gen.Elements(false, true)
            from seed in Gen.Choose(0, 10_000)
            select new ConvCase(h, w, inC, outC, kh, kw, sh, sw, dh, dw, padding, dynamic, seed);
        return Arb.From(gen.Where(c =>
            (c.Padding == "SAME" || (((c.KH - 1) * c.DH) + 1 <= c.H && ((c.KW - 1) * c.DW) + 1 <= c.W)) &&
            ((c.SH == 1 && c.SW == 1) || (c.DH == 1 && c.DW == 1))));
    }
}
