using Mien.Models;

namespace Mien.Cli;

/// <summary>
/// What `--expression-model &lt;id|path&gt;` names: a model of the manifest (by id), or a user-supplied ONNX model
/// through its declaration (<c>model.json</c>; an <c>.onnx</c> path is taken with the <c>.json</c> beside it).
/// </summary>
/// <param name="Id">Manifest id, or null for the default or a declared model.</param>
/// <param name="Spec">The declared model, or null.</param>
/// <param name="Ensemble">The declared ensemble (a JSON with "members"), or null.</param>
/// <param name="Posed">The shipped CK+ posed-expression classifier (<c>ckplus-geometry</c>; no neutral class).</param>
internal sealed record ExpressionModelChoice(string? Id, ExpressionModelSpec? Spec, ExpressionEnsembleSpec? Ensemble = null, bool Posed = false)
{
    /// <exception cref="InvalidOptionException">The value is neither a known id nor an existing declaration.</exception>
    public static ExpressionModelChoice Resolve(string? value, ModelManifest manifest)
    {
        if (string.IsNullOrEmpty(value))
        {
            return new ExpressionModelChoice(null, null);
        }

        if (value == Accuracy.CkPlus.CkPlusGeometry.Name)
        {
            return new ExpressionModelChoice(value, null, null, Posed: true);
        }

        if (manifest.Contains(value))
        {
            return value == Expressions.EmotionClassifier.ModelId
                ? new ExpressionModelChoice(value, null)
                : throw new InvalidOptionException($"--expression-model {value}: that manifest model is not an expression classifier; give {Expressions.EmotionClassifier.ModelId} or a model or ensemble declaration (.json)");
        }

        var declaration = value.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? Path.ChangeExtension(value, ".json") : value;
        if (!File.Exists(declaration))
        {
            throw new InvalidOptionException(
                $"--expression-model {value}: not a model id ({string.Join(", ", manifest.Models.Select(m => m.Id))}, {Accuracy.CkPlus.CkPlusGeometry.Name}) and no declaration file '{declaration}' " +
                "(a JSON with onnx, input, output and labels; `mien train expression` writes one as model.json)");
        }

        return ExpressionEnsembleSpec.IsEnsemble(declaration)
            ? new ExpressionModelChoice(null, null, ExpressionEnsembleSpec.Load(declaration, id => id == Expressions.EmotionClassifier.ModelId))
            : new ExpressionModelChoice(null, ExpressionModelSpec.Load(declaration));
    }
}
