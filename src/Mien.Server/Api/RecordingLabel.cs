namespace Mien.Server.Api;

/// <summary>
/// The label a client gives a recording (an upload's <c>?name=</c>, a stream's <c>name</c>). It is only a label,
/// never a path: the last segment after any '/' or '\' is kept (so "../../etc/passwd" becomes "passwd" and
/// "C:\clips\a.mp4" becomes "a.mp4"), and an empty, dot-only, over-long or control-character name is replaced.
/// </summary>
internal static class RecordingLabel
{
    public static string Of(string? name, string fallback)
    {
        var file = name is null ? "" : name[(name.LastIndexOfAny(['/', '\\']) + 1)..].Trim();
        return Text.Invalid(file, 1, 200) is null && file.Trim('.').Length > 0 ? file : fallback;
    }
}
