namespace Mien.Media;

/// <summary>An input file or stream is missing, unreadable, corrupt, unsupported or absurd; the message names it and the problem.</summary>
public sealed class MediaException : Mien.Failures.InputException
{
    /// <summary>Creates the exception for <paramref name="source"/>.</summary>
    public MediaException(string source, string problem, Exception? inner = null)
        : base($"{source}: {problem}", inner)
    {
        Source = source;
        Problem = problem;
    }

    /// <summary>The file, folder or URL concerned.</summary>
    public new string Source { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}
