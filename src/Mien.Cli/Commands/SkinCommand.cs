using System.CommandLine;
using System.Globalization;
using Mien.Media;
using Mien.Models;
using Mien.Pipeline;
using Mien.Reports;
using Mien.Results;
using Mien.Sessions;
using Mien.Skin;
using OpenCvSharp;
using Spectre.Console;

namespace Mien.Cli.Commands;

/// <summary>
/// `mien skin &lt;image-or-video&gt;`: skin tone, texture, redness, spots and shine per face (per track over a video),
/// with quality gates, through the same analysis session as `mien analyze` (its skin stage, time-based sampling, its
/// best-frame overlay); writes skin.json and one overlay PNG per face, optionally appends to a subject's profile.
/// Exit codes: 0 at least one face measured; 1 no face had usable quality (the reasons are printed); 2 bad
/// options; 3 unreadable input.
/// </summary>
internal static class SkinCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "An image or video file." };
        var output = new Option<string>("--output", "-o") { Description = "Output folder for skin.json and overlay PNGs.", DefaultValueFactory = _ => Path.Combine("out", "skin") };
        var subject = new Option<string?>("--subject") { Description = "Pseudonymous subject id: append this recording to the subject's skin profile (needs --profiles; one face only)." };
        var profiles = new Option<string?>("--profiles") { Description = "Folder of per-subject skin profiles." };
        var json = new Option<bool>("--json") { Description = "Print skin.json to standard output instead of the table." };
        var interval = new Option<double>("--interval") { Description = "Seconds between two skin measurements of a person in a video (faces are tracked on every frame).", DefaultValueFactory = _ => 0.25 };
        var offline = new Option<bool>("--offline") { Description = "Use cached models only." };
        var command = new Command("skin", "Skin tone (CIELAB, ITA°, Monk), texture, redness, spots, shine and under-eye darkness per face, with quality gates; writes skin.json and overlays.")
        {
            input, output, subject, profiles, json, interval, offline,
        };
        command.SetAction(async (parse, ct) =>
        {
            var spec = parse.GetValue(input)!;
            var subjectId = parse.GetValue(subject);
            var profileDir = parse.GetValue(profiles);
            var seconds = parse.GetValue(interval);
            if (!(seconds is >= 0 and <= 3600))
            {
                throw new InvalidOptionException($"--interval {seconds}: must be between 0 and 3600 seconds.");
            }

            if ((subjectId is null) != (profileDir is null))
            {
                throw new InvalidOptionException("--subject and --profiles go together.");
            }

            if (subjectId is not null && !SkinProfileStore.IsValidId(subjectId))
            {
                throw new InvalidOptionException($"--subject '{subjectId}' is not a safe pseudonym: use 1–64 letters, digits, '-', '_' or '.'.");
            }

            if (!File.Exists(spec))
            {
                throw new InputException(Directory.Exists(spec) ? $"{spec}: is a folder; `mien skin` measures one image or video file" : $"{spec}: no such file");
            }

            using var store = CliStore.Open(parse.GetValue(offline));
            var source = MediaSource.Open(spec);
            var pipeline = new PipelineOptions
            {
                KeepLandmarks = true, Expressions = false, Affect = null, Body = false, Skin = true,
                SkinInterval = TimeSpan.FromSeconds(seconds),
            };
            await store.EnsureModelsAsync(pipeline.ModelIds, ct);
            using var models = new ModelSet(store.Models);
            var collector = new SkinCollector();
            SessionCompleted completed;
            await using (var session = await AnalysisSession.CreateAsync(models, source, new SessionOptions { Pipeline = pipeline, Voice = false, Provenance = Provenance.ForCommand(Provenance.ProcessCommandLine()) }, cancellationToken: ct))
            {
                completed = await session.RunAsync([collector], cancellationToken: ct);
            }

            var folder = parse.GetValue(output)!;
            Directory.CreateDirectory(folder);
            var results = new List<SkinJsonFace>();
            foreach (var (id, skin) in collector.Skin)
            {
                string? overlay = null;
                if (skin.OverlayJpeg is { } jpeg)
                {
                    overlay = Path.Combine(folder, $"skin-face{id}.png");
                    using var image = Cv2.ImDecode(jpeg, ImreadModes.Color);
                    Cv2.ImWrite(overlay, image);
                }

                // skin.json names the overlay beside it, never by a local path.
                results.Add(new SkinJsonFace(id, skin.Summary, skin.Suggestions, collector.LastRejection(id), overlay is null ? null : Path.GetFileName(overlay)));
            }

            IReadOnlyList<SkinTrend>? trends = null;
            if (subjectId is not null && profileDir is not null)
            {
                var measured = results.Where(r => r.Summary.FramesUsed > 0).ToList();
                if (measured.Count == 1)
                {
                    var profileStore = new SkinProfileStore(profileDir);
                    // The same file stored twice counts twice in the subject's trends: say so rather than skew them quietly.
                    if (profileStore.Load(subjectId).Sessions.FirstOrDefault(s => s.Source == Path.GetFileName(spec)) is { } earlier)
                    {
                        Console.Error.WriteLine($"mien: warning: subject '{subjectId}' already has a session from {Path.GetFileName(spec)} (stored {earlier.Recorded:yyyy-MM-dd HH:mm} UTC); this one is stored as well and both count in the trends");
                    }

                    trends = profileStore.Append(subjectId, SkinSession.From(DateTimeOffset.UtcNow, Path.GetFileName(spec), measured[0].Summary)).Trends();
                }
                else
                {
                    Console.Error.WriteLine($"mien: profile not updated: {measured.Count} measured faces, needs exactly one");
                }
            }

            var report = new SkinJsonReport(Path.GetFileName(spec), completed.Summary.FramesAnalysed, results, trends, completed.Summary.Provenance);
            var text = SkinJsonWriter.Serialize(report);
            await File.WriteAllTextAsync(Path.Combine(folder, "skin.json"), text, CancellationToken.None);
            if (parse.GetValue(json))
            {
                Console.WriteLine(text);
            }
            else
            {
                Print(spec, results, trends, folder);
            }

            if (completed.End == SessionEnd.Interrupted)
            {
                return ExitCodes.Interrupted;
            }

            return results.Any(r => r.Summary.FramesUsed > 0) ? ExitCodes.Ok : ExitCodes.ProblemsFound;
        });
        return command;
    }

    private static void Print(string spec, List<SkinJsonFace> results, IReadOnlyList<SkinTrend>? trends, string folder)
    {
        var console = CliConsole.Out();
        if (results.Count == 0)
        {
            console.WriteLine($"{spec}: insufficient quality: no-face: no face was found");
            return;
        }

        var table = new Table().AddColumns("face", "frames", "ITA°", "category", "MST", "L*", "a*", "EI", "EI vs tone", "rough", "lines %", "spots", "shine %", "under-eye ΔL*");
        foreach (var r in results)
        {
            var s = r.Summary;
            string V(SkinMetric m, string format) => s.Get(m) is { } a ? a.Value.ToString(format, CultureInfo.InvariantCulture) : "–";
            if (s.FramesUsed == 0)
            {
                table.AddRow($"#{r.TrackId}", $"0/{s.FramesAdded}", "insufficient quality", string.Join("; ", r.Reasons.Select(x => x.ToString())).EscapeMarkup(), "", "", "", "", "", "", "", "", "", "");
                continue;
            }

            var ita = s.Get(SkinMetric.Ita)!;
            table.AddRow(
                $"#{r.TrackId}",
                $"{s.FramesUsed}/{s.FramesAdded}",
                string.Create(CultureInfo.InvariantCulture, $"{ita.Value:F1} ± {ita.Sd:F1}"),
                s.Category?.ToString() ?? "–",
                V(SkinMetric.Monk, "0"),
                V(SkinMetric.Lightness, "F1"),
                V(SkinMetric.Redness, "F1"),
                V(SkinMetric.ErythemaIndex, "F1"),
                V(SkinMetric.RelativeRedness, "+0.0;-0.0"),
                V(SkinMetric.Roughness, "F2"),
                V(SkinMetric.ForeheadLines, "F1"),
                V(SkinMetric.Spots, "0"),
                V(SkinMetric.Shine, "F1"),
                V(SkinMetric.UnderEyeDarkness, "F1"));
        }

        console.Write(table);
        foreach (var r in results.Where(r => r.Summary.FramesUsed == 0))
        {
            console.WriteLine($"face #{r.TrackId}: insufficient quality: {string.Join("; ", r.Reasons)}");
        }

        foreach (var r in results.Where(r => r.Suggestions.Count > 0))
        {
            foreach (var s in r.Suggestions)
            {
                console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"face #{r.TrackId}: {s.Text} ({s.Rule}; measured {s.Value:0.##})"));
            }
        }

        if (trends is not null)
        {
            foreach (var t in trends.Where(t => t.Flag is ChangeFlag.Increase or ChangeFlag.Decrease))
            {
                console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"profile: {SkinMetrics.Name(t.Metric)} {t.Flag.ToString().ToLowerInvariant()}d by {t.Difference:0.##} (95 % {t.DifferenceLow:0.##}…{t.DifferenceHigh:0.##}) over {t.Sessions} sessions"));
            }
        }

        console.WriteLine(SkinRecommendations.Disclaimer);
        console.WriteLine($"→ {Path.Combine(folder, "skin.json")}");
    }

    /// <summary>Collects each person's skin from the session's updates, and the reasons of their last unusable measurement.</summary>
    private sealed class SkinCollector : IAnalysisSink
    {
        private readonly Dictionary<int, IReadOnlyList<SkinIssue>> _rejections = [];

        public SortedDictionary<int, SkinUpdate> Skin { get; } = [];

        public IReadOnlyList<SkinIssue> LastRejection(int trackId) => _rejections.TryGetValue(trackId, out var r) ? r : [];

        public void Write(AnalysisUpdate update)
        {
            switch (update)
            {
                case FrameUpdate f:
                    foreach (var face in f.Frame.Faces)
                    {
                        if (face.Skin is { Quality.IsUsable: false } rejected)
                        {
                            _rejections[face.TrackId] = rejected.Quality.Reasons;
                        }
                    }

                    break;
                case SkinUpdate s:
                    Skin[s.TrackId] = s;
                    break;
                default:
                    break;
            }
        }
    }
}
