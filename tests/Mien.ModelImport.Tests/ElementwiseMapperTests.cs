using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Mien.ModelImport.Tests.TfAttrs;

namespace Mien.ModelImport.Tests;

/// <summary>
/// Unary, binary and cast ops, on plain (native-layout) inputs and on conv outputs, which the importer keeps
/// NCHW: the broadcasting operand must then be permuted to match.
/// </summary>
public sealed class ElementwiseMapperTests
{
    public static TheoryData<string> UnaryOps => ["Sigmoid", "Tanh", "Relu", "Relu6", "Abs", "Square", "Sqrt", "Rsqrt", "Neg", "Exp", "Floor", "Ceil", "Elu", "Reciprocal", "Softplus", "LeakyRelu"];

    public static TheoryData<string> BinaryOps => ["Add", "AddV2", "BiasAdd", "Sub", "Mul", "RealDiv", "Div", "Maximum", "Minimum", "SquaredDifference", "Pow"];

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void Unary_op_on_a_plain_input_matches_tf_reference(string op)
    {
        var x = UnaryInput(op, [2, 3, 4], seed: 41);
        var g = new TinyGraph();
        g.Node("y", op, [g.Input("x", x.Shape)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(TfReference.Unary(x, Unary(op)), actual);
    }

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void Unary_op_on_a_conv_output_matches_tf_reference(string op)
    {
        var x = UnaryInput(op, [1, 4, 5, 3], seed: 42);
        var g = new TinyGraph();
        var conv = IdentityConv(g, "x", x.Shape);
        g.Node("y", op, [conv], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(TfReference.Unary(x, Unary(op)), actual);
    }

    [Theory]
    [MemberData(nameof(BinaryOps))]
    public void Binary_op_of_a_conv_output_and_a_channel_constant_broadcasts_over_channels(string op)
    {
        var rng = new Random(43);
        var x = BinaryOperand(op, rng, [2, 3, 4, 5]);
        var c = Nd.Random(rng, [5], 0.5f, 2f);
        var g = new TinyGraph();
        var conv = IdentityConv(g, "x", x.Shape);
        g.Node("y", op, [conv, g.Const("c", c)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(TfReference.Binary(x, c, Binary(op)), actual);
    }

    [Theory]
    [MemberData(nameof(BinaryOps))]
    public void Binary_op_of_a_channel_constant_and_a_conv_output_keeps_operand_order(string op)
    {
        var rng = new Random(44);
        var x = Nd.Random(rng, [1, 3, 4, 5], 0.5f, 2f);
        var c = BinaryOperand(op, rng, [5]);
        var g = new TinyGraph();
        var conv = IdentityConv(g, "x", x.Shape);
        g.Node("y", op, [g.Const("c", c), conv], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(TfReference.Binary(c, x, Binary(op)), actual);
    }

    [Theory]
    [MemberData(nameof(BinaryOps))]
    public void Binary_op_of_two_runtime_tensors_broadcasts_like_tf(string op)
    {
        var rng = new Random(45);
        var a = BinaryOperand(op, rng, [2, 3, 4, 5]);
        var b = Nd.Random(rng, [3, 1, 5], 0.5f, 2f);
        var g = new TinyGraph();
        g.Node("y", op, [g.Input("a", a.Shape), g.Input("b", b.Shape)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("a", a), Feed.Of("b", b)).Float("y");

        NdAssert.Close(TfReference.Binary(a, b, Binary(op)), actual);
    }

    [Theory]
    [InlineData("Sub", new[] { 4, 3 })]
    [InlineData("RealDiv", new[] { 4, 3 })]
    [InlineData("Add", new[] { 3 })]
    [InlineData("Mul", new[] { 1, 1, 4, 3 })]
    [InlineData("SquaredDifference", new[] { 5, 1, 3 })]
    [InlineData("Maximum", new[] { 1, 5, 4, 3 })]
    public void Binary_op_of_a_conv_output_and_a_lower_rank_runtime_tensor_broadcasts_like_tf(string op, int[] otherShape)
    {
        var rng = new Random(46);
        var x = Nd.Random(rng, [2, 5, 4, 3]);
        var other = Nd.Random(rng, otherShape, 0.5f, 2f);
        var g = new TinyGraph();
        var conv = IdentityConv(g, "x", x.Shape);
        g.Node("y", op, [conv, g.Input("other", other.Shape)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x), Feed.Of("other", other)).Float("y");

        NdAssert.Close(TfReference.Binary(x, other, Binary(op)), actual);
    }

    [Theory]
    [InlineData("Sub")]
    [InlineData("RealDiv")]
    public void Binary_op_of_a_runtime_tensor_and_a_conv_output_keeps_operand_order(string op)
    {
        var rng = new Random(47);
        var x = Nd.Random(rng, [1, 5, 4, 3], 0.5f, 2f);
        var other = Nd.Random(rng, [4, 3]);
        var g = new TinyGraph();
        var conv = IdentityConv(g, "x", x.Shape);
        g.Node("y", op, [g.Input("other", other.Shape), conv], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x), Feed.Of("other", other)).Float("y");

        NdAssert.Close(TfReference.Binary(other, x, Binary(op)), actual);
    }

    [Fact]
    public void Binary_op_of_two_conv_outputs_stays_elementwise()
    {
        var rng = new Random(48);
        var a = Nd.Random(rng, [1, 4, 3, 2]);
        var b = Nd.Random(rng, [1, 4, 3, 2]);
        var g = new TinyGraph();
        var ca = IdentityConv(g, "a", a.Shape, "wa");
        var cb = IdentityConv(g, "b", b.Shape, "wb");
        g.Node("y", "Sub", [ca, cb], T());

        var actual = CompiledGraph.Run(g, Feed.Of("a", a), Feed.Of("b", b)).Float("y");

        NdAssert.Close(TfReference.Binary(a, b, (p, q) => p - q), actual);
    }

    [Fact]
    public void Binary_op_of_a_conv_output_and_a_scalar_constant_matches_tf_reference()
    {
        var rng = new Random(49);
        var x = Nd.Random(rng, [1, 3, 3, 2]);
        var g = new TinyGraph();
        var conv = IdentityConv(g, "x", x.Shape);
        g.Node("y", "Mul", [conv, g.Const("s", [], 2.5f)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(TfReference.Unary(x, v => v * 2.5), actual);
    }

    [Fact]
    public void AddN_of_conv_outputs_and_a_plain_input_sums_elementwise()
    {
        var rng = new Random(50);
        var a = Nd.Random(rng, [1, 3, 4, 2]);
        var b = Nd.Random(rng, [1, 3, 4, 2]);
        var g = new TinyGraph();
        var ca = IdentityConv(g, "a", a.Shape, "wa");
        var pb = g.Input("b", b.Shape);
        g.Node("y", "AddN", [ca, pb, ca], T(), ("N", TfAttr.Int(3)));

        var actual = CompiledGraph.Run(g, Feed.Of("a", a), Feed.Of("b", b)).Float("y");

        NdAssert.Close(TfReference.Binary(a, b, (p, q) => (2 * p) + q), actual);
    }

    [Theory]
    [InlineData(new[] { 3 })]
    [InlineData(new[] { 1, 1, 3 })]
    public void Prelu_on_a_conv_output_applies_per_channel_slopes(int[] alphaShape)
    {
        var rng = new Random(51);
        var x = Nd.Random(rng, [2, 4, 3, 3]);
        var alpha = Nd.Float(alphaShape, 0.25f, -1.5f, 3f);
        var g = new TinyGraph();
        var conv = IdentityConv(g, "x", x.Shape);
        g.Node("y", "Prelu", [conv, g.Const("alpha", alpha)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(TfReference.Binary(x, alpha, (v, a) => v >= 0 ? v : a * v), actual);
    }

    [Fact]
    public void Prelu_on_a_2d_input_applies_per_column_slopes()
    {
        var rng = new Random(52);
        var x = Nd.Random(rng, [3, 4]);
        var alpha = Nd.Float([4], 0.1f, 0.2f, -0.3f, 2f);
        var g = new TinyGraph();
        g.Node("y", "Prelu", [g.Input("x", x.Shape), g.Const("alpha", alpha)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(TfReference.Binary(x, alpha, (v, a) => v >= 0 ? v : a * v), actual);
    }

    [Theory]
    [InlineData("Greater")]
    [InlineData("GreaterEqual")]
    [InlineData("Less")]
    [InlineData("LessEqual")]
    [InlineData("Equal")]
    public void Comparison_of_a_conv_output_and_a_channel_constant_yields_bool_in_nhwc_order(string op)
    {
        var x = Nd.Float([1, 2, 2, 3], 0f, 1f, 2f, 3f, 2f, 1f, 1f, 1f, 1f, -1f, 2f, 5f);
        var c = Nd.Float([3], 1f, 1f, 2f);
        var g = new TinyGraph();
        var conv = IdentityConv(g, "x", x.Shape);
        g.Node("y", op, [conv, g.Const("c", c)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Get<bool>("y");

        Func<float, float, bool> compare = op switch
        {
            "Greater" => (a, b) => a > b,
            "GreaterEqual" => (a, b) => a >= b,
            "Less" => (a, b) => a < b,
            "LessEqual" => (a, b) => a <= b,
            _ => (a, b) => a == b,
        };
        NdAssert.Equal(TfReference.Binary(x, c, compare), actual);
    }

    [Fact]
    public void Logical_ops_and_cast_from_bool_match_tf()
    {
        var a = Nd.Float([4], 0f, 1f, 2f, 3f);
        var g = new TinyGraph();
        var x = g.Input("a", a.Shape);
        var gt = g.Node("gt", "Greater", [x, g.Const("lo", [], 0.5f)], T());
        var lt = g.Node("lt", "Less", [x, g.Const("hi", [], 2.5f)], T());
        var both = g.Node("both", "LogicalAnd", [gt, lt]);
        var either = g.Node("either", "LogicalOr", [gt, lt]);
        var not = g.Node("not", "LogicalNot", [both]);
        g.Node("y", "Cast", [not], ("SrcT", TfAttr.Type("DT_BOOL")), ("DstT", TfAttr.Type("DT_FLOAT")));
        g.Node("z", "Cast", [either], ("SrcT", TfAttr.Type("DT_BOOL")), ("DstT", TfAttr.Type("DT_INT32")));

        var result = CompiledGraph.Run(g, Feed.Of("a", a));

        NdAssert.Close(Nd.Float([4], 1f, 0f, 0f, 1f), result.Float("y"));
        NdAssert.Equal(Nd.Int([4], 1, 1, 1, 1), result.Int("z"));
    }

    [Fact]
    public void FloorDiv_of_int32_rounds_towards_negative_infinity_like_tf()
    {
        var a = Nd.Int([10], -7, 7, -7, 7, -8, 0, 5, -1, int.MaxValue, int.MinValue + 1);
        var b = Nd.Int([10], 2, -2, -2, 2, 3, 3, -5, 3, -2, 2);
        var g = new TinyGraph();
        g.Node("y", "FloorDiv", [g.Input("a", a.Shape, "DT_INT32"), g.Input("b", b.Shape, "DT_INT32")], T("DT_INT32"));

        var actual = CompiledGraph.Run(g, Feed.Of("a", a), Feed.Of("b", b)).Int("y");

        var expected = TfReference.Binary<int, int>(a, b, TfReference.FloorDiv);
        Assert.Equal(-4, expected.Data[0]);
        NdAssert.Equal(expected, actual);
    }

    [Fact]
    public void FloorDiv_of_int32_by_a_broadcast_constant_matches_tf_reference()
    {
        var rng = new Random(53);
        var a = Nd.RandomInt(rng, [3, 4], -50, 50);
        var g = new TinyGraph();
        g.Node("y", "FloorDiv", [g.Input("a", a.Shape, "DT_INT32"), g.ConstInt("d", [4], 3, -4, 7, -1)], T("DT_INT32"));

        var actual = CompiledGraph.Run(g, Feed.Of("a", a)).Int("y");

        NdAssert.Equal(TfReference.Binary<int, int>(a, Nd.Int([4], 3, -4, 7, -1), TfReference.FloorDiv), actual);
    }

    [Fact]
    public void FloorDiv_of_float32_floors_the_quotient()
    {
        var a = Nd.Float([4], -7f, 7f, 7.5f, -0.5f);
        var b = Nd.Float([4], 2f, -2f, 2f, 3f);
        var g = new TinyGraph();
        g.Node("y", "FloorDiv", [g.Input("a", a.Shape), g.Input("b", b.Shape)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("a", a), Feed.Of("b", b)).Float("y");

        NdAssert.Close(Nd.Float([4], -4f, -4f, 3f, -1f), actual);
    }

    [Fact]
    public void Cast_from_int32_to_float32_keeps_values()
    {
        var a = Nd.Int([2, 3], -7, 0, 3, 1 << 20, -(1 << 24), 42);
        var g = new TinyGraph();
        g.Node("y", "Cast", [g.Input("a", a.Shape, "DT_INT32")], ("SrcT", TfAttr.Type("DT_INT32")), ("DstT", TfAttr.Type("DT_FLOAT")), ("Truncate", TfAttr.Bool(false)));

        var actual = CompiledGraph.Run(g, Feed.Of("a", a)).Float("y");

        NdAssert.Close(new Nd<float>(a.Shape, Array.ConvertAll(a.Data, v => (float)v)), actual);
    }

    [Fact]
    public void Cast_from_float32_to_int32_truncates_towards_zero()
    {
        var a = Nd.Float([6], -1.7f, -0.5f, 0.5f, 1.7f, 2.5f, -2.5f);
        var g = new TinyGraph();
        g.Node("y", "Cast", [g.Input("a", a.Shape)], ("SrcT", TfAttr.Type("DT_FLOAT")), ("DstT", TfAttr.Type("DT_INT32")));

        var actual = CompiledGraph.Run(g, Feed.Of("a", a)).Int("y");

        NdAssert.Equal(Nd.Int([6], -1, 0, 0, 1, 2, -2), actual);
    }

    [Fact]
    public void Cast_of_a_conv_output_keeps_nhwc_order()
    {
        var rng = new Random(54);
        var x = Nd.Random(rng, [1, 2, 3, 4], -5f, 5f);
        var g = new TinyGraph();
        var conv = IdentityConv(g, "x", x.Shape);
        g.Node("y", "Cast", [conv], ("SrcT", TfAttr.Type("DT_FLOAT")), ("DstT", TfAttr.Type("DT_INT32")));

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Int("y");

        NdAssert.Equal(new Nd<int>(x.Shape, Array.ConvertAll(x.Data, v => (int)v)), actual);
    }

    [Property(Arbitrary = [typeof(BroadcastCases)], MaxTest = 300)]
    public void Binary_op_of_a_conv_output_broadcasts_like_tf_for_any_compatible_operand(BroadcastCase c)
    {
        var rng = new Random(c.Seed);
        var x = Nd.Random(rng, c.ConvShape);
        var other = Nd.Random(rng, c.OtherShape, 0.5f, 2f);
        var g = new TinyGraph();
        var conv = IdentityConv(g, "x", x.Shape);
        var operand = c.OtherIsConstant ? g.Const("other", other) : g.Input("other", other.Shape);
        g.Node("y", c.Op, c.ConvFirst ? [conv, operand] : [operand, conv], T());
        Feed[] feeds = c.OtherIsConstant ? [Feed.Of("x", x)] : [Feed.Of("x", x), Feed.Of("other", other)];

        var actual = CompiledGraph.Run(g, feeds).Float("y");

        var expected = c.ConvFirst ? TfReference.Binary(x, other, Binary(c.Op)) : TfReference.Binary(other, x, Binary(c.Op));
        NdAssert.Close(expected, actual);
    }

    /// <summary>
    /// A 1x1 Conv2D with an identity filter: its output equals its input but is stored NCHW inside the
    /// ONNX graph, which is the layout path under test.
    /// </summary>
    internal static string IdentityConv(TinyGraph g, string input, int[] shape, string weightName = "eye")
    {
        var c = shape[3];
        var eye = new float[c * c];
        for (var i = 0; i < c; i++)
        {
            eye[(i * c) + i] = 1f;
        }

        return g.Node(input + "_conv", "Conv2D", [g.Input(input, shape), g.Const(weightName, [1, 1, c, c], eye)],
            T(), Strides(1, 1), Padding("VALID"), DataFormat(), Dilations(1, 1));
    }

    private static Nd<float> UnaryInput(string op, int[] shape, int seed)
    {
        var rng = new Random(seed);
        return op is "Sqrt" or "Rsqrt" or "Reciprocal"
            ? Nd.Random(rng, shape, 0.1f, 4f)
            : Nd.Random(rng, shape, -8f, 8f);
    }

    private static Nd<float> BinaryOperand(string op, Random rng, int[] shape) =>
        op == "Pow" ? Nd.Random(rng, shape, 0.1f, 2f) : Nd.Random(rng, shape, -2f, 2f);

    private static Func<double, double> Unary(string op) => op switch
    {
        "Sigmoid" => v => 1 / (1 + Math.Exp(-v)),
        "Tanh" => Math.Tanh,
        "Relu" => TfReference.Relu,
        "Relu6" => TfReference.Relu6,
        "Abs" => Math.Abs,
        "Square" => v => v * v,
        "Sqrt" => Math.Sqrt,
        "Rsqrt" => v => 1 / Math.Sqrt(v),
        "Neg" => v => -v,
        "Exp" => Math.Exp,
        "Floor" => Math.Floor,
        "Ceil" => Math.Ceiling,
        "Elu" => v => v > 0 ? v : Math.Exp(v) - 1,
        "Reciprocal" => v => 1 / v,
        "Softplus" => v => Math.Log(1 + Math.Exp(v)),
        "LeakyRelu" => v => v >= 0 ? v : 0.2 * v, // TF's default alpha
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
    };

    private static Func<double, double, double> Binary(string op) => op switch
    {
        "Add" or "AddV2" or "BiasAdd" => (a, b) => a + b,
        "Sub" => (a, b) => a - b,
        "Mul" => (a, b) => a * b,
        "RealDiv" or "Div" => (a, b) => a / b,
        "Maximum" => Math.Max,
        "Minimum" => Math.Min,
        "SquaredDifference" => (a, b) => (a - b) * (a - b),
        "Pow" => Math.Pow,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
    };
}

/// <summary>A binary op between a conv output and another operand whose shape broadcasts against it.</summary>
public sealed record BroadcastCase(string Op, int[] ConvShape, int[] OtherShape, bool OtherIsConstant, bool ConvFirst, int Seed)
{
    public override string ToString() =>
        $"{Op}: conv [{string.Join(',', ConvShape)}] {(ConvFirst ? "op" : "op'd by")} {(OtherIsConstant ? "constant" : "input")} [{string.Join(',', OtherShape)}]";
}

/// <summary>
/// Conv outputs of shape [1..2, 1..4, 1..4, 1..4] against operands of rank 0..4 whose dims are each 1 or the
/// conv's dim — or any size where the conv's dim is 1, so the result can be larger than the conv output.
/// </summary>
public static class BroadcastCases
{
    public static Arbitrary<BroadcastCase> Cases()
    {
        var gen =
            from op in Gen.Elements("AddV2", "Sub", "Mul", "RealDiv", "Maximum", "SquaredDifference")
            from n in Gen.Choose(1, 2)
            from h in Gen.Choose(1, 4)
            from w in Gen.Choose(1, 4)
            from c in Gen.Choose(1, 4)
            from rank in Gen.Choose(0, 4)
            from picks in Gen.ArrayOf(Gen.Choose(0, 2), 4)
            from constant in Gen.Elements(false, true)
            from convFirst in Gen.Elements(false, true)
            from seed in Gen.Choose(0, 10_000)
            select Build(op, [n, h, w, c], rank, picks, constant, convFirst, seed);
        return Arb.From(gen);
    }

    private static BroadcastCase Build(string op, int[] conv, int rank, int[] picks, bool constant, bool convFirst, int seed)
    {
        var other = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            var d = conv[4 - rank + i];
            // 0 → 1, 1 → the conv's dim, 2 → the conv's dim, or 3 where the conv has 1 (broadcasting the conv output).
            other[i] = picks[i] switch
            {
                0 => 1,
                1 => d,
                _ => d == 1 ? 3 : d,
            };
        }

        return new BroadcastCase(op, conv, other, constant, convFirst, seed);
    }
}
