using System.Globalization;
using System.Text;
using Mien.Accuracy.Landmarks;
using Mien.Accuracy.Statistics;
using Mien.Faces.Geometry;
using Mien.Media;
using Mien.Results;
using Mien.Skin;
using OpenCvSharp;

namespace Mien.Accuracy.Fairness;

/// <summary>What the audit measured on one annotated face.</summary>
/// <param name="Image">Image file.</param>
/// <param name="Detected">Found at its own size (IoU ≥ <see cref="LandmarkBenchmark.MinIou"/> with the annotated box).</param>
/// <param name="DetectedSmall">Found after the image is shrunk so the annotated face is <see cref="FairnessAudit.SmallFaceHeight"/> px tall.</param>
/// <param name="Nme68">Landmark NME over 68 points (null when not detected).</param>
/// <param name="Nme51">Landmark NME without the jaw line.</param>
/// <param name="Ita">ITA° measured by Mien's skin analysis on the original image (null when not measurable).</param>
/// <param name="Monk">Monk Skin Tone (1–10) from the same measurement.</param>
/// <param name="SkinIssue">Why the skin could not be measured, or null.</param>
/// <param name="ItaShift">Mean |ΔITA°| between the original and the perturbed copies (exposure ×0.8 and ×1.2, mirror, half size) that could be measured; null when none could.</param>
public sealed record FaceAuditRecord(string Image, bool Detected, bool DetectedSmall, double? Nme68, double? Nme51, double? Ita, int? Monk, string? SkinIssue, double? ItaShift);

/// <summary>Figures of one skin-tone group.</summary>
/// <param name="Grouping">"Monk" or "ITA°".</param>
/// <param name="Group">The group's name.</param>
/// <param name="Faces">Faces assigned to the group (skin measured on the original image).</param>
/// <param name="Recall">Detection recall at the original size (Wilson 95 %).</param>
/// <param name="SmallRecall">Detection recall of the shrunk face (Wilson 95 %).</param>
/// <param name="Nme68">Mean NME over 68 points (bootstrap 95 %).</param>
/// <param name="Nme51">Mean NME over 51 points (bootstrap 95 %).</param>
/// <param name="ItaShift">Median |ΔITA°| under perturbation (bootstrap 95 %).</param>
/// <param name="ItaShiftFaces">Faces with an ITA shift.</param>
public sealed record GroupFigures(string Grouping, string Group, int Faces, Interval Recall, Interval SmallRecall, Interval Nme68, Interval Nme51, Interval ItaShift, int ItaShiftFaces)
{
    /// <summary>Below this many faces a group's figures are listed but nothing is concluded from them.</summary>
    public const int MinFaces = 10;

    /// <summary>Whether the group is large enough to say anything.</summary>
    public bool Conclusive => Faces >= MinFaces;
}

/// <summary>
/// Fairness audit by skin-tone group: each annotated face is placed in a group by Mien's own skin analysis (Monk 1–3,
/// 4–6, 7–10, and the Chardon ITA° bands), then detection recall (at its size and shrunk), landmark error and the
/// stability of the skin measurement under exposure, mirror and scale changes are compared across groups with 95 %
/// intervals. Group membership comes from the system under audit, so a face whose skin cannot be measured has no
/// group (counted apart), and a tone error moves faces between groups.
/// </summary>
public static class FairnessAudit
{
    /// <summary>Height (px) of the annotated face after shrinking for the small-face recall.</summary>
    public const int SmallFaceHeight = 40;

    private static readonly (string Name, double Exposure, bool Flip, double Scale)[] Perturbations =
        [("exposure ×0.8", 0.8, false, 1), ("exposure ×1.2", 1.2, false, 1), ("mirror", 1, true, 1), ("half size", 1, false, 0.5)];

    /// <summary>Audits one annotated face.</summary>
    public static FaceAuditRecord Measure(StillFaces faces, SkinAnalyzer skin, AnnotatedImage image)
    {
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(skin);
        ArgumentNullException.ThrowIfNull(image);
        using var bgr = StillImage.Load(image.Image);
        var truth = image.Box;
        var (mesh, _) = Match(faces, bgr, truth);
        LandmarkError? error = mesh is null ? null : LandmarkError.Measure(MeshTo68.Map(mesh), image.Annotation);

        var shrink = Math.Min(1.0, SmallFaceHeight / Math.Max(1.0, truth.Height));
        using var small = new Mat();
        Cv2.Resize(bgr, small, new Size(Math.Max(8, (int)(bgr.Width * shrink)), Math.Max(8, (int)(bgr.Height * shrink))), 0, 0, InterpolationFlags.Area);
        var smallTruth = new FaceBox((float)(truth.X * shrink), (float)(truth.Y * shrink), (float)(truth.Width * shrink), (float)(truth.Height * shrink));
        var detectedSmall = faces.Analyze(small).Any(f => StillFaces.Iou(f.Detection.Box, smallTruth) >= LandmarkBenchmark.MinIou);

        if (mesh is null)
        {
            return new FaceAuditRecord(image.Image, false, detectedSmall, null, null, null, null, "no face", null);
        }

        var tone = Tone(skin, bgr, mesh, out var issue);
        double? shift = null;
        if (tone is not null)
        {
            var shifts = new List<double>();
            using var perturbed = new Mat();
            foreach (var (_, exposure, flip, scale) in Perturbations)
            {
                bgr.ConvertTo(perturbed, MatType.CV_8UC3, exposure);
                if (flip)
                {
                    Cv2.Flip(perturbed, perturbed, FlipMode.Y);
                }

                if (scale != 1)
                {
                    Cv2.Resize(perturbed, perturbed, new Size((int)(bgr.Width * scale), (int)(bgr.Height * scale)), 0, 0, InterpolationFlags.Area);
                }

                var box = flip ? truth with { X = bgr.Width - truth.X - truth.Width } : truth;
                box = new FaceBox((float)(box.X * scale), (float)(box.Y * scale), (float)(box.Width * scale), (float)(box.Height * scale));
                var (m, _) = Match(faces, perturbed, box);
                if (m is not null && Tone(skin, perturbed, m, out _) is { } t)
                {
                    shifts.Add(Math.Abs(t.Ita - tone.Ita));
                }
            }

            shift = shifts.Count == 0 ? null : shifts.Average();
        }

        return new FaceAuditRecord(image.Image, true, detectedSmall, error!.All68, error.Inner51, tone?.Ita, tone?.Monk, issue, shift);
    }

    /// <summary>The figures per group, for the Monk groups then the ITA° bands.</summary>
    public static IReadOnlyList<GroupFigures> Groups(IReadOnlyList<FaceAuditRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var rows = new List<GroupFigures>();
        foreach (var (name, low, high) in new[] { ("Monk 1–3", 1, 3), ("Monk 4–6", 4, 6), ("Monk 7–10", 7, 10) })
        {
            rows.Add(Figures("Monk", name, [.. records.Where(r => r.Monk is { } m && m >= low && m <= high)]));
        }

        foreach (var category in Enum.GetValues<ItaCategory>())
        {
            rows.Add(Figures("ITA°", Band(category), [.. records.Where(r => r.Ita is { } ita && CieLab.Category((float)ita) == category)]));
        }

        return rows;
    }

    /// <summary>The Markdown report: per-group table, the faces without a group, and what can and cannot be concluded.</summary>
    public static string Markdown(string setName, IReadOnlyList<FaceAuditRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        var groups = Groups(records);
        var noGroup = records.Count(r => r.Monk is null);
        md.Append(c, $"Set: `{setName}`, {records.Count} annotated faces; skin tone measured on {records.Count - noGroup} ");
        md.Append(c, $"(no group for {noGroup}: {string.Join(", ", records.Where(r => r.Monk is null).GroupBy(r => r.SkinIssue ?? "?").Select(g => $"{g.Count()} × {g.Key}"))}).\n\n");
        md.Append(c, $"| grouping | group | faces | detection recall % | recall, face shrunk to {SmallFaceHeight} px % | NME 68 % | NME 51 % | median \\|ΔITA°\\| under perturbation (faces) |\n|---|---|---|---|---|---|---|---|\n");
        foreach (var g in groups)
        {
            var flag = g.Faces == 0 ? " (empty)" : g.Conclusive ? "" : " (too few to conclude)";
            md.Append(c, $"| {g.Grouping} | {g.Group}{flag} | {g.Faces} | {Cell(g.Recall, 100, 1)} | {Cell(g.SmallRecall, 100, 1)} | {Cell(g.Nme68, 100, 2)} | {Cell(g.Nme51, 100, 2)} | {Cell(g.ItaShift, 1, 1)} ({g.ItaShiftFaces}) |\n");
        }

        md.Append(c, $"\nIntervals: Wilson 95 % for recall, percentile bootstrap 95 % (2000 resamples, seed 13) for means and medians. A group with fewer than {GroupFigures.MinFaces} faces is listed but not interpreted; a gap between groups is only claimed where their intervals do not overlap.\n");
        var conclusive = groups.Where(g => g.Conclusive).ToArray();
        var gaps = new List<string>();
        foreach (var grouping in conclusive.GroupBy(g => g.Grouping))
        {
            var list = grouping.ToArray();
            for (var i = 0; i < list.Length; i++)
            {
                for (var j = i + 1; j < list.Length; j++)
                {
                    foreach (var (what, a, b) in new[] { ("NME 68", list[i].Nme68, list[j].Nme68), ("NME 51", list[i].Nme51, list[j].Nme51), ("|ΔITA°|", list[i].ItaShift, list[j].ItaShift), ("small-face recall", list[i].SmallRecall, list[j].SmallRecall) })
                    {
                        if (a.High < b.Low || b.High < a.Low)
                        {
                            gaps.Add($"{what}: {list[i].Group} vs {list[j].Group}");
                        }
                    }
                }
            }
        }

        md.Append(gaps.Count == 0
            ? "\nNo gap between groups large enough to exclude chance at these sizes (intervals overlap everywhere they could be compared).\n"
            : $"\nGaps whose intervals do not overlap: {string.Join("; ", gaps)}.\n");
        return md.ToString();
    }

    private static string Cell(Interval i, double scale, int digits) => double.IsNaN(i.Value) ? "–" : i.Format(scale, digits);

    private static string Band(ItaCategory category) => category switch
    {
        ItaCategory.VeryLight => "very light (> 55°)",
        ItaCategory.Light => "light (41–55°)",
        ItaCategory.Intermediate => "intermediate (28–41°)",
        ItaCategory.Tan => "tan (10–28°)",
        ItaCategory.Brown => "brown (−30–10°)",
        _ => "dark (< −30°)",
    };

    private static GroupFigures Figures(string grouping, string name, IReadOnlyList<FaceAuditRecord> members)
    {
        var nme68 = members.Where(r => r.Nme68 is not null).Select(r => r.Nme68!.Value).ToArray();
        var nme51 = members.Where(r => r.Nme51 is not null).Select(r => r.Nme51!.Value).ToArray();
        var shifts = members.Where(r => r.ItaShift is not null).Select(r => r.ItaShift!.Value).ToArray();
        return new GroupFigures(grouping, name, members.Count,
            Interval.Wilson(members.Count(r => r.Detected), members.Count),
            Interval.Wilson(members.Count(r => r.DetectedSmall), members.Count),
            Bootstrap.Mean(nme68), Bootstrap.Mean(nme51), Bootstrap.Of(shifts, Bootstrap.MedianOf), shifts.Length);
    }

    private static (Point3[]? Mesh, double Iou) Match(StillFaces faces, Mat bgr, FaceBox truth)
    {
        StillFace? best = null;
        var bestIou = 0.0;
        foreach (var f in faces.Analyze(bgr))
        {
            var iou = StillFaces.Iou(f.Detection.Box, truth);
            if (iou > bestIou)
            {
                (best, bestIou) = (f, iou);
            }
        }

        return bestIou >= LandmarkBenchmark.MinIou && best?.Mesh is { } mesh ? (mesh.Points, bestIou) : (null, bestIou);
    }

    private static SkinTone? Tone(SkinAnalyzer skin, Mat bgr, Point3[] mesh, out string? issue)
    {
        var frame = skin.Analyze(bgr, mesh, HeadPoseEstimator.Estimate(mesh));
        issue = frame.Face is null ? string.Join(" + ", frame.Quality.Reasons.Select(r => r.Code).Distinct()) : null;
        return frame.Face?.Tone;
    }
}
