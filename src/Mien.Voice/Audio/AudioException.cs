namespace Mien.Voice;

/// <summary>An audio or video file is missing, unreadable, corrupt, truncated, unsupported or absurd; the message names the file and the problem.</summary>
public sealed class AudioException : Mien.Failures.InputException
{
    /// <summary>Creates the exception for <paramref name="source"/>.</summary>
    public AudioException(string source, string problem, Exception? inner = null)
        : base($"{source}: {problem}", inner)
    {
        Source = source;
        Problem = problem;
    }

    /// <summary>The file concerned.</summary>
    public new string Source { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}
