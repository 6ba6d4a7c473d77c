using static Mien.ModelImport.Tests.TfAttrs;

namespace Mien.ModelImport.Tests;

/// <summary>MatMul, _FusedMatMul and BatchMatMulV2 against a naive matrix product.</summary>
public sealed class MatMulMapperTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void MatMul_of_a_runtime_matrix_and_constant_weights_matches_tf_reference(bool transposeA, bool transposeB)
    {
        var rng = new Random(91);
        var a = Nd.Random(rng, transposeA ? [4, 3] : [3, 4]);
        var w = Nd.Random(rng, transposeB ? [5, 4] : [4, 5]);
        var g = new TinyGraph();
        g.Node("y", "MatMul", [g.Input("a", a.Shape), g.Const("w", w)], T(), ("transpose_a", TfAttr.Bool(transposeA)), ("transpose_b", TfAttr.Bool(transposeB)));

        var actual = CompiledGraph.Run(g, Feed.Of("a", a)).Float("y");

        NdAssert.Close(TfReference.MatMul(a, w, transposeA, transposeB), actual);
    }

    [Fact]
    public void MatMul_of_two_runtime_matrices_matches_tf_reference()
    {
        var rng = new Random(92);
        var a = Nd.Random(rng, [2, 6]);
        var b = Nd.Random(rng, [6, 3]);
        var g = new TinyGraph();
        g.Node("y", "MatMul", [g.Input("a", a.Shape), g.Input("b", b.Shape)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("a", a), Feed.Of("b", b)).Float("y");

        NdAssert.Close(TfReference.MatMul(a, b), actual);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FusedMatMul_with_bias_matches_tf_reference(bool transposeB)
    {
        var rng = new Random(93);
        var a = Nd.Random(rng, [3, 4]);
        var w = Nd.Random(rng, transposeB ? [5, 4] : [4, 5]);
        var bias = Nd.Random(rng, [5]);

        var actual = RunFusedMatMul(a, w, bias, null, ["BiasAdd"], transposeB);

        NdAssert.Close(TfReference.Binary(TfReference.MatMul(a, w, false, transposeB), bias, (p, q) => p + q), actual);
    }

    [Theory]
    [InlineData("Relu", false)]
    [InlineData("Relu", true)]
    [InlineData("Relu6", false)]
    [InlineData("Prelu", true)]
    [InlineData("LeakyRelu", false)]
    [InlineData("Elu", false)]
    [InlineData("Sigmoid", true)]
    [InlineData("Tanh", false)]
    public void FusedMatMul_with_bias_and_activation_matches_tf_reference(string activation, bool transposeB)
    {
        var rng = new Random(94);
        var a = Nd.Random(rng, [3, 6], -3f, 3f);
        var w = Nd.Random(rng, transposeB ? [4, 6] : [6, 4]);
        var bias = Nd.Random(rng, [4]);
        var alpha = activation == "Prelu" ? Nd.Float([4], 0.1f, -0.5f, 2f, 0f) : null;

        var actual = RunFusedMatMul(a, w, bias, alpha, ["BiasAdd", activation], transposeB);

        var dense = TfReference.Binary(TfReference.MatMul(a, w, false, transposeB), bias, (p, q) => p + q);
        var expected = activation switch
        {
            "Relu" => TfReference.Unary(dense, TfReference.Relu),
            "Relu6" => TfReference.Unary(dense, TfReference.Relu6),
            "LeakyRelu" => TfReference.Unary(dense, v => v >= 0 ? v : 0.2 * v), // leakyrelu_alpha defaults to 0.2
            "Elu" => TfReference.Unary(dense, v => v > 0 ? v : Math.Exp(v) - 1),
            "Sigmoid" => TfReference.Unary(dense, v => 1 / (1 + Math.Exp(-v))),
            "Tanh" => TfReference.Unary(dense, Math.Tanh),
            _ => TfReference.Binary(dense, alpha!, (v, s) => v >= 0 ? v : s * v),
        };
        NdAssert.Close(expected, actual);
    }

    [Fact]
    public void FusedMatMul_with_a_dynamic_batch_matches_tf_reference()
    {
        var rng = new Random(95);
        var a = Nd.Random(rng, [5, 3]);
        var w = Nd.Random(rng, [3, 2]);
        var bias = Nd.Random(rng, [2]);
        var g = new TinyGraph();
        g.Node("y", "_FusedMatMul", [g.Input("a", [-1, 3]), g.Const("w", w), g.Const("b", bias)],
            T(), ("transpose_a", TfAttr.Bool(false)), ("transpose_b", TfAttr.Bool(false)), FusedOps("BiasAdd"), NumArgs(1));

        var actual = CompiledGraph.Run(g, Feed.Of("a", a)).Float("y");

        NdAssert.Close(TfReference.Binary(TfReference.MatMul(a, w), bias, (p, q) => p + q), actual);
    }

    [Fact]
    public void MatMul_after_flattening_a_conv_output_matches_tf_reference()
    {
        // The dense head of a CNN: conv (NCHW inside) → Reshape [N,-1] (NHWC order) → MatMul.
        var rng = new Random(96);
        var x = Nd.Random(rng, [2, 2, 3, 2]);
        var w = Nd.Random(rng, [12, 3]);
        var g = new TinyGraph();
        var conv = ElementwiseMapperTests.IdentityConv(g, "x", x.Shape);
        var flat = g.Node("flat", "Reshape", [conv, g.ConstInt("shape", [2], -1, 12)], T());
        g.Node("y", "MatMul", [flat, g.Const("w", w)], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");

        NdAssert.Close(TfReference.MatMul(new Nd<float>([2, 12], x.Data), w), actual);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void BatchMatMulV2_multiplies_each_batch_and_broadcasts_constant_weights(bool adjX, bool adjY)
    {
        var rng = new Random(97);
        var a = Nd.Random(rng, adjX ? [2, 4, 3] : [2, 3, 4]);
        var w = Nd.Random(rng, adjY ? [5, 4] : [4, 5]);
        var g = new TinyGraph();
        g.Node("y", "BatchMatMulV2", [g.Input("a", a.Shape), g.Const("w", w)], T(), ("adj_x", TfAttr.Bool(adjX)), ("adj_y", TfAttr.Bool(adjY)));

        var actual = CompiledGraph.Run(g, Feed.Of("a", a)).Float("y");

        var perBatch = Enumerable.Range(0, 2).Select(b =>
        {
            int rows = a.Shape[1], cols = a.Shape[2];
            var slice = new Nd<float>([rows, cols], a.Data.AsSpan(b * rows * cols, rows * cols).ToArray());
            var product = TfReference.MatMul(slice, w, adjX, adjY);
            return new Nd<float>([1, .. product.Shape], product.Data);
        }).ToArray();
        NdAssert.Close(TfReference.Concat(0, perBatch), actual);
    }

    private static Nd<float> RunFusedMatMul(Nd<float> a, Nd<float> w, Nd<float> bias, Nd<float>? alpha, string[] fusedOps, bool transposeB)
    {
        var g = new TinyGraph();
        List<string> inputs = [g.Input("a", a.Shape), g.Const("w", w), g.Const("b", bias)];
        if (alpha is not null)
        {
            inputs.Add(g.Const("alpha", alpha));
        }

        g.Node("y", "_FusedMatMul", [.. inputs],
            T(), ("transpose_a", TfAttr.Bool(false)), ("transpose_b", TfAttr.Bool(transposeB)), FusedOps(fusedOps), NumArgs(inputs.Count - 2), ("epsilon", TfAttr.Float(0f)));
        return CompiledGraph.Run(g, Feed.Of("a", a)).Float("y");
    }
}
