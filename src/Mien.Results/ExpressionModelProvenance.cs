namespace Mien.Results;

/// <summary>One model inside the expression estimate an analysis ran (an ensemble has several, a single model one).</summary>
/// <param name="Id">The member's id: a manifest id (<c>emotion</c>) or a declaration's id.</param>
/// <param name="Weight">Its share of the average, normalised over the members (1 for a single model).</param>
/// <param name="Every">In video it runs on every N-th frame of a track (1 = every frame).</param>
/// <param name="Temperature">Calibration temperature applied before combining (1 = as the model outputs).</param>
public sealed record ExpressionMemberProvenance(string Id, float Weight, int Every, float Temperature);

/// <summary>
/// Which expression estimate produced the <c>expression</c> fields: the id given to <c>--expression-model</c> (or the
/// default), what kind of thing it is, and its members, so an ensemble's id alone never hides what ran.
/// </summary>
/// <param name="Id">The model or ensemble id.</param>
/// <param name="Kind"><c>manifest</c> (a model of Mien's manifest), <c>declared</c> (a user's or a trained ONNX model through its declaration), <c>ensemble</c>, or <c>posed</c> (a posed-expression classifier without a neutral class).</param>
/// <param name="Combine"><c>probabilities</c> or <c>logits</c> for an ensemble; null for one model.</param>
/// <param name="Mirror">Whether the mirrored face is averaged in (test-time view).</param>
/// <param name="Shift">Shifted views as a fraction of the face side (0 = none).</param>
/// <param name="Members">The models averaged (one for a single model).</param>
public sealed record ExpressionModelProvenance(string Id, string Kind, string? Combine, bool Mirror, float Shift, IReadOnlyList<ExpressionMemberProvenance> Members);
