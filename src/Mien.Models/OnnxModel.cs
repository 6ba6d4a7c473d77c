using System.Security.Cryptography;
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

    /// <summary>
    /// Loads an imported model, checking first that the file is the one the cache recorded: its bytes are read once,
    /// hashed (SHA-256, a few milliseconds for Mien's models) and handed to ONNX Runtime from memory, so damaged
    /// weights fail here with a clear message instead of producing made-up results.
    /// </summary>
    /// <exception cref="ModelStoreException">The file is missing, unreadable, differs from its record, or ONNX Runtime rejects it.</exception>
    public static OnnxModel Load(ModelArtifact artifact, InferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        options ??= new InferenceOptions();
        var id = artifact.Model.Id;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(artifact.OnnxPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelStoreException(id, $"cannot read '{artifact.OnnxPath}' ({e.Message}); run `mien models fetch {id}` to import it again.", e);
        }

        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(actual, artifact.OnnxSha256, StringComparison.OrdinalIgnoreCase))
        {
            // Drop the damaged entry so the suggested command re-imports instead of trusting the same bytes again.
            ModelStore.Discard(artifact.OnnxPath);
            throw new ModelStoreException(id, $"the cached model '{artifact.OnnxPath}' is damaged: its SHA-256 is {actual}, the cache recorded {artifact.OnnxSha256}. The damaged copy was removed; run `mien models fetch {id}` to import it again.");
        }

        using var sessionOptions = options.CreateSessionOptions();
        try
        {
            return new OnnxModel(artifact.Model, new InferenceSession(bytes, sessionOptions));
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelStoreException(id, $"ONNX Runtime cannot load '{artifact.OnnxPath}' ({e.Message}); delete it or run `mien models fetch {id}` to re-import.", e);
        }
    }

    /// <summary>Creates a runner with its own pre-allocated input and output buffers for <paramref name="batchSize"/> items.</summary>
    public ModelRunner CreateRunner(int batchSize = 1) => new(this, batchSize);

    /// <summary>Stops ORT's profiler (sessions loaded with <see cref="InferenceOptions.ProfilePrefix"/>) and returns its trace file.</summary>
    internal string EndProfiling() => _session.EndProfiling();

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
