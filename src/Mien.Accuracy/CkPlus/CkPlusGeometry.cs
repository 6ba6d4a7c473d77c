using System.Reflection;
using Mien.Results;

namespace Mien.Accuracy.CkPlus;

/// <summary>
/// The shipped posed-expression classifier (<c>ckplus-geometry</c>): multinomial logistic regression over the emotion
/// CNN's embedding, the eye-aligned mesh shape and the geometric action units, fitted on the CK+ development subjects
/// (`mien audit ckplus --write-model`). Six classes — CK+ has no neutral apex frames and contempt is not one of Mien's
/// labels — so it estimates which posed expression a face shows, and is not meant to run on every frame of a video
/// where most faces are neutral.
/// </summary>
public sealed class CkPlusGeometry
{
    /// <summary>Registered name (for an --expression-model option).</summary>
    public const string Name = "ckplus-geometry";

    private CkPlusGeometry(SoftmaxRegression model, ModelCard card, string sha256)
    {
        Model = model;
        Card = card;
        Sha256 = sha256;
    }

    /// <summary>SHA-256 (lower-case hex) of the model file's UTF-8 text, for provenance.</summary>
    public string Sha256 { get; }

    /// <summary>The regression.</summary>
    public SoftmaxRegression Model { get; }

    /// <summary>What it was trained on and how it scored.</summary>
    public ModelCard Card { get; }

    /// <summary>The model shipped inside this assembly.</summary>
    /// <exception cref="InvalidOperationException">The assembly was built without the model file.</exception>
    public static CkPlusGeometry LoadShipped()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(Name + ".json")
            ?? throw new InvalidOperationException($"{Name}.json is not embedded in {typeof(CkPlusGeometry).Assembly.GetName().Name}: run `mien audit ckplus <ckplus48_dev> --write-model src/Mien.Accuracy/CkPlus/{Name}.json` and rebuild.");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        var (model, card) = SoftmaxRegression.FromJson(text, Name + ".json");
        return new CkPlusGeometry(model, card, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text))));
    }

    /// <summary>The estimate for a face's features, in Mien's seven labels (neutral is always 0: the model has no neutral class).</summary>
    public ExpressionEstimate Classify(FaceFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var p = Model.Predict(features.For(FeatureSet.CnnGeometry));
        var mapped = new float[ExpressionEstimate.Labels.Count];
        for (var i = 0; i < p.Length; i++)
        {
            var at = IndexOf(Model.Classes[i]);
            if (at >= 0)
            {
                mapped[at] += p[i];
            }
        }

        return new ExpressionEstimate(mapped);
    }

    private static int IndexOf(string label)
    {
        for (var i = 0; i < ExpressionEstimate.Labels.Count; i++)
        {
            if (string.Equals(ExpressionEstimate.Labels[i], label, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
