using System.Globalization;
using System.Text;
using Mien.Affect;
using Mien.Results;

namespace Mien.Training;

/// <summary>
/// The labelled-clip CSV that <c>mien train temporal</c> reads: one row per frame, a header naming the columns (any
/// order, names case-insensitive). Required: <c>subject</c>, <c>clip</c>, <c>time_s</c> (seconds, increasing within a
/// clip), <c>label</c> (anger, disgust, fear, happiness, sadness, surprise, neutral) and the seven per-frame
/// probabilities named after the labels (as <c>mien analyze</c> writes them to faces.csv). Optional, empty = not
/// measured: <c>reliability</c> (default 1), <c>yaw</c>, <c>pitch</c>, <c>roll</c> (degrees, all three),
/// <c>eye_openness</c>, <c>mouth_opening</c>, and all sixteen <c>AU01</c>…<c>AU45</c> intensities (0–5). Rows of a
/// clip need not be contiguous; they are ordered by time.
/// </summary>
public static class ClipCsv
{
    private static readonly string[] Pose = ["yaw", "pitch", "roll"];

    /// <summary>Reads every clip in a CSV file.</summary>
    /// <exception cref="TrainingDataException">The file is missing or a row is malformed (the message names the line).</exception>
    public static IReadOnlyList<LabelledClip> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new TrainingDataException($"labelled clip file '{path}' does not exist");
        }

        using var reader = new StreamReader(path, Encoding.UTF8);
        var header = reader.ReadLine() ?? throw new TrainingDataException($"'{path}' is empty");
        var columns = header.Split(',').Select(c => c.Trim()).ToArray();
        var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < columns.Length; i++)
        {
            index[columns[i]] = i;
        }

        string[] required = ["subject", "clip", "time_s", "label", .. ExpressionEstimate.Labels];
        var missing = required.Where(r => !index.ContainsKey(r)).ToArray();
        if (missing.Length > 0)
        {
            throw new TrainingDataException($"'{path}': missing column(s) {string.Join(", ", missing)} (required: {string.Join(", ", required)})");
        }

        var rows = new Dictionary<(string Subject, string Clip), List<(TemporalInput Input, int Label)>>();
        var order = new List<(string, string)>();
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var cells = line.Split(',');
            if (cells.Length != columns.Length)
            {
                throw new TrainingDataException($"'{path}' line {lineNumber}: {cells.Length} cells, header has {columns.Length}");
            }

            string Cell(string name) => cells[index[name]].Trim();
            float? Optional(string name) => index.TryGetValue(name, out var i) && cells[i].Trim().Length > 0 ? Number(cells[i], name) : null;
            float Number(string text, string name) =>
                float.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && float.IsFinite(v)
                    ? v
                    : throw new TrainingDataException($"'{path}' line {lineNumber}: {name} = '{text}' is not a finite number");

            var label = IndexOf(Cell("label"));
            if (label < 0)
            {
                throw new TrainingDataException($"'{path}' line {lineNumber}: unknown label '{Cell("label")}' (labels: {string.Join(", ", ExpressionEstimate.Labels)})");
            }

            var probabilities = new float[ExpressionEstimate.Labels.Count];
            for (var c = 0; c < probabilities.Length; c++)
            {
                probabilities[c] = Number(Cell(ExpressionEstimate.Labels[c]), ExpressionEstimate.Labels[c]);
            }

            var pose = Pose.All(index.ContainsKey) && Optional("yaw") is { } yaw && Optional("pitch") is { } pitch && Optional("roll") is { } roll
                ? new HeadPose(yaw, pitch, roll)
                : (HeadPose?)null;
            ActionUnits? units = null;
            if (ActionUnits.Codes.All(index.ContainsKey) && Optional(ActionUnits.Codes[0]) is not null)
            {
                units = new ActionUnits([.. ActionUnits.Codes.Select(code => Optional(code) ?? 0f)], baselineReady: true);
            }

            var input = new TemporalInput(
                TimeSpan.FromSeconds(Number(Cell("time_s"), "time_s")),
                probabilities,
                Optional("reliability") ?? 1f,
                units,
                pose,
                Optional("eye_openness"),
                Optional("mouth_opening"));
            var key = (Cell("subject"), Cell("clip"));
            if (!rows.TryGetValue(key, out var list))
            {
                rows[key] = list = [];
                order.Add(key);
            }

            list.Add((input, label));
        }

        var clips = new List<LabelledClip>(order.Count);
        foreach (var key in order)
        {
            var frames = rows[key].OrderBy(r => r.Input.Timestamp).ToArray();
            var clip = new LabelledClip(key.Item1, key.Item2, [.. frames.Select(f => f.Input)], [.. frames.Select(f => f.Label)]);
            clip.Validate();
            clips.Add(clip);
        }

        if (clips.Count == 0)
        {
            throw new TrainingDataException($"'{path}' has no rows");
        }

        return clips;
    }

    /// <summary>Writes clips in the format <see cref="Read"/> accepts (geometry columns empty where not measured).</summary>
    public static void Write(string path, IEnumerable<LabelledClip> clips)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(clips);
        var c = CultureInfo.InvariantCulture;
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        writer.WriteLine(string.Join(',', ["subject", "clip", "time_s", "label", .. ExpressionEstimate.Labels, "reliability", .. Pose, "eye_openness", "mouth_opening", .. ActionUnits.Codes]));
        var line = new StringBuilder();
        foreach (var clip in clips)
        {
            for (var i = 0; i < clip.Frames.Count; i++)
            {
                var f = clip.Frames[i];
                line.Clear();
                line.Append(clip.Subject).Append(',').Append(clip.Id).Append(',')
                    .Append(f.Timestamp.TotalSeconds.ToString("R", c)).Append(',').Append(ExpressionEstimate.Labels[clip.Labels[i]]);
                foreach (var p in f.Probabilities)
                {
                    line.Append(',').Append(p.ToString("R", c));
                }

                line.Append(',').Append(f.Reliability.ToString("R", c));
                line.Append(',').Append(f.Pose?.Yaw.ToString("R", c)).Append(',').Append(f.Pose?.Pitch.ToString("R", c)).Append(',').Append(f.Pose?.Roll.ToString("R", c));
                line.Append(',').Append(f.EyeOpenness?.ToString("R", c)).Append(',').Append(f.MouthOpening?.ToString("R", c));
                for (var u = 0; u < ActionUnits.Codes.Count; u++)
                {
                    line.Append(',').Append(f.Units?.Intensities[u].ToString("R", c));
                }

                writer.WriteLine(line);
            }
        }
    }

    private static int IndexOf(string label)
    {
        for (var i = 0; i < ExpressionEstimate.Labels.Count; i++)
        {
            if (string.Equals(ExpressionEstimate.Labels[i], label, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
