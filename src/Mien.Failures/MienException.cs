namespace Mien.Failures;

/// <summary>
/// A failure Mien expects and can explain to its user: the message alone says what went wrong with what and what to
/// do about it, with no stack trace. The tree is closed: every failure is one of the five kinds below, so a front end
/// (the CLI's exit codes, the service's problem details) maps it with one switch and never guesses. Anything that is not
/// a <see cref="MienException"/> (or a cancellation) is a bug in Mien.
/// </summary>
/// <remarks>
/// Cancellation is deliberately not in the tree: it stays <see cref="OperationCanceledException"/>, which every awaited
/// API and <see cref="CancellationToken.ThrowIfCancellationRequested"/> already throw; a Mien subclass would have to wrap
/// it at every await and would slip past the <c>catch (OperationCanceledException)</c> filters that keep partial
/// outputs.
/// </remarks>
public abstract class MienException : Exception
{
    // private protected: only the five kinds in this assembly derive directly, which keeps the tree closed.
    private protected MienException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}

/// <summary>An option or argument the user gave is out of range, malformed or contradicts another; the message names the option, the value and the limit.</summary>
public class InvalidOptionException : MienException
{
    /// <summary>Creates the exception; <paramref name="message"/> names the option, its value and the limit.</summary>
    public InvalidOptionException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>An input (file, folder, stream, weights file, labelled set) is missing, unreadable, corrupt or unsupported; the message names it and the problem.</summary>
public class InputException : MienException
{
    /// <summary>Creates the exception; <paramref name="message"/> names the input and the problem.</summary>
    public InputException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>Models, packages or samples could not be downloaded, verified or cached (network, integrity, cache).</summary>
public class StoreException : MienException
{
    /// <summary>Creates the exception; <paramref name="message"/> names the package or model and what to do.</summary>
    public StoreException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>A model could not be imported, loaded or run, or gave unusable (non-finite) outputs.</summary>
public class ModelException : MienException
{
    /// <summary>Creates the exception; <paramref name="message"/> names the model and the problem.</summary>
    public ModelException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>An output could not be written: permission denied, a file where a folder is needed (or the reverse), disk full.</summary>
public class OutputException : MienException
{
    /// <summary>Creates the exception for <paramref name="path"/>; the message is "path: problem".</summary>
    public OutputException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file or folder that could not be written.</summary>
    public string Path { get; }

    /// <summary>What went wrong, in words (e.g. "no space left on device").</summary>
    public string Problem { get; }

    /// <summary>The output file <paramref name="path"/> could not be written because of <paramref name="e"/> (an I/O or permission failure).</summary>
    public static OutputException ForFile(string path, Exception e) =>
        new(path, Directory.Exists(path) ? "is a folder; name a file" : FileProblems.Describe(path, e), e);

    /// <summary>The output folder <paramref name="path"/> (or a file in it) could not be written because of <paramref name="e"/>.</summary>
    public static OutputException ForFolder(string path, Exception e) =>
        new(path, File.Exists(path) ? "is a file; name a folder" : FileProblems.Describe(path, e), e);
}
