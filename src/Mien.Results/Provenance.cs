using System.Reflection;

namespace Mien.Results;

/// <summary>A model an analysis ran, pinned by the hash of the ONNX file that was executed.</summary>
/// <param name="Id">Model id of the manifest (e.g. <c>facemesh</c>).</param>
/// <param name="Package">The npm package it came from, <c>name@version</c>.</param>
/// <param name="OnnxSha256">SHA-256 (lower-case hex) of the imported ONNX file.</param>
public sealed record ModelProvenance(string Id, string Package, string OnnxSha256);

/// <summary>
/// Where a result came from, so a number in a file can be traced to the build, the settings and the exact models
/// that produced it: summary.json, skin.json and report.html carry it.
/// </summary>
/// <param name="MienVersion">Informational version of the Mien build (with the commit when the build knew it).</param>
/// <param name="CommandLine">The command as the user typed it (CLI), or null (the service: see <see cref="Settings"/>).</param>
/// <param name="Settings">The analysis settings that change results (detector, modalities, anonymisation…), by name.</param>
/// <param name="Models">The models run, with their hashes.</param>
/// <param name="StartedUtc">When the analysis started (UTC, ISO 8601 in JSON).</param>
public sealed record Provenance(
    string MienVersion,
    string? CommandLine,
    IReadOnlyDictionary<string, string> Settings,
    IReadOnlyList<ModelProvenance> Models,
    DateTimeOffset StartedUtc)
{
    /// <summary>The expression model or ensemble behind the expression estimates, with its members; null when expressions were off.</summary>
    public ExpressionModelProvenance? ExpressionModel { get; init; }

    /// <summary>The running build's informational version (e.g. <c>1.0.0+3c487a3…</c>).</summary>
    public static string CurrentVersion { get; } =
        typeof(Provenance).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Provenance).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>
    /// A provenance of this build with <paramref name="commandLine"/>; the session adds the settings, the models and
    /// the start time.
    /// </summary>
    public static Provenance ForCommand(string? commandLine) =>
        new(CurrentVersion, commandLine, new Dictionary<string, string>(StringComparer.Ordinal), [], DateTimeOffset.UnixEpoch);

    /// <summary>
    /// The command line of this process as <c>mien …</c> (the program path left out; arguments with spaces or quotes
    /// quoted), for CLI hosts.
    /// </summary>
    public static string ProcessCommandLine()
    {
        var args = Environment.GetCommandLineArgs();
        var parts = new List<string>(args.Length) { "mien" };
        for (var i = 1; i < args.Length; i++)
        {
            var a = args[i];
            parts.Add(a.Length == 0 || a.AsSpan().IndexOfAny(" \t\"'") >= 0 ? "\"" + a.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"" : a);
        }

        return string.Join(' ', parts);
    }
}
