namespace Mien.Expressions;

/// <summary>
/// An expression classifier the pipeline cannot build from a manifest id or an ONNX declaration (e.g. the CK+ posed
/// classifier, whose fitting and features live in a project the pipeline must not depend on): the host builds it, the
/// pipeline calls <see cref="Create"/> once per stream and owns what it returns.
/// </summary>
/// <param name="Id">Id shown in the provenance and reports (e.g. <c>ckplus-geometry</c>).</param>
/// <param name="Kind">What it is, as <c>provenance.expressionModel.kind</c> says it (e.g. <c>posed</c>).</param>
/// <param name="Create">Builds a classifier (one per pipeline; not thread-safe, as every <see cref="IExpressionClassifier"/>).</param>
/// <param name="Source">Where its parameters come from, for <c>provenance.models[].package</c> (e.g. the embedded file); null = not listed there.</param>
/// <param name="Sha256">SHA-256 of its parameter file (lower-case hex), listed with <paramref name="Source"/>.</param>
public sealed record ExpressionClassifierChoice(string Id, string Kind, Func<IExpressionClassifier> Create, string? Source = null, string? Sha256 = null);
