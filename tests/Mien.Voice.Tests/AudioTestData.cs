using Mien.Testing;

namespace Mien.Voice.Tests;

/// <summary>Real speech from the shared development data (RAVDESS, EmoDB) and the registry sample videos.</summary>
internal static class AudioTestData
{
    public const string EmoDbAngerPath = "audio/emodb_dev/anger/03a01Wa.wav";

    public const string RavdessAngerPath = "audio/ravdess_dev/anger/03-01-05-01-01-01-03.wav";

    public const string EmoDbDirPath = "audio/emodb_dev";

    public const string RavdessDirPath = "audio/ravdess_dev";

    /// <summary>EmoDB speaker 03, anger, 16 kHz mono 16-bit (for tests marked [SharedDataFact(EmoDbAngerPath)]).</summary>
    public static string EmoDbAnger => SharedData.Require(EmoDbAngerPath);

    /// <summary>RAVDESS actor 3, anger, 48 kHz mono 16-bit.</summary>
    public static string RavdessAnger => SharedData.Require(RavdessAngerPath);

    public static string EmoDbDir => SharedData.Require(EmoDbDirPath);

    public static string RavdessDir => SharedData.Require(RavdessDirPath);

    /// <summary>A scratch folder for files a test writes, removed by the OS.</summary>
    public static string Scratch(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "mien-voice-tests", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }
}
