using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Mien.ModelImport.Tests.TfAttrs;

namespace Mien.ModelImport.Tests;

/// <summary>Mean, Sum, Max, Min and Prod, on conv outputs (stored NCHW) and on plain inputs.</summary>
public sealed class ReductionMapperTests
{
    public static TheoryData<string, int[], bool> Cases()
    {
        var data = new TheoryData<string, int[], bool>();
        foreach (var op in new[] { "Mean", "Sum", "Max" })
        {
            foreach (var axes in new[] { new[] { 1, 2 }, [3], [1], [-1], [0, 3], [2, 1], [1, 2, 3] })
            {
                data.Add(op, axes, true);
                data.Add(op, axes, false);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reduction_of_a_conv_output_matches_tf_reference(string op, int[] axes, bool keepDims)
    {
        var rng = new Random(61);
        var x = Nd.Random(rng, [2, 3, 4, 5]);
        var g = new TinyGraph();
        var conv = ElementwiseMapperTests.IdentityConv(g, "x", x.Shape);
        g.Node("y", op, [conv, g.ConstInt("axes", [axes.Length], axes)], T(), ("Tidx", TfAttr.Type("DT_INT32")), KeepDims(keepDims));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(TfReference.Reduce(x, axes, keepDims, op), actual);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reduction_of_a_plain_input_matches_tf_reference(string op, int[] axes, bool keepDims)
    {
        var rng = new Random(62);
        var x = Nd.Random(rng, [2, 3, 4, 5]);
        var g = new TinyGraph();
        g.Node("y", op, [g.Input("x", x.Shape), g.ConstInt("axes", [axes.Length], axes)], T(), KeepDims(keepDims));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(TfReference.Reduce(x, axes, keepDims, op), actual);
    }

    [Property(Arbitrary = [typeof(ReductionCases)], MaxTest = 150)]
    public void Reduction_of_a_conv_output_matches_tf_reference_for_any_axes(ReductionCase c)
    {
        var rng = new Random(66);
        var x = Nd.Random(rng, [2, 3, 4, 5]);
        var g = new TinyGraph();
        var conv = ElementwiseMapperTests.IdentityConv(g, "x", x.Shape);
        g.Node("y", c.Op, [conv, g.ConstInt("axes", [c.Axes.Length], c.Axes)], T(), KeepDims(c.KeepDims));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(TfReference.Reduce(x, c.Axes, c.KeepDims, c.Op), actual);
    }

    [Theory]
    [InlineData("Min")]
    [InlineData("Prod")]
    public void Min_and_Prod_over_spatial_axes_of_a_conv_output_match_tf_reference(string op)
    {
        var rng = new Random(63);
        var x = Nd.Random(rng, [1, 2, 3, 4], 0.5f, 1.5f);
        var g = new TinyGraph();
        var conv = ElementwiseMapperTests.IdentityConv(g, "x", x.Shape);
        g.Node("y", op, [conv, g.ConstInt("axes", [2], 1, 2)], T(), KeepDims(false));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        var expected = op == "Min"
            ? TfReference.Unary(TfReference.Reduce(TfReference.Unary(x, v => -v), [1, 2], false, "Max"), v => -v)
            : new Nd<float>([1, 4], [.. Enumerable.Range(0, 4).Select(c => (float)Enumerable.Range(0, 6).Aggregate(1.0, (p, i) => p * x.Data[(i * 4) + c]))]);
        NdAssert.Close(expected, actual);
    }

    [Fact]
    public void Mean_with_keep_dims_multiplied_back_onto_the_conv_output_scales_each_channel()
    {
        // The squeeze-and-excitation pattern: both operands of Mul are NCHW inside.
        var rng = new Random(64);
        var x = Nd.Random(rng, [2, 3, 4, 5]);
        var g = new TinyGraph();
        var conv = ElementwiseMapperTests.IdentityConv(g, "x", x.Shape);
        var mean = g.Node("mean", "Mean", [conv, g.ConstInt("axes", [2], 1, 2)], T(), KeepDims(true));
        g.Node("y", "Mul", [conv, mean], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(TfReference.Binary(x, TfReference.Reduce(x, [1, 2], true, "Mean"), (a, b) => a * b), actual);
    }

    [Fact]
    public void Mean_with_keep_dims_then_Squeeze_yields_batch_by_channels()
    {
        var rng = new Random(65);
        var x = Nd.Random(rng, [2, 3, 4, 5]);
        var g = new TinyGraph();
        var conv = ElementwiseMapperTests.IdentityConv(g, "x", x.Shape);
        var mean = g.Node("mean", "Mean", [conv, g.ConstInt("axes", [2], 1, 2)], T(), KeepDims(true));
        g.Node("y", "Squeeze", [mean], T(), ("squeeze_dims", TfAttr.Ints(1, 2)));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(TfReference.Reduce(x, [1, 2], false, "Mean"), actual);
    }
}

/// <summary>A reduction op, its axes (in any order, possibly negative, possibly none) and keep_dims.</summary>
public sealed record ReductionCase(string Op, int[] Axes, bool KeepDims)
{
    public override string ToString() => $"{Op} axes [{string.Join(',', Axes)}] keep_dims {KeepDims}";
}

/// <summary>Every subset of the four NHWC axes (including the empty one, which TF reduces over nothing), shuffled, some written negative.</summary>
public static class ReductionCases
{
    public static Arbitrary<ReductionCase> Cases()
    {
        var gen =
            from op in Gen.Elements("Mean", "Sum", "Max")
            from subset in Gen.SubListOf(new[] { 0, 1, 2, 3 })
            from order in Gen.Shuffle(subset.ToArray())
            from negative in Gen.ArrayOf(Gen.Elements(false, true), 4)
            from keep in Gen.Elements(false, true)
            select new ReductionCase(op, [.. order.Select((a, i) => negative[i] ? a - 4 : a)], keep);
        return Arb.From(gen);
    }
}
