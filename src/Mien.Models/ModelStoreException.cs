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
