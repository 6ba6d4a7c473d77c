using Mien.ModelImport.Tfjs;
using static Mien.ModelImport.Onnx.OnnxGraphBuilder;

namespace Mien.ModelImport.Conversion;

/// <summary>Reductions (Mean, Sum, Max, Min, Prod). Global pooling over an NCHW value stays NCHW.</summary>
internal sealed partial class GraphConverter
{
    private void RegisterReduction()
    {
        _mappers["Mean"] = n => MapReduce(n, "ReduceMean");
        _mappers["Sum"] = n => MapReduce(n, "ReduceSum");
        _mappers["Max"] = n => MapReduce(n, "ReduceMax");
        _mappers["Min"] = n => MapReduce(n, "ReduceMin");
        _mappers["Prod"] = n => MapReduce(n, "ReduceProd");
    }

    private void MapReduce(TfNode node, string onnxOp)
    {
        var x = In(node, 0);
        var keep = node.GetBool("keep_dims", false);
        if (x.Rank < 0)
        {
            throw Error("reduction needs an input of known rank");
        }

        var axes = ConstIn(node, 1, "axes").ToInt64Array()
            .Select(a => NormalizeAxis(a, x.Rank, "reduction")).Distinct().Order().ToArray();
        var onNchw = x.Layout == Layout.Nchw && x.Constant is null && (keep || RemovalKeepsNativeOrder(axes));
        var input = onNchw ? Nchw(x) : Native(x);
        var onnxAxes = onNchw ? axes.Select(a => (long)NchwPositionOf[a]).Order().ToArray() : axes;
        string reduced;
        if (axes.Length == 0)
        {
            // TF reduces nothing when given no axes; ONNX would reduce everything.
            reduced = _b.Add("Identity", node.Name, [input]);
        }
        else if (onnxOp == "ReduceSum")
        {
            // Opset 13+ ReduceSum takes axes as an input; the other reductions take an attribute until opset 18.
            reduced = _b.Add(onnxOp, node.Name, [input, _b.Int64s(node.Name + "_axes", onnxAxes)], Attr("keepdims", keep ? 1L : 0L));
        }
        else
        {
            reduced = _b.Add(onnxOp, node.Name, [input], Attr("axes", onnxAxes), Attr("keepdims", keep ? 1L : 0L));
        }

        var shape = x.Shape!.Select((d, i) => axes.Contains(i) ? (keep ? 1 : -3) : d).Where(d => d != -3).ToArray();
        Output(node, reduced, x.DType, shape, onNchw && keep ? Layout.Nchw : Layout.Native);
    }
}
