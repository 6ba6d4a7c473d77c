using System.Text.Encodings.Web;
using System.Text.Json;
using Mien.Results;

namespace Mien.Reports;

/// <summary>
/// Writes an <see cref="AnalysisSummary"/> as indented JSON (<c>summary.json</c>), with
/// <see cref="AnalysisSummary.Disclaimer"/> as its first property so nobody reads the numbers without it.
/// </summary>
/// <remarks>
/// Times are in seconds (<c>firstSeen</c>, <c>lastSeen</c>, <c>duration</c>, <c>elapsed</c>), latencies in
/// milliseconds, angles in degrees; rounding as in the JSONL export. Unknown values are <c>null</c>. The
/// <c>provenance</c> object (build, command, settings, models with hashes, UTC start) follows the disclaimer;
/// every field is described in docs/output-format.md.
/// </remarks>
public static class SummaryJsonWriter
{
    // The file is read by people and tools, never embedded in HTML, so non-ASCII file names stay readable
    // instead of becoming \u escapes; JSON string escaping itself (quotes, control characters) still applies.
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes <paramref name="summary"/> to <paramref name="stream"/> as UTF-8 and flushes it.</summary>
    public static void Write(Stream stream, AnalysisSummary summary)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(summary);
        using (var w = new Utf8JsonWriter(stream, Options))
        {
            WriteSummary(w, summary);
        }

        stream.WriteByte((byte)'\n');
        stream.Flush();
    }

    /// <summary>Writes <paramref name="summary"/> to the file at <paramref name="path"/>, replacing it.</summary>
    public static void WriteFile(string path, AnalysisSummary summary)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);

        // Written beside and renamed into place, so a disk that fills during the write leaves no half summary.
        var temporary = path + ".partial";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                Write(stream, summary);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static void WriteSummary(Utf8JsonWriter w, AnalysisSummary summary)
    {
        w.WriteStartObject();
        w.WriteString("disclaimer", AnalysisSummary.Disclaimer);
        ProvenanceJson.Write(w, summary.Provenance);

        var source = summary.Source;
        w.WriteStartObject("source");
        w.WriteString("name", source.Name);
        w.WriteString("kind", source.Kind);
        w.WriteNumber("width", source.Width);
        w.WriteNumber("height", source.Height);
        w.WriteNumberOrNull("nominalFps", source.NominalFps is { } fps ? Math.Round(fps, 3) : null);
        w.WriteNumberOrNull("duration", source.Duration is { } duration ? Precision.Seconds(duration) : null);
        if (source.Codec is { } codec)
        {
            w.WriteString("codec", codec);
        }
        else
        {
            w.WriteNull("codec");
        }

        w.WriteEndObject();

        w.WriteNumber("framesRead", summary.FramesRead);
        w.WriteNumber("framesAnalysed", summary.FramesAnalysed);
        w.WriteNumber("framesDropped", summary.FramesDropped);
        w.WriteNumber("elapsed", Precision.Seconds(summary.Elapsed));
        w.WriteNumberOrNull("framesPerSecond", Math.Round(summary.FramesPerSecond, 2));
        w.WriteBoolean("anonymized", summary.Anonymized);

        w.WriteStartArray("tracks");
        foreach (var track in summary.Tracks)
        {
            WriteTrack(w, track);
        }

        w.WriteEndArray();

        w.WriteStartArray("stages");
        foreach (var stage in summary.Stages)
        {
            w.WriteStartObject();
            w.WriteString("stage", stage.Stage);
            w.WriteNumberOrNull("medianMs", Precision.Milliseconds(stage.MedianMs));
            w.WriteNumberOrNull("p90Ms", Precision.Milliseconds(stage.P90Ms));
            w.WriteNumber("count", stage.Count);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("problems");
        foreach (var problem in summary.Problems)
        {
            w.WriteStringValue(problem);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteTrack(Utf8JsonWriter w, TrackSummary track)
    {
        w.WriteStartObject();
        w.WriteNumber("trackId", track.TrackId);
        w.WriteNumber("firstSeen", Precision.Seconds(track.FirstSeen));
        w.WriteNumber("lastSeen", Precision.Seconds(track.LastSeen));
        w.WriteNumber("frames", track.Frames);

        // Labels in the model's order first, so every summary lists them alike; then anything unexpected.
        w.WriteStartObject("meanExpression");
        foreach (var label in ExpressionEstimate.Labels)
        {
            if (track.MeanExpression.TryGetValue(label, out var p))
            {
                w.WriteNumberOrNull(label, Precision.Ratio(p));
            }
        }

        foreach (var (label, p) in track.MeanExpression)
        {
            if (!ExpressionEstimate.Labels.Contains(label))
            {
                w.WriteNumberOrNull(label, Precision.Ratio(p));
            }
        }

        w.WriteEndObject();

        if (track.DominantExpression is { } dominant)
        {
            w.WriteString("dominantExpression", dominant);
        }
        else
        {
            w.WriteNull("dominantExpression");
        }

        w.WriteNumberOrNull("dominantShare", Precision.Ratio(track.DominantShare));
        w.WriteNumber("blinks", track.Blinks);
        w.WriteNumberOrNull("blinksPerMinute", track.BlinksPerMinute is { } rate ? Math.Round(rate, 1) : null);
        if (track.MeanPose is { } pose)
        {
            w.WriteStartObject("meanPose");
            w.WriteNumberOrNull("yaw", Precision.Degrees(pose.Yaw));
            w.WriteNumberOrNull("pitch", Precision.Degrees(pose.Pitch));
            w.WriteNumberOrNull("roll", Precision.Degrees(pose.Roll));
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("meanPose");
        }

        w.WriteNumberOrNull("meanMouthOpening", track.MeanMouthOpening is { } mouth ? Precision.Ratio(mouth) : null);
        w.WriteEndObject();
    }
}
