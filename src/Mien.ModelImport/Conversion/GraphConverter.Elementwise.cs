using Mien.ModelImport.Tfjs;
using static Mien.ModelImport.Onnx.OnnxGraphBuilder;

namespace Mien.ModelImport.Conversion;

/// <summary>Unary and binary element-wise ops, activations and casts; they keep the layout of their inputs.</summary>
internal sealed partial class GraphConverter
{
    private void RegisterElementwise()
    {
        foreach (var op in new[] { "Identity", "StopGradient", "Snapshot" })
        {
            _mappers[op] = n => SetOutput(n, In(n, 0));
        }

        Unary("Relu", "Relu");
        Unary("Sigmoid", "Sigmoid");
        Unary("Tanh", "Tanh");
        Unary("Abs", "Abs");
        Unary("Neg", "Neg");
        Unary("Sqrt", "Sqrt");
        Unary("Exp", "Exp");
        Unary("Log", "Log");
        Unary("Floor", "Floor");
        Unary("Ceil", "Ceil");
        Unary("Sin", "Sin");
        Unary("Cos", "Cos");
        Unary("Elu", "Elu");
        Unary("Erf", "Erf");
        Unary("Reciprocal", "Reciprocal");
        Unary("Softplus", "Softplus");
        Unary("LogicalNot", "Not");
        _mappers["Relu6"] = n => UnaryWith(n, (b, x) => b.Add("Clip", n.Name, [x, b.FloatScalar("zero", 0f), b.FloatScalar("six", 6f)]));
        _mappers["Rsqrt"] = n => UnaryWith(n, (b, x) => b.Add("Reciprocal", n.Name, [b.Add("Sqrt", n.Name + "_sqrt", [x])]));
        _mappers["Square"] = n => UnaryWith(n, (b, x) => b.Add("Mul", n.Name, [x, x]));
        _mappers["LeakyRelu"] = n => UnaryWith(n, (b, x) => b.Add("LeakyRelu", n.Name, [x], Attr("alpha", n.GetFloat("alpha", 0.2f))));
        _mappers["Cast"] = MapCast;

        Binary("Add", "Add");
        Binary("AddV2", "Add");
        Binary("BiasAdd", "Add");
        Binary("Sub", "Sub");
        Binary("Mul", "Mul");
        Binary("RealDiv", "Div");
        Binary("Div", "Div");
        Binary("Maximum", "Max");
        Binary("Minimum", "Min");
        Binary("Pow", "Pow");
        _mappers["Prelu"] = MapPrelu;
        Binary("Equal", "Equal", TfDataType.Bool);
        Binary("Greater", "Greater", TfDataType.Bool);
        Binary("GreaterEqual", "GreaterOrEqual", TfDataType.Bool);
        Binary("Less", "Less", TfDataType.Bool);
        Binary("LessEqual", "LessOrEqual", TfDataType.Bool);
        Binary("LogicalAnd", "And", TfDataType.Bool);
        Binary("LogicalOr", "Or", TfDataType.Bool);
        _mappers["SquaredDifference"] = n => BinaryWith(n, null, (b, x, y) =>
        {
            var d = b.Add("Sub", n.Name + "_diff", [x, y]);
            return b.Add("Mul", n.Name, [d, d]);
        });
        _mappers["FloorDiv"] = n => BinaryWith(n, null, (b, x, y) =>
        {
            if (In(n, 0).DType == TfDataType.Float32)
            {
                return b.Add("Floor", n.Name, [b.Add("Div", n.Name + "_div", [x, y])]);
            }

            // ONNX integer Div truncates toward zero; TF floors. Exact in double for 32-bit operands.
            var dx = b.Add("Cast", n.Name + "_x", [x], Attr("to", 11L));
            var dy = b.Add("Cast", n.Name + "_y", [y], Attr("to", 11L));
            var q = b.Add("Floor", n.Name + "_floor", [b.Add("Div", n.Name + "_div", [dx, dy])]);
            return b.Add("Cast", n.Name, [q], Attr("to", (long)In(n, 0).DType.OnnxElementType()));
        });
        _mappers["AddN"] = MapAddN;
    }

    private void MapPrelu(TfNode node)
    {
        var x = In(node, 0);
        var alpha = In(node, 1);
        if (alpha.Constant is null || x.Rank < 1 || x.Shape![^1] < 0)
        {
            BinaryWith(node, null, (b, xs, ys) => b.Add("PRelu", node.Name, [xs, ys]));
            return;
        }

        var channels = x.Shape[^1];
        if (alpha.Constant.Count != 1 && alpha.Constant.Count != channels)
        {
            BinaryWith(node, null, (b, xs, ys) => b.Add("PRelu", node.Name, [xs, ys]));
            return;
        }

        var nchw = x.Layout == Layout.Nchw && x.Constant is null && x.Rank == 4;
        var result = EmitPrelu(node.Name, nchw ? Nchw(x) : Native(x), alpha.Constant, channels, nchw);
        Output(node, result, x.DType, x.Shape, nchw ? Layout.Nchw : Layout.Native);
    }

    private void Unary(string tfOp, string onnxOp) =>
        _mappers[tfOp] = n => UnaryWith(n, (b, x) => b.Add(onnxOp, n.Name, [x]));

    private void UnaryWith(TfNode node, Func<Onnx.OnnxGraphBuilder, string, string> emit)
    {
        var x = In(node, 0);
        var layout = x.Layout == Layout.Nchw && x.Constant is null ? Layout.Nchw : Layout.Native;
        var input = layout == Layout.Nchw ? Nchw(x) : Native(x);
        var type = node.Op == "LogicalNot" ? TfDataType.Bool : x.DType;
        Output(node, emit(_b, input), type, x.Shape, layout);
    }

    private void MapCast(TfNode node)
    {
        var x = In(node, 0);
        var to = TfDataTypes.Parse(node.GetTypeName("DstT") ?? throw Error("Cast has no DstT"), "Cast");
        var layout = x.Layout;
        var input = layout == Layout.Nchw ? Nchw(x) : Native(x);
        Output(node, _b.Add("Cast", node.Name, [input], Attr("to", (long)to.OnnxElementType())), to, x.Shape, layout);
    }

    private void Binary(string tfOp, string onnxOp, TfDataType? resultType = null) =>
        _mappers[tfOp] = n => BinaryWith(n, resultType, (b, x, y) => b.Add(onnxOp, n.Name, [x, y]));

    /// <summary>
    /// Emits a broadcasting binary op. If either side is stored NCHW and the result is 4-D, the other side
    /// is brought to NCHW too (constants are permuted at import time, so biases cost nothing at run time).
    /// </summary>
    private void BinaryWith(TfNode node, TfDataType? resultType, Func<Onnx.OnnxGraphBuilder, string, string, string> emit)
    {
        var x = In(node, 0);
        var y = In(node, 1);
        var shape = BroadcastShape(x.Shape, y.Shape);
        var nchw = shape is { Length: 4 } &&
            ((x.Layout == Layout.Nchw && x.Constant is null) || (y.Layout == Layout.Nchw && y.Constant is null));
        string xs, ys;
        if (nchw)
        {
            xs = AsNchwOperand(x);
            ys = AsNchwOperand(y);
        }
        else
        {
            xs = Native(x);
            ys = Native(y);
        }

        Output(node, emit(_b, xs, ys), resultType ?? x.DType, shape, nchw ? Layout.Nchw : Layout.Native);
    }

    /// <summary>An operand of a 4-D NCHW broadcast: rank-4 values are permuted; lower ranks are padded to rank 4 first.</summary>
    private string AsNchwOperand(TfValue v)
    {
        if (v.Rank == 4)
        {
            return Nchw(v);
        }

        if (v.Rank == 0 || (v.Constant is not null && v.Constant.Count == 1))
        {
            return Native(v);
        }

        if (v.Rank < 0)
        {
            throw Error("cannot broadcast a value of unknown rank against an image tensor");
        }

        if (v.Constant is not null)
        {
            var padded = new int[4];
            for (var i = 0; i < 4; i++)
            {
                padded[i] = i < 4 - v.Rank ? 1 : v.Constant.Shape[i - (4 - v.Rank)];
            }

            v.NchwName ??= _b.AddInitializer(Hint(v) + "_nchw", v.Constant.Reshape(padded).Transpose(ToNchw));
            return v.NchwName;
        }

        if (v.NchwName is null)
        {
            var axes = new long[4 - v.Rank];
            for (var i = 0; i < axes.Length; i++)
            {
                axes[i] = i;
            }

            var r4 = _b.Add("Unsqueeze", v.OnnxName + "_r4", [Native(v), _b.Int64s("axes", axes)]);
            v.NchwName = _b.Add("Transpose", v.OnnxName + "_nchw", [r4], Attr("perm", 0L, 3L, 1L, 2L));
        }

        return v.NchwName;
    }

    private void MapAddN(TfNode node)
    {
        var values = node.Inputs.Select(Value).ToArray();
        var nchw = values.All(v => v.Rank == 4) && values.Any(v => v.Layout == Layout.Nchw && v.Constant is null);
        var names = values.Select(v => nchw ? Nchw(v) : Native(v)).ToArray();
        var shape = values.Select(v => v.Shape).Aggregate(BroadcastShape);
        Output(node, _b.Add("Sum", node.Name, names), values[0].DType, shape, nchw ? Layout.Nchw : Layout.Native);
    }

    internal static int[]? BroadcastShape(int[]? a, int[]? b)
    {
        if (a is null || b is null)
        {
            return null;
        }

        var rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            var da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            var db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (da == 1)
            {
                result[i] = db;
            }
            else if (db == 1 || da == db)
            {
                result[i] = da;
            }
            else if (da < 0 || db < 0)
            {
                result[i] = Math.Max(da, db) > 1 ? Math.Max(da, db) : -1;
            }
            else
            {
                throw new InvalidOperationException($"shapes {ShapeText(a)} and {ShapeText(b)} do not broadcast");
            }
        }

        return result;
    }
}
