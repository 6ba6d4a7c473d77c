using static Mien.ModelImport.Tests.TfAttrs;

namespace Mien.ModelImport.Tests;

/// <summary>Reshape, Squeeze, ExpandDims, Pack, Unpack, ConcatV2, GatherNd, GatherV2, Transpose, ArgMax and Softmax.</summary>
public sealed class ShapeMapperTests
{
    [Theory]
    [InlineData(new[] { 2, 60 })]
    [InlineData(new[] { 2, -1 })]
    [InlineData(new[] { -1, 5, 4 })]
    [InlineData(new[] { 6, 4, 5 })]
    public void Reshape_of_a_plain_input_keeps_row_major_order(int[] target)
    {
        var rng = new Random(71);
        var x = Nd.Random(rng, [2, 3, 4, 5]);
        var g = new TinyGraph();
        g.Node("y", "Reshape", [g.Input("x", x.Shape), g.ConstInt("shape", [target.Length], target)], T(), ("Tshape", TfAttr.Type("DT_INT32")));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(new Nd<float>(Resolve(target, x.Data.Length), x.Data), actual);
    }

    [Fact]
    public void Reshape_of_a_conv_output_flattens_in_nhwc_order()
    {
        // Flatten before a dense head: TF's order is NHWC, so the NCHW value must be transposed back first.
        var rng = new Random(72);
        var x = Nd.Random(rng, [2, 3, 4, 5]);
        var g = new TinyGraph();
        var conv = ElementwiseMapperTests.IdentityConv(g, "x", x.Shape);
        g.Node("y", "Reshape", [conv, g.ConstInt("shape", [2], -1, 60)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(new Nd<float>([2, 60], x.Data), actual);
    }

    [Fact]
    public void Reshape_with_a_dynamic_batch_infers_the_minus_one_dim_at_run_time()
    {
        var rng = new Random(73);
        var x = Nd.Random(rng, [3, 2, 2, 2]);
        var g = new TinyGraph();
        g.Node("y", "Reshape", [g.Input("x", [-1, 2, 2, 2]), g.ConstInt("shape", [2], -1, 8)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(new Nd<float>([3, 8], x.Data), actual);
    }

    [Theory]
    [InlineData(new[] { 1, 3 }, new[] { 2, 4 })]
    [InlineData(new[] { -1 }, new[] { 2, 1, 4 })]
    [InlineData(new int[0], new[] { 2, 4 })]
    public void Squeeze_of_a_plain_input_drops_the_given_unit_axes(int[] axes, int[] expectedShape)
    {
        var rng = new Random(74);
        var x = Nd.Random(rng, [2, 1, 4, 1]);
        var g = new TinyGraph();
        g.Node("y", "Squeeze", [g.Input("x", x.Shape)], T(), ("squeeze_dims", TfAttr.Ints([.. axes.Select(a => (long)a)])));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(new Nd<float>(expectedShape, x.Data), actual);
    }

    [Theory]
    [InlineData(new[] { 1, 2 })]
    [InlineData(new[] { 3 })]
    [InlineData(new[] { 0 })]
    public void Squeeze_of_a_conv_output_keeps_nhwc_order(int[] axes)
    {
        int[] shape = axes.SequenceEqual([1, 2]) ? [2, 1, 1, 3] : axes.SequenceEqual([3]) ? [2, 3, 4, 1] : [1, 3, 4, 2];
        var rng = new Random(75);
        var x = Nd.Random(rng, shape);
        var g = new TinyGraph();
        var conv = ElementwiseMapperTests.IdentityConv(g, "x", x.Shape);
        g.Node("y", "Squeeze", [conv], T(), ("squeeze_dims", TfAttr.Ints([.. axes.Select(a => (long)a)])));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(new Nd<float>([.. shape.Where((_, i) => !axes.Contains(i))], x.Data), actual);
    }

    [Theory]
    [InlineData(0, new[] { 1, 2, 3 })]
    [InlineData(2, new[] { 2, 3, 1 })]
    [InlineData(-1, new[] { 2, 3, 1 })]
    [InlineData(-2, new[] { 2, 1, 3 })]
    [InlineData(-3, new[] { 1, 2, 3 })]
    public void ExpandDims_inserts_a_unit_axis_counting_negative_axes_from_the_end(int axis, int[] expectedShape)
    {
        var rng = new Random(76);
        var x = Nd.Random(rng, [2, 3]);
        var g = new TinyGraph();
        g.Node("y", "ExpandDims", [g.Input("x", x.Shape), g.ConstInt("axis", [], axis)], T(), ("Tdim", TfAttr.Type("DT_INT32")));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(new Nd<float>(expectedShape, x.Data), actual);
    }

    [Fact]
    public void ExpandDims_of_a_conv_output_with_negative_axis_appends_in_nhwc_order()
    {
        var rng = new Random(77);
        var x = Nd.Random(rng, [1, 2, 3, 4]);
        var g = new TinyGraph();
        var conv = ElementwiseMapperTests.IdentityConv(g, "x", x.Shape);
        g.Node("y", "ExpandDims", [conv, g.ConstInt("axis", [1], -1)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(new Nd<float>([1, 2, 3, 4, 1], x.Data), actual);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-1)]
    public void Pack_stacks_along_a_new_axis(int axis)
    {
        var rng = new Random(78);
        var a = Nd.Random(rng, [2, 3]);
        var b = Nd.Random(rng, [2, 3]);
        var c = Nd.Random(rng, [2, 3]);
        var g = new TinyGraph();
        g.Node("y", "Pack", [g.Input("a", a.Shape), g.Input("b", b.Shape), g.Input("c", c.Shape)], T(), ("axis", TfAttr.Int(axis)), ("N", TfAttr.Int(3)));

        var actual = CompiledGraph.Run(g, Feed.Of("a", a), Feed.Of("b", b), Feed.Of("c", c)).Float("y");

        NdAssert.Close(TfReference.Pack(axis, a, b, c), actual);
    }

    [Fact]
    public void Pack_of_int32_scalars_builds_a_shape_vector()
    {
        var g = new TinyGraph();
        var x = g.Input("x", [], "DT_INT32");
        g.Node("y", "Pack", [x, g.ConstInt("two", [], 2), x], T("DT_INT32"), ("axis", TfAttr.Int(0)), ("N", TfAttr.Int(3)));

        var actual = CompiledGraph.Run(g, Feed.Of("x", Nd.Int([], 7))).Int("y");

        NdAssert.Equal(Nd.Int([3], 7, 2, 7), actual);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Unpack_splits_into_one_output_per_index(int axis)
    {
        var rng = new Random(79);
        var x = Nd.Random(rng, [3, 3, 3]);
        var g = new TinyGraph();
        g.Node("u", "Unpack", [g.Input("x", x.Shape)], T(), ("axis", TfAttr.Int(axis)), ("num", TfAttr.Int(3)));
        for (var k = 0; k < 3; k++)
        {
            g.Node($"y{k}", "Identity", [k == 0 ? "u" : $"u:{k}"], T());
        }

        var result = CompiledGraph.Run(g, Feed.Of("x", x));

        var expected = TfReference.Unpack(x, axis);
        for (var k = 0; k < 3; k++)
        {
            NdAssert.Close(expected[k], result.Float($"y{k}"));
        }
    }

    [Fact]
    public void ConcatV2_on_axis_3_of_conv_outputs_concatenates_channels()
    {
        var rng = new Random(80);
        var a = Nd.Random(rng, [2, 3, 4, 2]);
        var b = Nd.Random(rng, [2, 3, 4, 3]);
        var g = new TinyGraph();
        var ca = ElementwiseMapperTests.IdentityConv(g, "a", a.Shape, "wa");
        var cb = ElementwiseMapperTests.IdentityConv(g, "b", b.Shape, "wb");
        g.Node("y", "ConcatV2", [ca, cb, g.ConstInt("axis", [], 3)], T(), ("N", TfAttr.Int(2)), ("Tidx", TfAttr.Type("DT_INT32")));

        var actual = CompiledGraph.Run(g, Feed.Of("a", a), Feed.Of("b", b)).Float("y");

        NdAssert.Close(TfReference.Concat(3, a, b), actual);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-1)]
    [InlineData(0)]
    public void ConcatV2_of_a_conv_output_a_plain_input_and_a_constant_matches_tf_reference(int axis)
    {
        var rng = new Random(81);
        var a = Nd.Random(rng, [1, 2, 3, 2]);
        var b = Nd.Random(rng, [1, 2, 3, 2]);
        var c = Nd.Random(rng, [1, 2, 3, 2]);
        var g = new TinyGraph();
        var ca = ElementwiseMapperTests.IdentityConv(g, "a", a.Shape);
        g.Node("y", "ConcatV2", [ca, g.Input("b", b.Shape), g.Const("c", c), g.ConstInt("axis", [], axis)], T(), ("N", TfAttr.Int(3)));

        var actual = CompiledGraph.Run(g, Feed.Of("a", a), Feed.Of("b", b)).Float("y");

        NdAssert.Close(TfReference.Concat(axis, a, b, c), actual);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    public void ConcatV2_of_2d_tensors_matches_tf_reference(int axis)
    {
        var rng = new Random(82);
        var a = Nd.Random(rng, [3, 2]);
        var b = Nd.Random(rng, [3, 2]);
        var g = new TinyGraph();
        g.Node("y", "ConcatV2", [g.Input("a", a.Shape), g.Input("b", b.Shape), g.ConstInt("axis", [], axis)], T(), ("N", TfAttr.Int(2)));

        var actual = CompiledGraph.Run(g, Feed.Of("a", a), Feed.Of("b", b)).Float("y");

        NdAssert.Close(TfReference.Concat(axis, a, b), actual);
    }

    [Theory]
    [InlineData(new[] { 4, 2 }, new[] { 0, 1, 2, 2, 1, 0, 0, 3 })]
    [InlineData(new[] { 3, 1 }, new[] { 2, 0, 1 })]
    [InlineData(new[] { 2, 3 }, new[] { 1, 2, 3, 0, 0, 4 })]
    [InlineData(new[] { 2, 2, 2 }, new[] { 0, 0, 1, 1, 2, 2, 0, 3 })]
    public void GatherNd_matches_tf_reference(int[] indexShape, int[] indices)
    {
        var rng = new Random(83);
        var p = Nd.Random(rng, [3, 4, 5]);
        var g = new TinyGraph();
        g.Node("y", "GatherNd", [g.Input("p", p.Shape), g.ConstInt("idx", indexShape, indices)], ("Tparams", TfAttr.Type("DT_FLOAT")), ("Tindices", TfAttr.Type("DT_INT32")));

        var actual = CompiledGraph.Run(g, Feed.Of("p", p)).Float("y");

        NdAssert.Close(TfReference.GatherNd(p, Nd.Int(indexShape, indices)), actual);
    }

    [Fact]
    public void GatherNd_with_runtime_int32_indices_matches_tf_reference()
    {
        var rng = new Random(84);
        var p = Nd.Random(rng, [4, 3]);
        var idx = Nd.Int([5, 1], 3, 0, 2, 2, 1);
        var g = new TinyGraph();
        g.Node("y", "GatherNd", [g.Input("p", p.Shape), g.Input("idx", idx.Shape, "DT_INT32")], ("Tparams", TfAttr.Type("DT_FLOAT")), ("Tindices", TfAttr.Type("DT_INT32")));

        var actual = CompiledGraph.Run(g, Feed.Of("p", p), Feed.Of("idx", idx)).Float("y");

        NdAssert.Close(TfReference.GatherNd(p, idx), actual);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void GatherV2_picks_slices_along_the_axis(int axis)
    {
        var rng = new Random(85);
        var p = Nd.Random(rng, [3, 4]);
        var idx = Nd.Int([2], 2, 0);
        var g = new TinyGraph();
        g.Node("y", "GatherV2", [g.Input("p", p.Shape), g.ConstInt("idx", idx.Shape, idx.Data), g.ConstInt("axis", [], axis)], ("batch_dims", TfAttr.Int(0)));

        var actual = CompiledGraph.Run(g, Feed.Of("p", p)).Float("y");

        var a = axis < 0 ? axis + 2 : axis;
        var expected = a == 0
            ? new Nd<float>([2, 4], [.. p.Data.AsSpan(8, 4), .. p.Data.AsSpan(0, 4)])
            : new Nd<float>([3, 2], [.. Enumerable.Range(0, 3).SelectMany(r => new[] { p[r, 2], p[r, 0] })]);
        NdAssert.Close(expected, actual);
    }

    [Fact]
    public void Transpose_of_a_conv_output_permutes_nhwc_axes()
    {
        var rng = new Random(86);
        var x = Nd.Random(rng, [1, 2, 3, 4]);
        var g = new TinyGraph();
        var conv = ElementwiseMapperTests.IdentityConv(g, "x", x.Shape);
        g.Node("y", "Transpose", [conv, g.ConstInt("perm", [4], 0, 3, 1, 2)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        var expected = new float[x.Data.Length];
        var k = 0;
        for (var c = 0; c < 4; c++)
        {
            for (var h = 0; h < 2; h++)
            {
                for (var w = 0; w < 3; w++)
                {
                    expected[k++] = x[0, h, w, c];
                }
            }
        }

        NdAssert.Close(new Nd<float>([1, 4, 2, 3], expected), actual);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    public void ArgMax_returns_int32_indices_of_the_first_maximum(int axis)
    {
        var x = Nd.Float([3, 4], 1f, 5f, 5f, 2f, 9f, 0f, 9f, 3f, -1f, -2f, -3f, -1f);
        var g = new TinyGraph();
        g.Node("y", "ArgMax", [g.Input("x", x.Shape), g.ConstInt("dim", [], axis)], T(), ("Tidx", TfAttr.Type("DT_INT32")), ("output_type", TfAttr.Type("DT_INT32")));

        var result = CompiledGraph.Run(g, Feed.Of("x", x));

        NdAssert.Equal(TfReference.ArgMax(x, axis), result.Int("y"));
    }

    [Fact]
    public void ArgMax_over_channels_of_a_conv_output_matches_tf_reference()
    {
        var rng = new Random(87);
        var x = Nd.Random(rng, [2, 3, 4, 5]);
        var g = new TinyGraph();
        var conv = ElementwiseMapperTests.IdentityConv(g, "x", x.Shape);
        g.Node("y", "ArgMax", [conv, g.ConstInt("dim", [], 3)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Int("y");

        NdAssert.Equal(TfReference.ArgMax(x, 3), actual);
    }

    [Theory]
    [InlineData(new[] { 3, 5 })]
    [InlineData(new[] { 2, 3, 4 })]
    public void Softmax_normalises_the_last_axis(int[] shape)
    {
        var rng = new Random(88);
        var x = Nd.Random(rng, shape, -5f, 5f);
        var g = new TinyGraph();
        g.Node("y", "Softmax", [g.Input("x", x.Shape)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(TfReference.Softmax(x), actual);
    }

    [Fact]
    public void Softmax_of_a_conv_output_normalises_channels()
    {
        var rng = new Random(89);
        var x = Nd.Random(rng, [1, 3, 4, 5], -5f, 5f);
        var g = new TinyGraph();
        var conv = ElementwiseMapperTests.IdentityConv(g, "x", x.Shape);
        g.Node("y", "Softmax", [conv], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(TfReference.Softmax(x), actual);
    }

    private static int[] Resolve(int[] target, int count)
    {
        var known = target.Where(d => d >= 0).Aggregate(1, (p, d) => p * d);
        return [.. target.Select(d => d < 0 ? count / known : d)];
    }
}
