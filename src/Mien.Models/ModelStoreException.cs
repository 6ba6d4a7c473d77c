namespace Mien.Models;

/// <summary>A model could not be fetched, verified, imported or cached; the message says which and what to do.</summary>
public sealed class ModelStoreException : Mien.Failures.StoreException
{
    /// <summary>Creates the exception for model <paramref name="modelId"/>.</summary>
    public ModelStoreException(string modelId, string message, Exception? inner = null)
        : base($"Model '{modelId}': {message}", inner) => ModelId = modelId;

    /// <summary>The model concerned.</summary>
    public string ModelId { get; }
}

/// <summary>ONNX Runtime failed while running a model; the message names the model and the input shape.</summary>
public sealed class ModelRunException : Mien.Failures.ModelException
{
    /// <summary>Creates the exception.</summary>
    public ModelRunException(string modelId, string message, Exception? inner = null)
        : base($"Model '{modelId}' failed to run: {message}", inner) => ModelId = modelId;

    /// <summary>The model concerned.</summary>
    public string ModelId { get; }
}

/// <summary>
/// A model produced NaN or infinite values: its weights are damaged (or it was fed invalid input), so nothing the
/// stage would derive from it can be trusted. The message names the model, the output and what to run.
/// </summary>
public sealed class ModelOutputException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelOutputException(string modelId, string output, int index, float value)
        : base($"Model '{modelId}' produced a non-finite value ({value}) in output '{output}' at element {index}: its weights are damaged or its input was invalid, so this stage's result is refused rather than reported. Run `mien models verify {modelId}`, then `mien models fetch {modelId}` to import it again.")
    {
        ModelId = modelId;
        Output = output;
    }

    /// <summary>The model concerned.</summary>
    public string ModelId { get; }

    /// <summary>The output holding the non-finite value.</summary>
    public string Output { get; }
}
