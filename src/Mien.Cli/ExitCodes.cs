namespace Mien.Cli;

/// <summary>
/// Process exit codes of `mien`, listed in `mien --help` (<see cref="Table"/>) and the README. Each
/// <see cref="Failures.MienException"/> kind has its own code; anything else is an internal error.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The command ran but found problems (e.g. `models verify` found a corrupt file, some images were unreadable).</summary>
    public const int ProblemsFound = 1;

    /// <summary>Bad command line: unknown option, missing argument, or an option value out of range.</summary>
    public const int Usage = 2;

    /// <summary>Unreadable, missing or unsupported input (file, folder, image, video, audio, weights, labelled set).</summary>
    public const int BadInput = 3;

    /// <summary>Models or samples could not be downloaded, verified or cached (network, integrity, cache).</summary>
    public const int Store = 4;

    /// <summary>A model could not be imported, loaded or run.</summary>
    public const int Model = 5;

    /// <summary>An output (or a folder on its path) could not be written: permission denied, a file where a folder is needed or the reverse, disk full.</summary>
    public const int Output = 6;

    /// <summary>A bug in Mien (an unexpected exception); `--verbose` prints the stack trace to report.</summary>
    public const int Internal = 70;

    /// <summary>Interrupted by Ctrl+C (SIGINT); what was finished is kept (128 + SIGINT).</summary>
    public const int Interrupted = 130;

    /// <summary>A second Ctrl+C or SIGTERM while stopping: aborted at once, nothing more flushed (the code of a killed process, 128 + SIGKILL).</summary>
    public const int Aborted = 137;

    /// <summary>Same as <see cref="Interrupted"/> (the name analyze uses).</summary>
    public const int Cancelled = Interrupted;

    /// <summary>Stopped by SIGTERM; what was finished is kept (128 + SIGTERM).</summary>
    public const int Terminated = 143;

    /// <summary>The table shown in `mien --help` (and copied in the README; a test keeps them equal).</summary>
    public static IReadOnlyList<(int Code, string Meaning)> Table { get; } =
    [
        (Ok, "success"),
        (ProblemsFound, "ran, but found problems (e.g. `models verify`, unreadable images among good ones)"),
        (Usage, "bad command line: unknown option, missing argument, option value out of range"),
        (BadInput, "input missing, unreadable or unsupported (file, folder, media, weights, labelled set)"),
        (Store, "models or samples could not be downloaded, verified or cached"),
        (Model, "a model could not be imported, loaded or run"),
        (Output, "an output could not be written (permission, not a folder/file, disk full)"),
        (Internal, "internal error (a bug): rerun with --verbose and report the stack trace"),
        (Interrupted, "interrupted by Ctrl+C; finished outputs are kept"),
        (Aborted, "aborted by a second Ctrl+C (or signal) while stopping; outputs may be incomplete"),
        (Terminated, "stopped by SIGTERM; finished outputs are kept"),
    ];
}
