namespace Mien.ModelImport;

/// <summary>
/// Raised when a TensorFlow.js model cannot be read or compiled to ONNX. The message names the model and,
/// where one is involved, the graph node and its op, so a user can tell a corrupt download from an
/// unsupported architecture.
/// </summary>
public sealed class ModelImportException : Mien.Failures.ModelException
{
    /// <summary>Creates an exception for <paramref name="model"/>, optionally naming a node and op.</summary>
    public ModelImportException(string model, string message, string? node = null, string? op = null, Exception? inner = null)
        : base(Format(model, message, node, op), inner)
    {
        Model = model;
        Node = node;
        Op = op;
    }

    /// <summary>The model being imported (its id or file name).</summary>
    public string Model { get; }

    /// <summary>The graph node that failed, if the failure is tied to one.</summary>
    public string? Node { get; }

    /// <summary>The TensorFlow op of <see cref="Node"/>, if known.</summary>
    public string? Op { get; }

    private static string Format(string model, string message, string? node, string? op) =>
        node is null
            ? $"Cannot import model '{model}': {message}"
            : $"Cannot import model '{model}': node '{node}' (op {op ?? "?"}): {message}";
}
