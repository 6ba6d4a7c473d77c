using Microsoft.ML.OnnxRuntime;

namespace Mien.Models;

/// <summary>
/// One loaded model: a single ONNX Runtime session, created once and shared by all runners (ORT sessions
/// are safe to run concurrently).
/// </summary>
public sealed class OnnxModel : IDisposable
{
    private readonly InferenceSession _session;

    private OnnxModel(ModelDescriptor descriptor, InferenceSession session)
    {
        Descriptor = descriptor;
        _session = session;
    }

    /// <summary>The model's manifest entry.</summary>
    public ModelDescriptor Descriptor { get; }

    internal InferenceSession Session => _session;

    /// <summary>Loads an imported model.</summary>
    public static OnnxModel Load(ModelArtifact artifact, InferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        options ??= new InferenceOptions();
        using var sessionOptions = options.CreateSessionOptions();
        try
        {
            return new OnnxModel(artifact.Model, new InferenceSession(artifact.OnnxPath, sessionOptions));
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelStoreException(artifact.Model.Id, $"ONNX Runtime cannot load '{artifact.OnnxPath}' ({e.Message}); delete it or run `mien models fetch {artifact.Model.Id}` to re-import.", e);
        }
    }

    /// <summary>Creates a runner with its own pre-allocated input and output buffers for <paramref name="batchSize"/> items.</summary>
    public ModelRunner CreateRunner(int batchSize = 1) => new(this, batchSize);

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
