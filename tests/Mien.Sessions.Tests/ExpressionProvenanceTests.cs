using Mien.Expressions;
using Mien.Models;
using Mien.Pipeline;

namespace Mien.Sessions.Tests;

/// <summary>summary.json's <c>provenance.expressionModel</c> names what produced the expression fields, members included.</summary>
public sealed class ExpressionProvenanceTests
{
    private static readonly ExpressionModelSpec Teacher = new(
        "fr-teacher", "/models/fr_expression.onnx", null,
        new ModelInputSpec("input", "float32", [-1, 3, 224, 224], "NCHW", "rgb", [0, 1]), "output", true,
        ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]);

    [Fact]
    public void An_ensemble_is_named_with_its_members_normalised_weights_schedules_and_views()
    {
        var ensemble = new ExpressionEnsembleSpec("human+teacher",
            [new ExpressionEnsembleMember(EmotionClassifier.ModelId, null, 1, 1, 1.65f), new ExpressionEnsembleMember(null, Teacher, 3, 30, 2.19f)],
            AverageLogits: true, Flip: true, Shift: 0.04f);

        var p = ExpressionProvenance.Of(new PipelineOptions { ExpressionEnsemble = ensemble })!;

        Assert.Equal(("human+teacher", "ensemble", "logits", true, 0.04f), (p.Id, p.Kind, p.Combine, p.Mirror, p.Shift));
        Assert.Equal(["emotion", "fr-teacher"], p.Members.Select(m => m.Id));
        Assert.Equal([0.25f, 0.75f], p.Members.Select(m => m.Weight));
        Assert.Equal([1, 30], p.Members.Select(m => m.Every));
        Assert.Equal([1.65f, 2.19f], p.Members.Select(m => m.Temperature));
    }

    [Fact]
    public void A_single_model_is_named_by_where_it_comes_from_and_expressions_off_give_none()
    {
        var byDefault = ExpressionProvenance.Of(new PipelineOptions { Expression = new EmotionClassifierOptions { FlipAugmentation = true } })!;
        var artifact = new ModelArtifact(
            new ModelDescriptor(Teacher.Id, "user", "expression (user-supplied ONNX)", [], "float32", Teacher.Input, [new ModelOutputSpec("output", "float32", [-1, 7])]),
            Teacher.OnnxPath, new Dictionary<string, int>(), new string('b', 64));
        var declared = ExpressionProvenance.Of(new PipelineOptions { ExpressionModel = artifact })!;
        var posed = ExpressionProvenance.Of(new PipelineOptions { ExpressionClassifier = new ExpressionClassifierChoice("ckplus-geometry", "posed", () => throw new InvalidOperationException("not built here")) })!;

        Assert.Equal(("emotion", "manifest", null, true), (byDefault.Id, byDefault.Kind, byDefault.Combine, byDefault.Mirror));
        Assert.Equal(("fr-teacher", "declared"), (declared.Id, declared.Kind));
        Assert.Equal(("ckplus-geometry", "posed"), (posed.Id, posed.Kind));
        Assert.All([byDefault, declared, posed], p => Assert.Single(p.Members));
        Assert.Null(ExpressionProvenance.Of(new PipelineOptions { Expressions = false }));
    }
}
