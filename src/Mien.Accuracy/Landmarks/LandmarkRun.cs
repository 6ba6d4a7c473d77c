using System.Globalization;
using System.Text;

namespace Mien.Accuracy.Landmarks;

/// <summary>The landmark accuracy of one annotated set: per-image results and their summaries.</summary>
/// <param name="Folder">The set's folder.</param>
/// <param name="Results">Per-image results, in the set's order.</param>
/// <param name="Unreadable">Images that could not be read, with the reason.</param>
/// <param name="MissRule">What counts as a miss, for the report (default: Mien's detection rule).</param>
public sealed record LandmarkRun(string Folder, IReadOnlyList<LandmarkImageResult> Results, IReadOnlyList<(string Image, string Reason)> Unreadable, string? MissRule = null)
{
    /// <summary>Errors over all 68 points, one per detected image.</summary>
    public IReadOnlyList<double> All68 => [.. Results.Where(r => r.Error is not null).Select(r => r.Error!.All68)];

    /// <summary>Errors without the jaw line, one per detected image.</summary>
    public IReadOnlyList<double> Inner51 => [.. Results.Where(r => r.Error is not null).Select(r => r.Error!.Inner51)];

    /// <summary>Summary over 68 points.</summary>
    public LandmarkSummary Summary68 => LandmarkSummary.From(All68, Results.Count);

    /// <summary>Summary over the 51 inner points.</summary>
    public LandmarkSummary Summary51 => LandmarkSummary.From(Inner51, Results.Count);

    /// <summary>Mean error of each of the 68 points over the detected images (÷ inter-ocular distance).</summary>
    public IReadOnlyList<double> PerPointMean
    {
        get
        {
            var detected = Results.Where(r => r.Error is not null).ToArray();
            var mean = new double[Pts68.Count];
            foreach (var r in detected)
            {
                for (var i = 0; i < mean.Length; i++)
                {
                    mean[i] += r.Error!.PerPoint[i] / detected.Length;
                }
            }

            return mean;
        }
    }

    /// <summary>Runs the set.</summary>
    public static LandmarkRun Measure(StillFaces faces, IReadOnlyList<AnnotatedImage> images, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        var results = new List<LandmarkImageResult>(images.Count);
        var unreadable = new List<(string, string)>();
        foreach (var image in images)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                results.Add(LandmarkBenchmark.Run(faces, image));
            }
            catch (Mien.Media.MediaException e)
            {
                unreadable.Add((image.Image, e.Problem));
            }

            progress?.Report(results.Count + unreadable.Count);
        }

        var folder = images.Count == 0 ? string.Empty : Path.GetDirectoryName(images[0].Image) ?? string.Empty;
        return new LandmarkRun(folder, results, unreadable);
    }

    /// <summary>The CDF plot of both protocols.</summary>
    public string CdfSvg() => CdfPlot.Svg(
        [new CdfPlot.Curve("68 points (with jaw line)", All68, "#c0392b"), new CdfPlot.Curve("51 points (no jaw line)", Inner51, "#2471a3")],
        0.16,
        $"Mien face mesh on {Path.GetFileName(Folder)}: cumulative NME ({Results.Count(r => r.Detected)} of {Results.Count} faces)",
        "NME, % of the inter-ocular (outer eye corner) distance");

    /// <summary>A Markdown section with the figures (and a link to the CDF plot when <paramref name="cdfFile"/> is given).</summary>
    public string Markdown(string? cdfFile)
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        var s68 = Summary68;
        var s51 = Summary51;
        md.Append(c, $"Set: `{Path.GetFileName(Folder)}`, {Results.Count} annotated images; the annotated face was found in {s68.Detected} ");
        md.Append(c, $"(detection miss: {Results.Count - s68.Detected}; a miss is {MissRule ?? string.Create(c, $"a detection with IoU < {LandmarkBenchmark.MinIou} against the annotated points' box, or none")}).\n\n");
        md.Append("| protocol | mean NME % [95 % CI] | median % | failure > 8 % [CI] | failure > 10 % [CI] | AUC@8 % |\n|---|---|---|---|---|---|\n");
        foreach (var (name, s) in new[] { ("68 points", s68), ("51 points (no jaw)", s51) })
        {
            md.Append(c, $"| {name} | {s.Mean.Format(100)} | {s.Median * 100:F2} | {s.FailureAt8.Format(100, 1)} | {s.FailureAt10.Format(100, 1)} | {s.AucAt8:F3} |\n");
        }

        md.Append(cdfFile is null ? "\n" : string.Create(c, $"\nCDF: ![cumulative NME]({cdfFile})\n\n"));
        var per = PerPointMean;
        string Group(int from, int to) => (per.Skip(from).Take(to - from + 1).Average() * 100).ToString("F2", c);
        md.Append("Mean error by feature (% inter-ocular): ");
        md.Append(c, $"jaw {Group(0, 16)}, brows {Group(17, 26)}, nose {Group(27, 35)}, eyes {Group(36, 47)}, outer lip {Group(48, 59)}, inner lip {Group(60, 67)}.\n");
        var worst = per.Select((e, i) => (e, i)).OrderByDescending(x => x.e).Take(5).Select(x => string.Create(c, $"{x.i + 1} ({x.e * 100:F1} %)"));
        md.Append(c, $"Worst points (300-W numbering, 1-based): {string.Join(", ", worst)}.\n");
        if (Unreadable.Count > 0)
        {
            md.Append(c, $"\n{Unreadable.Count} image(s) could not be read: {string.Join(", ", Unreadable.Select(u => Path.GetFileName(u.Image)))}.\n");
        }

        return md.ToString();
    }
}
