namespace Mien.Privacy.Encryption;

/// <summary>Where the master key was found (or was to be found), for the server's start-up messages.</summary>
/// <param name="Key">The key, or null when none is configured and the default key file does not exist.</param>
/// <param name="DefaultFile">The default key file path (<c>$XDG_CONFIG_HOME/mien/master.key</c> or <c>~/.config/mien/master.key</c>).</param>
public sealed record ResolvedMasterKey(MasterKey? Key, string DefaultFile);

/// <summary>
/// Finds the master key the way `mien serve` documents it, first match wins: the <c>--master-key-file</c> option,
/// <c>MIEN_MASTER_KEY_FILE</c>, <c>MIEN_MASTER_KEY</c> (base64), then the default key file if it exists. The
/// previous key of a rotation comes from <c>MIEN_MASTER_KEY_PREVIOUS</c> (base64) or <c>MIEN_MASTER_KEY_PREVIOUS_FILE</c>.
/// </summary>
public static class MasterKeySources
{
    /// <summary>Environment variable naming the key file.</summary>
    public const string FileVariable = "MIEN_MASTER_KEY_FILE";

    /// <summary>Environment variable holding the key in base64.</summary>
    public const string KeyVariable = "MIEN_MASTER_KEY";

    /// <summary>Environment variable holding the previous key (base64) during a rotation.</summary>
    public const string PreviousVariable = "MIEN_MASTER_KEY_PREVIOUS";

    /// <summary>Environment variable naming the previous key's file during a rotation.</summary>
    public const string PreviousFileVariable = "MIEN_MASTER_KEY_PREVIOUS_FILE";

    /// <summary>The option of `mien serve` naming the key file.</summary>
    public const string FileOption = "--master-key-file";

    /// <summary>How to pass a key, for messages.</summary>
    public const string HowToPass = $"{FileOption}, {FileVariable} or {KeyVariable}";

    /// <summary>The default key file: <c>$XDG_CONFIG_HOME/mien/master.key</c>, else <c>~/.config/mien/master.key</c>.</summary>
    public static string DefaultFile(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var config = environment("XDG_CONFIG_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(environment("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(config, "mien", "master.key");
    }

    /// <summary>The configured master key, or the default file's, or none.</summary>
    /// <param name="keyFileOption">The <c>--master-key-file</c> value, or null.</param>
    /// <param name="environment">Reads an environment variable (tests pass their own).</param>
    /// <exception cref="MasterKeyException">A configured key is missing, malformed or too widely readable.</exception>
    public static ResolvedMasterKey Resolve(string? keyFileOption, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var defaultFile = DefaultFile(environment);
        if (!string.IsNullOrWhiteSpace(keyFileOption))
        {
            return new(MasterKey.ReadFile(keyFileOption, FileOption), defaultFile);
        }

        if (environment(FileVariable) is { Length: > 0 } file)
        {
            return new(MasterKey.ReadFile(file, FileVariable), defaultFile);
        }

        if (environment(KeyVariable) is { } text)
        {
            return new(MasterKey.FromBase64(text, KeyVariable), defaultFile);
        }

        return new(File.Exists(defaultFile) ? MasterKey.ReadFile(defaultFile, "the default key file") : null, defaultFile);
    }

    /// <summary>The previous master key of a rotation, or null when neither variable is set.</summary>
    /// <exception cref="MasterKeyException">It is set but missing, malformed or too widely readable.</exception>
    public static MasterKey? ResolvePrevious(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (environment(PreviousFileVariable) is { Length: > 0 } file)
        {
            return MasterKey.ReadFile(file, PreviousFileVariable);
        }

        return environment(PreviousVariable) is { } text ? MasterKey.FromBase64(text, PreviousVariable) : null;
    }
}
