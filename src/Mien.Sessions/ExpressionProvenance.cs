using Mien.Expressions;
using Mien.Pipeline;
using Mien.Results;

namespace Mien.Sessions;

/// <summary>
/// The <c>provenance.expressionModel</c> of a session: which model or ensemble produced the expression estimates and
/// what is inside it (members, weights, schedules, temperatures, test-time views), so an ensemble's id never stands
/// alone in a results file.
/// </summary>
internal static class ExpressionProvenance
{
    /// <summary>What the pipeline's options say it runs for expressions; null when expressions are off.</summary>
    public static ExpressionModelProvenance? Of(PipelineOptions pipeline)
    {
        if (!pipeline.Expressions)
        {
            return null;
        }

        if (pipeline.ExpressionClassifier is { } custom)
        {
            return new ExpressionModelProvenance(custom.Id, custom.Kind, null, false, 0, [new ExpressionMemberProvenance(custom.Id, 1, 1, 1)]);
        }

        if (pipeline.ExpressionEnsemble is { } ensemble)
        {
            var total = ensemble.Members.Sum(m => m.Weight);
            return new ExpressionModelProvenance(
                ensemble.Id,
                "ensemble",
                ensemble.AverageLogits ? "logits" : "probabilities",
                ensemble.Flip,
                ensemble.Shift,
                [.. ensemble.Members.Select(m => new ExpressionMemberProvenance(m.Id, m.Weight / total, m.Every, m.Temperature))]);
        }

        var (id, kind) = pipeline.ExpressionModel is { } declared ? (declared.Model.Id, "declared") : (EmotionClassifier.ModelId, "manifest");
        return new ExpressionModelProvenance(id, kind, null, pipeline.Expression.FlipAugmentation, 0, [new ExpressionMemberProvenance(id, 1, 1, 1)]);
    }
}
