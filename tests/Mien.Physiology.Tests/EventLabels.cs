using System.Globalization;
using Mien.Testing;

namespace Mien.Physiology.Tests;

/// <summary>One hand-labelled event (tests/data/labels/README.md).</summary>
/// <param name="Kind">blink, closure, yawn, nod or shake.</param>
/// <param name="Start">First frame time at which the event is visible, seconds.</param>
/// <param name="End">First frame time at which it is over, seconds.</param>
/// <param name="Sure">False for "unsure" labels: they count neither as a miss nor, when matched, as a hit (a don't-care region).</param>
internal sealed record LabelledEvent(string Kind, double Start, double End, bool Sure);

/// <summary>A label file: the events of one video and the time span that was looked at.</summary>
/// <param name="Video">The video's file name.</param>
/// <param name="SpanStart">Start of the labelled span, seconds.</param>
/// <param name="SpanEnd">End of the labelled span, seconds.</param>
/// <param name="Events">The labelled events.</param>
internal sealed record EventLabels(string Video, double SpanStart, double SpanEnd, IReadOnlyList<LabelledEvent> Events)
{
    /// <summary>Event kinds labelled in the files.</summary>
    public static readonly string[] Kinds = ["blink", "closure", "yawn", "nod", "shake"];

    /// <summary>Reads tests/data/labels/<paramref name="name"/>.csv: '#' lines are comments except "# video:" and "# span: a-b"; then kind,start,end,certainty,note.</summary>
    public static EventLabels Load(string name)
    {
        var path = Path.Combine(Repository.Root, "tests", "data", "labels", name + ".csv");
        string? video = null;
        double spanStart = double.NaN, spanEnd = double.NaN;
        var events = new List<LabelledEvent>();
        var header = false;
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                var body = line.TrimStart('#').Trim();
                if (body.StartsWith("video:", StringComparison.Ordinal))
                {
                    video = body["video:".Length..].Trim();
                }
                else if (body.StartsWith("span:", StringComparison.Ordinal))
                {
                    var parts = body["span:".Length..].Split('-', StringSplitOptions.TrimEntries);
                    (spanStart, spanEnd) = (Number(parts[0], path), Number(parts[1], path));
                }

                continue;
            }

            if (!header)
            {
                header = line.StartsWith("kind,start,end,certainty", StringComparison.Ordinal)
                    ? true
                    : throw new FormatException($"{path}: expected the header 'kind,start,end,certainty,note', got '{line}'");
                continue;
            }

            var f = line.Split(',', 5);
            if (f.Length < 4 || Array.IndexOf(Kinds, f[0]) < 0 || f[3] is not ("sure" or "unsure"))
            {
                throw new FormatException($"{path}: bad label line '{line}' (kind one of {string.Join('/', Kinds)}, certainty sure/unsure)");
            }

            var (s, e) = (Number(f[1], path), Number(f[2], path));
            if (!(e > s))
            {
                throw new FormatException($"{path}: label ends before it starts: '{line}'");
            }

            events.Add(new LabelledEvent(f[0], s, e, f[3] == "sure"));
        }

        if (video is null || double.IsNaN(spanStart) || !(spanEnd > spanStart))
        {
            throw new FormatException($"{path}: needs '# video: <file>' and '# span: <start>-<end>' lines");
        }

        return new EventLabels(video, spanStart, spanEnd, events);
    }

    private static double Number(string s, string path) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException($"{path}: '{s}' is not a number");
}

/// <summary>An event a detector reported.</summary>
internal sealed record DetectedEvent(string Kind, double Start, double End);

/// <summary>Precision and recall of one event kind.</summary>
internal sealed record EventScore(string Kind, int Labelled, int Detected, int HitLabels, int HitDetections, int DontCare)
{
    /// <summary>Matched detections over detections that were not matched to an unsure label (null without any).</summary>
    public double? Precision => Detected - DontCare > 0 ? (double)HitDetections / (Detected - DontCare) : null;

    /// <summary>Matched sure labels over sure labels (null without any).</summary>
    public double? Recall => Labelled > 0 ? (double)HitLabels / Labelled : null;

    public override string ToString() =>
        FormattableString.Invariant($"{Kind}: labelled {Labelled}, detected {Detected} ({DontCare} on unsure labels), recall {Recall:0.00}, precision {Precision:0.00}");
}

/// <summary>
/// The overlap rule: a detection and a label of the same kind match when their intervals overlap once the label is
/// widened by <see cref="Tolerance"/> on each side (label start/end are only known to a frame or two, a detector's
/// thresholds cut an event a little earlier or later). Each label matches at most one detection and vice versa
/// (greedy, largest overlap first). A detection matching only an unsure label is a don't-care.
/// </summary>
internal static class EventMatching
{
    public const double Tolerance = 0.2;

    public static EventScore Score(string kind, IEnumerable<LabelledEvent> labels, IEnumerable<DetectedEvent> detections)
    {
        var l = labels.Where(x => x.Kind == kind).ToList();
        var d = detections.Where(x => x.Kind == kind).ToList();
        var pairs = new List<(int L, int D, double Overlap)>();
        for (var i = 0; i < l.Count; i++)
        {
            for (var j = 0; j < d.Count; j++)
            {
                var overlap = Math.Min(l[i].End + Tolerance, d[j].End) - Math.Max(l[i].Start - Tolerance, d[j].Start);
                if (overlap > 0)
                {
                    pairs.Add((i, j, overlap));
                }
            }
        }

        var usedL = new bool[l.Count];
        var usedD = new bool[d.Count];
        int hitLabels = 0, hitDetections = 0, dontCare = 0;
        foreach (var (i, j, _) in pairs.OrderByDescending(p => l[p.L].Sure).ThenByDescending(p => p.Overlap))
        {
            if (usedL[i] || usedD[j])
            {
                continue;
            }

            (usedL[i], usedD[j]) = (true, true);
            if (l[i].Sure)
            {
                (hitLabels, hitDetections) = (hitLabels + 1, hitDetections + 1);
            }
            else
            {
                dontCare++;
            }
        }

        return new EventScore(kind, l.Count(x => x.Sure), d.Count, hitLabels, hitDetections, dontCare);
    }
}
