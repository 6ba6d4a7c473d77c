namespace Mien.Cli;

/// <summary>Process exit codes of `mien` (documented in the README).</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The command ran but found problems (e.g. `models verify` found a corrupt file).</summary>
    public const int ProblemsFound = 1;

    /// <summary>Bad command line or options.</summary>
    public const int Usage = 2;

    /// <summary>Unreadable, missing or unsupported input (file, image, video).</summary>
    public const int BadInput = 3;

    /// <summary>Models or samples could not be downloaded, verified or cached (network, integrity, disk).</summary>
    public const int Store = 4;

    /// <summary>A model could not be imported, loaded or run.</summary>
    public const int Model = 5;

    /// <summary>Cancelled by the user (Ctrl+C).</summary>
    public const int Cancelled = 130;
}
