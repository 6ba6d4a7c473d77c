using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Mien.ModelImport.Tests.TfAttrs;

namespace Mien.ModelImport.Tests;

/// <summary>MaxPool, AvgPool, Pad, PadV2 and MirrorPad against naive TF references.</summary>
public sealed class PoolAndPadMapperTests
{
    [Theory]
    [InlineData("MaxPool", "SAME", 3, 2)]
    [InlineData("MaxPool", "VALID", 2, 2)]
    [InlineData("MaxPool", "SAME", 2, 1)]
    [InlineData("AvgPool", "SAME", 3, 1)]
    [InlineData("AvgPool", "SAME", 3, 2)]
    [InlineData("AvgPool", "VALID", 3, 2)]
    public void Pool_matches_tf_reference(string op, string padding, int kernel, int stride)
    {
        var rng = new Random(31);
        var x = Nd.Random(rng, [2, 7, 6, 3]);
        var g = new TinyGraph();
        g.Node("pool", op, [g.Input("x", x.Shape)], T(), KSize(kernel, kernel), Strides(stride, stride), Padding(padding), DataFormat());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("pool");

        NdAssert.Close(ReferencePool(op, x, kernel, kernel, stride, stride, padding), actual);
    }

    [Fact]
    public void AvgPool_with_same_padding_excludes_the_padding_from_the_average()
    {
        // A 2x2 input of ones averaged over 3x3 SAME windows: TF divides by the in-image count, so every output is 1.
        var x = Nd.Float([1, 2, 2, 1], 1f, 1f, 1f, 1f);
        var g = new TinyGraph();
        g.Node("pool", "AvgPool", [g.Input("x", x.Shape)], T(), KSize(3, 3), Strides(1, 1), Padding("SAME"), DataFormat());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("pool");

        NdAssert.Close(Nd.Float([1, 2, 2, 1], 1f, 1f, 1f, 1f), actual);
    }

    [Theory]
    [InlineData("MaxPool")]
    [InlineData("AvgPool")]
    public void Pool_with_same_padding_on_a_dynamic_size_input_matches_tf_reference(string op)
    {
        var rng = new Random(32);
        var x = Nd.Random(rng, [1, 6, 7, 2]);
        var g = new TinyGraph();
        g.Node("pool", op, [g.Input("x", [-1, -1, -1, 2])], T(), KSize(3, 2), Strides(2, 2), Padding("SAME"), DataFormat());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("pool");

        NdAssert.Close(ReferencePool(op, x, 3, 2, 2, 2, "SAME"), actual);
    }

    /// <summary>
    /// With unknown H and W, TF's SAME pad total max((out-1)*stride + k - in, 0) depends on the size and is
    /// 0 when the stride exceeds the window (ONNX's SAME_UPPER would compute -1 and fail): e.g. a 1x1
    /// stride-2 pool on an even-sized input, as in ResNet-D style shortcut downsampling.
    /// </summary>
    [Theory]
    [InlineData("MaxPool", 1, 2)]
    [InlineData("AvgPool", 1, 2)]
    [InlineData("AvgPool", 2, 3)]
    public void Pool_with_same_padding_and_stride_above_the_window_on_a_dynamic_size_input_matches_tf_reference(string op, int kernel, int stride)
    {
        var rng = new Random(38);
        var x = Nd.Random(rng, [1, 4, 6, 2]);
        var g = new TinyGraph();
        g.Node("pool", op, [g.Input("x", [-1, -1, -1, 2])], T(), KSize(kernel, kernel), Strides(stride, stride), Padding("SAME"), DataFormat());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("pool");

        NdAssert.Close(ReferencePool(op, x, kernel, kernel, stride, stride, "SAME"), actual);
    }

    [Property(Arbitrary = [typeof(PoolCases)], MaxTest = 200)]
    public void Pool_matches_tf_reference_for_any_geometry(PoolCase c)
    {
        var rng = new Random(c.Seed);
        var x = Nd.Random(rng, [1, c.H, c.W, 2]);
        var g = new TinyGraph();
        g.Node("pool", c.Op, [g.Input("x", c.Declared)], T(), KSize(c.KH, c.KW), Strides(c.SH, c.SW), Padding(c.Padding), DataFormat());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("pool");

        NdAssert.Close(ReferencePool(c.Op, x, c.KH, c.KW, c.SH, c.SW, c.Padding), actual);
    }

    [Fact]
    public void Pad_of_a_plain_input_matches_tf_reference()
    {
        var rng = new Random(33);
        var x = Nd.Random(rng, [2, 3, 4]);
        var g = new TinyGraph();
        g.Node("pad", "Pad", [g.Input("x", x.Shape), g.ConstInt("paddings", [3, 2], 0, 1, 2, 0, 1, 3)], T(), ("Tpaddings", TfAttr.Type("DT_INT32")));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("pad");

        NdAssert.Close(TfReference.Pad(x, [(0, 1), (2, 0), (1, 3)]), actual);
    }

    [Fact]
    public void Pad_of_a_4d_plain_input_matches_tf_reference()
    {
        var rng = new Random(34);
        var x = Nd.Random(rng, [1, 3, 4, 2]);
        var g = new TinyGraph();
        g.Node("pad", "Pad", [g.Input("x", x.Shape), g.ConstInt("paddings", [4, 2], 0, 0, 1, 2, 3, 0, 0, 1)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("pad");

        NdAssert.Close(TfReference.Pad(x, [(0, 0), (1, 2), (3, 0), (0, 1)]), actual);
    }

    [Fact]
    public void Pad_of_a_conv_output_stored_nchw_pads_the_right_axes()
    {
        // Pads every axis differently (batch and channels too) so a wrong NHWC→NCHW mapping of the pads shows.
        var rng = new Random(35);
        var x = Nd.Random(rng, [1, 4, 5, 2]);
        var w = Nd.Random(rng, [1, 1, 2, 3]);
        var g = new TinyGraph();
        var conv = g.Node("conv", "Conv2D", [g.Input("x", x.Shape), g.Const("w", w)], T(), Strides(1, 1), Padding("VALID"), DataFormat());
        g.Node("pad", "Pad", [conv, g.ConstInt("paddings", [4, 2], 1, 0, 0, 2, 1, 0, 2, 1)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("pad");

        var expected = TfReference.Pad(TfReference.Conv2D(x, w, 1, 1, "VALID"), [(1, 0), (0, 2), (1, 0), (2, 1)]);
        NdAssert.Close(expected, actual);
    }

    [Fact]
    public void PadV2_after_a_conv_fills_with_the_constant_value()
    {
        var rng = new Random(36);
        var x = Nd.Random(rng, [1, 3, 3, 2]);
        var w = Nd.Random(rng, [2, 2, 2, 2]);
        var g = new TinyGraph();
        var conv = g.Node("conv", "Conv2D", [g.Input("x", x.Shape), g.Const("w", w)], T(), Strides(1, 1), Padding("SAME"), DataFormat());
        g.Node("pad", "PadV2", [conv, g.ConstInt("paddings", [4, 2], 0, 0, 1, 1, 0, 2, 0, 0), g.Const("value", [], -7.5f)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("pad");

        NdAssert.Close(TfReference.Pad(TfReference.Conv2D(x, w, 1, 1, "SAME"), [(0, 0), (1, 1), (0, 2), (0, 0)], -7.5f), actual);
    }

    [Fact]
    public void MirrorPad_reflect_after_a_conv_matches_tf_reference()
    {
        var rng = new Random(37);
        var x = Nd.Random(rng, [1, 4, 4, 2]);
        var w = Nd.Random(rng, [1, 1, 2, 2]);
        var g = new TinyGraph();
        var conv = g.Node("conv", "Conv2D", [g.Input("x", x.Shape), g.Const("w", w)], T(), Strides(1, 1), Padding("VALID"), DataFormat());
        g.Node("pad", "MirrorPad", [conv, g.ConstInt("paddings", [4, 2], 0, 0, 2, 1, 1, 3, 0, 0)], T(), ("mode", TfAttr.Str("REFLECT")));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("pad");

        NdAssert.Close(TfReference.PadReflect(TfReference.Conv2D(x, w, 1, 1, "VALID"), [(0, 0), (2, 1), (1, 3), (0, 0)]), actual);
    }

    private static Nd<float> ReferencePool(string op, Nd<float> x, int kh, int kw, int sh, int sw, string padding) =>
        op == "MaxPool" ? TfReference.MaxPool(x, kh, kw, sh, sw, padding) : TfReference.AvgPool(x, kh, kw, sh, sw, padding);
}

/// <summary>One pooling geometry.</summary>
public sealed record PoolCase(string Op, int H, int W, int KH, int KW, int SH, int SW, string Padding, bool DynamicSize, int Seed)
{
    /// <summary>The Placeholder shape: static, or [-1,-1,-1,C] so the mapper cannot precompute pads.</summary>
    public int[] Declared => DynamicSize ? [-1, -1, -1, 2] : [1, H, W, 2];
}

/// <summary>Pool geometries: input 1..9, window 1..4, stride 1..3, SAME or VALID (VALID only where the window fits), static or dynamic size.</summary>
public static class PoolCases
{
    public static Arbitrary<PoolCase> Cases()
    {
        var gen =
            from op in Gen.Elements("MaxPool", "AvgPool")
            from h in Gen.Choose(1, 9)
            from w in Gen.Choose(1, 9)
            from kh in Gen.Choose(1, 4)
            from kw in Gen.Choose(1, 4)
            from sh in Gen.Choose(1, 3)
            from sw in Gen.Choose(1, 3)
            from padding in Gen.Elements("SAME", "VALID")
            from dynamic in Gen.Elements(false, true)
            from seed in Gen.Choose(0, 10_000)
            select new PoolCase(op, h, w, kh, kw, sh, sw, padding, dynamic, seed);
        return Arb.From(gen.Where(c => c.Padding == "SAME" || (c.KH <= c.H && c.KW <= c.W)));
    }
}
