using System.Text;
using Mien.Testing;

namespace Mien.Models.Tests;

[Collection(RealModelsCollection.Name)]
public sealed class OperatorProfileTests(RealModels models)
{
    [Fact]
    public void Kernel_events_are_summed_per_operator_type_and_other_events_ignored()
    {
        const string trace = """
            [
              {"cat":"Session","name":"model_run","dur":900,"args":{}},
              {"cat":"Node","name":"conv1_kernel_time","dur":300,"args":{"op_name":"Conv"}},
              {"cat":"Node","name":"conv1_fence_before","dur":7,"args":{"op_name":"Conv"}},
              {"cat":"Node","name":"conv2_kernel_time","dur":100,"args":{"op_name":"Conv"}},
              {"cat":"Node","name":"reorder_kernel_time","dur":100,"args":{"op_name":"ReorderInput"}},
              {"cat":"Node","name":"conv1_kernel_time","dur":340,"args":{"op_name":"Conv"}},
              {"cat":"Node","name":"conv2_kernel_time","dur":60,"args":{"op_name":"Conv"}},
              {"cat":"Node","name":"reorder_kernel_time","dur":100,"args":{"op_name":"ReorderInput"}}
            ]
            """;

        var operators = OperatorProfile.Summarise(Encoding.UTF8.GetBytes(trace), runs: 2);

        Assert.Equal(["Conv", "ReorderInput"], operators.Select(o => o.OpType));
        Assert.Equal(new OperatorTime("Conv", 2, 400, 0.8), operators[0]);
        Assert.Equal(new OperatorTime("ReorderInput", 1, 100, 0.2), operators[1]);
    }

    [Fact]
    public void The_real_expression_model_spends_most_of_its_kernel_time_in_convolutions()
    {
        var operators = OperatorProfile.Measure(models.Artifacts["emotion"], runs: 10, warmup: 2);

        Assert.Equal("Conv", operators[0].OpType);
        Assert.True(operators[0].Share > 0.5, $"Conv share {operators[0].Share:P0}");
        Assert.Equal(1.0, operators.Sum(o => o.Share), 6);
        Assert.All(operators, o => Assert.True(o.NodesPerRun >= 1 && o.MicrosecondsPerRun > 0, o.ToString()));
    }
}
