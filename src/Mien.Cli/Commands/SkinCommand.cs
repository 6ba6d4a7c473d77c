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
/// `mien skin &lt;inputs…&gt;`: skin tone, texture, redness, spots and shine per face (per track over a video), with
/// quality gates, through the same analysis session as `mien analyze` (its skin stage, time-based sampling, its best-frame
/// overlay); writes skin.json and one overlay PNG per face, optionally appends to a subject's profile. Several files or
/// folders of photos (<see cref="SkinInputs"/>): each file is its own session, in capture order, with its own sub-folder,
/// plus skin-combined.json (every input and the trends over them).
/// Exit codes: 0 at least one face measured in every input; 1 an input had no face of usable quality, or a folder entry
/// was skipped (the reasons are printed); 2 bad options; 3 a named input is missing or unreadable (the others are still
/// measured; the highest code wins).
/// </summary>
internal static class SkinCommand
{
    public static Command Create()
    {
        var input = new Argument<string[]>("inputs") { Description = "Image or video files, or folders of them (each file is measured on its own, in capture order).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "Output folder for skin.json and overlay PNGs (one sub-folder per input when there are several).", DefaultValueFactory = _ => Path.Combine("out", "skin") };
        var subject = new Option<string?>("--subject") { Description = "Pseudonymous subject id: append each input (one face each) to the subject's skin profile." };
        // The same option, default and wording as `mien analyze --profiles`: both commands keep one set of profiles.
        var profiles = new Option<string>("--profiles") { Description = "Folder of skin profiles (with --subject).", DefaultValueFactory = _ => Path.Combine("out", "profiles") };
        var json = new Option<bool>("--json") { Description = "Print skin.json (skin-combined.json with several inputs) to standard output instead of the table." };
        var interval = new Option<double>("--interval") { Description = "Seconds between two skin measurements of a person in a video (faces are tracked on every frame).", DefaultValueFactory = _ => 0.25 };
        var offline = new Option<bool>("--offline") { Description = "Use cached models only." };
        var command = new Command("skin", "Skin tone (CIELAB, ITA°, Monk), texture, redness, spots, shine and under-eye darkness per face, with quality gates; writes skin.json and overlays.")
        {
            input, output, subject, profiles, json, interval, offline,
        };
        command.SetAction(async (parse, ct) =>
        {
            var specs = parse.GetValue(input)!;
            var subjectId = parse.GetValue(subject);
            var profileDir = parse.GetValue(profiles)!;
            var seconds = parse.GetValue(interval);
            if (!(seconds is >= 0 and <= 3600))
            {
                throw new InvalidOptionException($"--interval {seconds}: must be between 0 and 3600 seconds.");
            }

            if (subjectId is not null && !SkinProfileStore.IsValidId(subjectId))
            {
                throw new InvalidOptionException($"--subject '{subjectId}' is not a safe pseudonym: use 1–64 letters, digits, '-', '_' or '.'.");
            }

            var list = SkinInputs.Expand(specs);
            if (list.Inputs.Count == 0)
            {
                var first = list.Skipped[0];
                throw new InputException(list.Skipped.Count == 1 ? $"{first.Spec}: {first.Reason}" : $"no image or video to measure: {string.Join("; ", list.Skipped.Select(p => $"{p.Spec}: {p.Reason}"))}");
            }

            foreach (var problem in list.Skipped)
            {
                Console.Error.WriteLine($"mien: {problem.Spec}: {problem.Reason} (skipped)");
            }

            var several = list.Inputs.Count > 1 || list.Skipped.Count > 0;
            var pipeline = new PipelineOptions
            {
                KeepLandmarks = true, Expressions = false, Affect = null, Body = false, Skin = true,
                SkinInterval = TimeSpan.FromSeconds(seconds),
            };
            using var store = CliStore.Open(parse.GetValue(offline));
            await store.EnsureModelsAsync(pipeline.ModelIds, ct);
            using var models = new ModelSet(store.Models);
            var provenance = Provenance.ForCommand(Provenance.ProcessCommandLine());
            var folder = parse.GetValue(output)!;
            Directory.CreateDirectory(folder);
            var code = list.Skipped.Any(p => p.Named) ? ExitCodes.BadInput : list.Skipped.Count > 0 ? ExitCodes.ProblemsFound : ExitCodes.Ok;
            var entries = new List<SkinJsonInput>();
            var sessions = new List<SkinSession>();
            var folders = new HashSet<string>(StringComparer.Ordinal);
            IReadOnlyList<SkinTrend>? trends = null;
            string? lastText = null;
            foreach (var item in list.Inputs)
            {
                var target = several ? Path.Combine(folder, UniqueFolder(folders, item.Name)) : folder;
                SkinRun run;
                try
                {
                    run = await MeasureAsync(models, item.Path, pipeline, provenance, target, ct);
                }
                catch (InputException e)
                {
                    if (!several)
                    {
                        throw;
                    }

                    Console.Error.WriteLine($"mien: {e.Message} (skipped)");
                    entries.Add(new SkinJsonInput(item.Name, null, item.CaptureTime, item.FromExif ? "exif" : "file-time", 0, 0, "skipped", e.Message));
                    code = Math.Max(code, ExitCodes.BadInput);
                    continue;
                }

                var measured = run.Faces.Where(r => r.Summary.FramesUsed > 0).ToList();
                if (subjectId is not null)
                {
                    trends = AppendToProfile(new SkinProfileStore(profileDir), subjectId, item, several, measured) ?? trends;
                }
                else if (measured.Count == 1)
                {
                    sessions.Add(SkinSession.From(item.CaptureTime, item.Name, measured[0].Summary));
                }

                var report = new SkinJsonReport(item.Name, run.Frames, run.Faces, subjectId is null ? null : trends, run.Provenance);
                lastText = SkinJsonWriter.Serialize(report);
                await File.WriteAllTextAsync(Path.Combine(target, "skin.json"), lastText, CancellationToken.None);
                if (!parse.GetValue(json))
                {
                    Print(item.Path, run.Faces, run.CameraNotes, subjectId is null ? null : trends, target);
                }

                var status = measured.Count > 0 ? "measured" : "no-usable-face";
                var reason = measured.Count > 0 ? null : run.Faces.Count == 0 ? "no-face: no face was found" : string.Join("; ", run.Faces.SelectMany(f => f.Reasons).Select(r => r.ToString()).Distinct());
                entries.Add(new SkinJsonInput(item.Name, several ? Path.GetFileName(target) : null, item.CaptureTime, item.FromExif ? "exif" : "file-time", run.Frames, measured.Count, status, reason));
                code = Math.Max(code, measured.Count > 0 ? ExitCodes.Ok : ExitCodes.ProblemsFound);
                if (run.End == SessionEnd.Interrupted)
                {
                    return ExitCodes.Interrupted;
                }
            }

            if (!several)
            {
                if (parse.GetValue(json) && lastText is not null)
                {
                    Console.WriteLine(lastText);
                }

                return code;
            }

            // The combined profile: the subject's stored one, else the inputs with one measured face each, in capture order.
            var combinedTrends = subjectId is not null ? trends : sessions.Count >= 2 ? new SkinProfile("inputs", sessions).Trends() : null;
            entries.AddRange(list.Skipped.Select(p => new SkinJsonInput(p.Spec, null, null, null, 0, 0, "skipped", p.Reason)));
            var combined = SkinJsonWriter.SerializeCombined(new SkinJsonCombined(entries, subjectId, combinedTrends, provenance));
            await File.WriteAllTextAsync(Path.Combine(folder, "skin-combined.json"), combined, CancellationToken.None);
            if (parse.GetValue(json))
            {
                Console.WriteLine(combined);
            }
            else
            {
                PrintCombined(entries, combinedTrends, folder);
            }

            return code;
        });
        return command;
    }

    private sealed record SkinRun(long Frames, List<SkinJsonFace> Faces, SessionEnd End, Provenance? Provenance, IReadOnlyDictionary<int, string> CameraNotes);

    /// <summary>One input through an analysis session; writes its overlays into <paramref name="folder"/>.</summary>
    private static async Task<SkinRun> MeasureAsync(ModelSet models, string path, PipelineOptions pipeline, Provenance provenance, string folder, CancellationToken ct)
    {
        var source = MediaSource.Open(path);
        var collector = new SkinCollector();
        SessionCompleted completed;
        await using (var session = await AnalysisSession.CreateAsync(models, source, new SessionOptions { Pipeline = pipeline, Voice = false, Provenance = provenance }, cancellationToken: ct))
        {
            completed = await session.RunAsync([collector], cancellationToken: ct);
        }

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

        return new SkinRun(completed.Summary.FramesAnalysed, results, completed.End, completed.Summary.Provenance, collector.CameraNotes);
    }

    /// <summary>
    /// Appends one input's single measured face to the subject's profile and returns the trends (null when not exactly one
    /// face was measured). A single input is recorded now, as before; several inputs at their capture times, so the
    /// profile keeps the order they were taken in.
    /// </summary>
    private static IReadOnlyList<SkinTrend>? AppendToProfile(SkinProfileStore store, string subjectId, SkinInput item, bool several, List<SkinJsonFace> measured)
    {
        if (measured.Count != 1)
        {
            Console.Error.WriteLine($"mien: {item.Name}: profile not updated: {measured.Count} measured faces, needs exactly one");
            return null;
        }

        // The same file stored twice counts twice in the subject's trends: say so rather than skew them quietly.
        if (store.Load(subjectId).Sessions.FirstOrDefault(s => s.Source == item.Name) is { } earlier)
        {
            Console.Error.WriteLine($"mien: warning: subject '{subjectId}' already has a session from {item.Name} (stored {earlier.Recorded:yyyy-MM-dd HH:mm} UTC); this one is stored as well and both count in the trends");
        }

        var recorded = several || item.FromExif ? item.CaptureTime : DateTimeOffset.UtcNow;
        return store.Append(subjectId, SkinSession.From(recorded, item.Name, measured[0].Summary)).Trends();
    }

    /// <summary>A sub-folder name for an input: its file name without extension, made unique with -2, -3, … when repeated.</summary>
    private static string UniqueFolder(HashSet<string> used, string name)
    {
        var stem = Path.GetFileNameWithoutExtension(name);
        stem = stem.Length == 0 ? "input" : stem;
        var candidate = stem;
        for (var k = 2; !used.Add(candidate); k++)
        {
            candidate = $"{stem}-{k}";
        }

        return candidate;
    }

    /// <summary>
    /// A flagged trend in words: "decreased by 13.85 (95 % interval of the change −13.85…−13.85)". The size is
    /// unsigned after the verb (it used to read "decreased by -13.85"); the interval keeps the sign of the change.
    /// </summary>
    internal static string Change(SkinTrend t) => string.Create(CultureInfo.InvariantCulture,
        $"{(t.Flag == ChangeFlag.Increase ? "increased" : "decreased")} by {Math.Abs(t.Difference):0.##} (95 % interval of the change {t.DifferenceLow:+0.##;-0.##;0}…{t.DifferenceHigh:+0.##;-0.##;0})");

    private static void PrintCombined(List<SkinJsonInput> entries, IReadOnlyList<SkinTrend>? trends, string folder)
    {
        var console = CliConsole.Out();
        var table = new Table().AddColumns("input", "taken", "faces measured", "status");
        foreach (var e in entries)
        {
            var taken = e.CaptureTime is { } t ? t.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + (e.CaptureTimeSource == "exif" ? " (EXIF)" : " (file)") : "–";
            table.AddRow(e.Input.EscapeMarkup(), taken, e.FacesMeasured.ToString(CultureInfo.InvariantCulture), (e.Reason is null ? e.Status : $"{e.Status}: {e.Reason}").EscapeMarkup());
        }

        console.Write(table);
        if (trends is not null)
        {
            foreach (var t in trends.Where(t => t.Flag is ChangeFlag.Increase or ChangeFlag.Decrease))
            {
                console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"combined: {SkinMetrics.Name(t.Metric)} {Change(t)} over {t.Sessions} inputs"));
            }
        }

        console.WriteLine($"→ {Path.Combine(folder, "skin-combined.json")}");
    }

    private static void Print(string spec, List<SkinJsonFace> results, IReadOnlyDictionary<int, string> cameraNotes, IReadOnlyList<SkinTrend>? trends, string folder)
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
                s.Category is { } category ? System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(category.ToString()) : "–",   // as skin.json writes it
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

        // A tone from the camera's colours is not colour-constant: say so beside the numbers.
        foreach (var r in results.Where(r => r.Summary.FramesUsed > r.Summary.EyeWhiteFrames))
        {
            var s = r.Summary;
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"face #{r.TrackId}: colours from the camera's white balance in {s.FramesUsed - s.EyeWhiteFrames} of {s.FramesUsed} frames ({cameraNotes.GetValueOrDefault(r.TrackId, "the whites of the eyes were not usable as a reference")}): a coloured light moves ITA° and MST there"));
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
                console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"profile: {SkinMetrics.Name(t.Metric)} {Change(t)} over {t.Sessions} sessions"));
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

        /// <summary>Per track, why the camera's colours were kept on its last usable frame that kept them.</summary>
        public Dictionary<int, string> CameraNotes { get; } = [];

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
                        else if (face.Skin?.Quality.Colour?.Note is { } note)
                        {
                            CameraNotes[face.TrackId] = note;
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
