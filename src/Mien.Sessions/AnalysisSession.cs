using System.Globalization;
using Mien.Media;
using Mien.Media.Output;
using Mien.Models;
using Mien.Pipeline;
using Mien.Results;
using Mien.Skin;
using Mien.Voice;

namespace Mien.Sessions;

/// <summary>
/// Runs one source (file, folder, camera, stream or frames a client pushes) through the face pipeline, voice, fusion,
/// skin and thumbnails, and turns it into one ordered stream of <see cref="AnalysisUpdate"/>s for its sinks. Every
/// host (the CLI, the server, a cluster grain) runs analysis through this class, so the order rules live here once:
/// stages that must see the clean frame (thumbnails, skin overlays) run before anything draws on it; fused windows
/// are released as soon as no voice can arrive for them; a cancelled session still completes its outputs up to the
/// last complete frame. Single-threaded per session; models are shared process-wide through <see cref="ModelSet"/>.
/// </summary>
public sealed class AnalysisSession : IAsyncDisposable
{
    private readonly IFrameSource _source;
    private readonly SessionOptions _options;
    private readonly FaceAnalysisPipeline _pipeline;
    private readonly VoiceAnalyzer? _voice;
    private readonly AudioPushSource? _audio;
    private readonly TimeProvider _time;
    private readonly Provenance _provenance;
    private readonly List<string> _problems = [];
    private long _moreProblems;
    private SessionProgress _progress;

    private AnalysisSession(IFrameSource source, SessionOptions options, FaceAnalysisPipeline pipeline, VoiceAnalyzer? voice, AudioPushSource? audio, TimeProvider time, Provenance provenance)
    {
        _provenance = provenance;
        _source = source;
        _options = options;
        _pipeline = pipeline;
        _voice = voice;
        _audio = audio;
        _time = time;
        _progress = new SessionProgress(TimeSpan.Zero, source.Info.Duration, 0, 0, 0, TimeSpan.Zero);
    }

    /// <summary>
    /// Creates a session over <paramref name="source"/> (which the session then owns and disposes), with models from
    /// the process-wide <paramref name="models"/> and, for video files, the audio track analysed by <paramref name="voice"/>.
    /// </summary>
    public static Task<AnalysisSession> CreateAsync(
        ModelSet models, IFrameSource source, SessionOptions? options = null, VoiceAnalyzer? voice = null, TimeProvider? time = null, CancellationToken cancellationToken = default) =>
        CreateAsync(models, source, null, options, voice, time, cancellationToken);

    /// <summary>
    /// Creates a live session whose host also pushes audio into <paramref name="audio"/> (from any thread): the
    /// session analyses it with a stream of <paramref name="voice"/> between frames, emits speech as each segment
    /// closes, attributed to the visible speaker, and holds fused windows up to <see cref="LiveVoice.Hold"/> for it.
    /// </summary>
    public static Task<AnalysisSession> CreateAsync(
        ModelSet models, IFrameSource source, AudioPushSource audio, VoiceAnalyzer voice, SessionOptions? options = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentNullException.ThrowIfNull(voice);
        return CreateAsync(models, source, audio, options, voice, time, cancellationToken);
    }

    private static async Task<AnalysisSession> CreateAsync(
        ModelSet models, IFrameSource source, AudioPushSource? audio, SessionOptions? options, VoiceAnalyzer? voice, TimeProvider? time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(source);
        options ??= new SessionOptions();
        options.Validate();
        var still = IsStill(source);
        // A still is not a video: no next frame to confirm a face in, no temporal smoothing, action units against a
        // population neutral (PipelineOptions.Stills).
        var pipelineOptions = still ? options.Pipeline with { Stills = true } : options.Pipeline;
        if (source.IsLive && pipelineOptions.ForgetPeopleAfter is null)
        {
            // A live stream never ends: people who left a minute ago are forgotten, so state stays bounded.
            pipelineOptions = pipelineOptions with { ForgetPeopleAfter = TimeSpan.FromMinutes(1) };
        }
        if (options.AnnotatedOutput is not null || options.Pipeline.Skin)
        {
            // Drawing the mesh and the skin overlay need the landmarks even when the output leaves them out.
            pipelineOptions = pipelineOptions with { KeepLandmarks = true };
        }

        var pipeline = await FaceAnalysisPipeline.CreateAsync(models, pipelineOptions, cancellationToken).ConfigureAwait(false);
        time ??= TimeProvider.System;
        voice = options.Voice || audio is not null ? voice : null;
        var provenance = await ProvenanceAsync(models.Store, options, pipelineOptions, voice is not null, time, cancellationToken).ConfigureAwait(false);
        return new AnalysisSession(source, options, pipeline, voice, audio, time, provenance);
    }

    /// <summary>
    /// The host's provenance completed with what only the session knows: the settings that change results, every model
    /// the pipeline runs with the hash of its ONNX file (the store's import record: the models are loaded by now, so
    /// this reads a small file, never the network), and the start time.
    /// </summary>
    private static async Task<Provenance> ProvenanceAsync(
        ModelStore store, SessionOptions options, PipelineOptions pipeline, bool voice, TimeProvider time, CancellationToken cancellationToken)
    {
        var models = new List<ModelProvenance>();
        foreach (var id in pipeline.ModelIds)
        {
            var artifact = await store.EnsureAsync(id, cancellationToken: cancellationToken).ConfigureAwait(false);
            var package = store.Manifest.Packages[artifact.Model.Package];
            models.Add(new ModelProvenance(id, $"{package.Name}@{package.Version}", artifact.OnnxSha256));
        }

        if (pipeline.Expressions && pipeline.ExpressionModel is { } plugged)
        {
            // A plugged-in expression model comes from a file, not a package: its path and SHA-256 identify it.
            models.Add(new ModelProvenance(plugged.Model.Id, plugged.OnnxPath, plugged.OnnxSha256));
        }

        if (pipeline.Expressions && pipeline.ExpressionClassifier is { Source: { } source, Sha256: { } sha } custom)
        {
            // A host-built classifier (e.g. ckplus-geometry) is identified by its parameter file's hash.
            models.Add(new ModelProvenance(custom.Id, source, sha));
        }

        foreach (var member in pipeline.Expressions && pipeline.ExpressionEnsemble is { } ensemble ? ensemble.Members : [])
        {
            // Manifest members are already listed above; declared ones are identified by file and SHA-256.
            if (member.Spec is { } declared)
            {
                var artifact = declared.ToArtifact();
                models.Add(new ModelProvenance(artifact.Model.Id, artifact.OnnxPath, artifact.OnnxSha256));
            }
        }

        var c = CultureInfo.InvariantCulture;
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["detector"] = pipeline.Detector.Variant.ToString().ToLowerInvariant(),
            ["expressions"] = pipeline.Expressions ? "on" : "off",
            ["mirrorAveraging"] = pipeline.Expression.FlipAugmentation ? "on" : "off",
            ["affect"] = pipeline.Affect is null ? "off" : "on",
            ["body"] = pipeline.Body ? "on" : "off",
            ["skin"] = pipeline.Skin ? string.Create(c, $"every {pipeline.SkinInterval.TotalSeconds:0.###} s") : "off",
            ["voice"] = voice ? "on" : "off",
            ["stills"] = pipeline.Stills ? "on" : "off",
            ["landmarks"] = options.OutputLandmarks ? "on" : "off",
            ["anonymize"] = options.Anonymize ? "on" : "off",
            ["fusionWindow"] = string.Create(c, $"{options.FusionWindow.TotalSeconds:0.###} s"),
        };
        if (options.Transcript is { } transcript)
        {
            settings["transcript"] = string.Create(c, $"{transcript.Transcript.Source} ({transcript.Transcript.Format}, {transcript.Transcript.Utterances.Count} utterances); sentiment VADER, npm {Mien.Text.Sentiment.VaderPackage.Package}, lexicon SHA-256 {Mien.Text.Sentiment.VaderPackage.Sha256[..12]}…");
        }

        var host = options.Provenance ?? Provenance.ForCommand(null);
        foreach (var (key, value) in host.Settings)
        {
            settings[key] = value;
        }

        return host with { Settings = settings, Models = models, StartedUtc = time.GetUtcNow(), ExpressionModel = ExpressionProvenance.Of(pipeline) };
    }

    /// <summary>What is being analysed.</summary>
    public SourceInfo Source => _source.Info;

    /// <summary>
    /// The source's name as every output writes it (the <c>source</c> field of faces.jsonl and faces.csv, the summary):
    /// a file's or folder's name without its local path, a stream's URL without credentials, a camera's index.
    /// </summary>
    public string SourceName => DisplayName(_source.Info.Name);

    /// <summary>Where these results come from: build, settings, models with their hashes (the start time is set when the session runs).</summary>
    public Provenance Provenance => _provenance;

    /// <summary>The latest progress (updated after every frame; safe to read from any thread).</summary>
    public SessionProgress Progress => Volatile.Read(ref _progress);

    /// <summary>One photo, or a folder of unrelated photos: every frame stands alone.</summary>
    private static bool IsStill(IFrameSource source) => source.Info.Kind is "image" or "images";

    private bool IsRecording => _source.Info.Kind == "video";

    /// <summary>
    /// Reads the source to its end (or until <paramref name="cancellationToken"/> fires), writing every update to
    /// every sink in order, and returns the final update. Cancellation is not an error: the outputs are completed
    /// up to the last complete frame and the result says <see cref="SessionEnd.Interrupted"/>. A source that cannot
    /// be read at all throws <see cref="MediaException"/>.
    /// </summary>
    /// <param name="sinks">Where every update goes, in this order.</param>
    /// <param name="progress">Called after every analysed frame (on the session's thread; keep it cheap), or null.</param>
    /// <param name="cancellationToken">Stops reading; what was read is completed.</param>
    public async Task<SessionCompleted> RunAsync(IReadOnlyList<IAnalysisSink> sinks, Action<SessionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        var started = _time.GetTimestamp();
        var startedUtc = _time.GetUtcNow();
        var emit = new Emitter(sinks);
        var still = IsStill(_source);
        var moments = new KeyMomentCollector(_options.Anonymize);
        var overlays = new SkinOverlays(_options.Anonymize);
        var fusion = new FusionCollector(_options.FusionWindow);
        var mouths = new Dictionary<int, List<(TimeSpan T, float MouthOpening)>>();
        var transcript = _options.Transcript is { } transcriptOptions && IsRecording ? new TranscriptCollector(transcriptOptions) : null;

        // Recordings only: the offline path and speaker attribution keep per-frame data until the end, which a live
        // stream never reaches.
        var paths = _options.Pipeline.Affect is { } affect && IsRecording ? new PathCollector(affect.Hmm) : null;

        // The audio track is decoded and analysed on the second core while the frames are analysed on this one.
        var voiceTask = _voice is { } voice && IsRecording && File.Exists(_source.Info.Name)
            ? Task.Run(() => voice.AnalyzeFile(_source.Info.Name), CancellationToken.None)
            : null;

        // Live audio pushed by the host: analysed between frames on this thread.
        using var liveVoice = _audio is not null && _voice is not null ? new LiveVoice(_voice, _audio) : null;
        using var annotated = _options.AnnotatedOutput is { } folder ? new AnnotatedOutput(folder, _source, _options.Anonymize, still) : null;
        long read = 0, analysed = 0;
        var last = TimeSpan.Zero;
        var end = SessionEnd.Completed;
        try
        {
            await foreach (var frame in _source.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                using (frame)
                {
                    read++;
                    if (!frame.Independent && _source.Info.Width > 0 && (frame.Image.Width != _source.Info.Width || frame.Image.Height != _source.Info.Height))
                    {
                        Problem($"frame {frame.Index}: size changed to {frame.Image.Width}x{frame.Image.Height}; skipped");
                        continue;
                    }

                    last = frame.Timestamp;
                    var analysis = _pipeline.Analyze(frame);
                    analysed++;
                    _summaries.Add(analysis);

                    // Stages that keep pixels read the clean frame first: nothing has been drawn on it yet.
                    moments.Observe(frame.Image, analysis);
                    overlays.Observe(frame.Image, analysis);

                    foreach (var e in _pipeline.DrainEvents())
                    {
                        emit.Write(new TrackUpdate(e));
                        if (e.Kind == TrackEventKind.Ended)
                        {
                            annotated?.Forget(e.TrackId);
                        }
                    }

                    foreach (var segment in _pipeline.DrainSegments())
                    {
                        emit.Write(new SegmentUpdate(segment));
                    }

                    emit.Write(new FrameUpdate(_options.OutputLandmarks ? analysis : WithoutLandmarks(analysis)));
                    fusion.Observe(analysis);
                    transcript?.Observe(analysis);
                    if (voiceTask is not null)
                    {
                        CollectMouths(analysis, mouths);
                    }
                    else if (transcript is null)
                    {
                        // With a transcript fusion waits for the end, as with voice: the utterances are placed then.
                        // Fuse finished windows now, so a long live stream stays bounded; with live audio, a window
                        // waits (a bounded time) for speech that has not closed yet.
                        var flushTo = frame.Timestamp;
                        if (liveVoice is not null)
                        {
                            liveVoice.Observe(analysis);
                            liveVoice.Drain(emit.Write, fusion, Problem);
                            flushTo = liveVoice.FlushPoint(frame.Timestamp);
                        }

                        foreach (var f in fusion.FlushReady(flushTo))
                        {
                            emit.Write(new FusedUpdate(f));
                        }
                    }

                    paths?.Observe(analysis);

                    // Last: drawing changes the frame.
                    annotated?.Render(frame.Image, analysis, _source.Info.Kind == "images" ? frame.Name : null);
                    Report(last, read, analysed, started, progress);
                }
            }
        }
        catch (MediaException e) when (analysed > 0)
        {
            // The results so far are valid; the source broke (truncated file, stream gone).
            Problem(e.Message);
            end = SessionEnd.Stopped;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Problem(string.Create(CultureInfo.InvariantCulture, $"interrupted after {analysed} frames; results up to t = {last.TotalSeconds:F1} s are complete"));
            end = SessionEnd.Interrupted;
        }

        if (_source.StopReason is { } reason)
        {
            Problem(reason);
            end = end == SessionEnd.Completed ? SessionEnd.Stopped : end;
        }

        if (_source is PushFrameSource push)
        {
            foreach (var p in push.RecentProblems)
            {
                Problem("a pushed frame was skipped: " + p);
            }
        }

        // End of stream: close every track and segment, then what needs the whole session.
        _pipeline.Complete(last);
        foreach (var e in _pipeline.DrainEvents())
        {
            emit.Write(new TrackUpdate(e));
        }

        foreach (var segment in _pipeline.DrainSegments())
        {
            emit.Write(new SegmentUpdate(segment));
        }

        EmitSkin(emit, overlays);
        var speech = new List<Mien.Text.Transcripts.SpeakerSpan>();
        var voiceNote = liveVoice is not null ? liveVoice.Complete(emit.Write, fusion, Problem) : await EmitVoiceAsync(emit, voiceTask, mouths, fusion, speech).ConfigureAwait(false);
        transcript?.Complete(emit.Write, fusion, speech, end == SessionEnd.Completed && _source.Info.Duration is { } duration && duration > last ? duration : last, Problem);
        foreach (var f in fusion.Complete(last))
        {
            emit.Write(new FusedUpdate(f));
        }

        foreach (var run in paths?.Complete() ?? [])
        {
            emit.Write(new PathUpdate(run));
        }

        foreach (var moment in moments.Moments)
        {
            emit.Write(new KeyMomentUpdate(moment));
        }

        if (annotated?.Close() is { } videoProblem)
        {
            Problem(videoProblem);
        }

        if (_moreProblems > 0)
        {
            _problems.Add(string.Create(CultureInfo.InvariantCulture, $"… and {_moreProblems} more problems"));
        }

        var summary = new AnalysisSummary(
            _source.Info with { Name = DisplayName(_source.Info.Name) }, read, analysed, _source.Dropped, _time.GetElapsedTime(started),
            _summaries.Build(), _pipeline.Timings, _options.Anonymize, [.. _problems])
        {
            Provenance = _provenance with { StartedUtc = startedUtc },
        };
        var completed = new SessionCompleted(summary, end, voiceNote);
        emit.Write(completed);
        return completed;
    }

    private readonly TrackSummaryBuilder _summaries = new();

    private void Report(TimeSpan position, long read, long analysed, long started, Action<SessionProgress>? callback)
    {
        var progress = new SessionProgress(position, _source.Info.Duration, read, analysed, _source.Dropped, _time.GetElapsedTime(started));
        Volatile.Write(ref _progress, progress);
        callback?.Invoke(progress);
    }

    /// <summary>Sinks get the full results except the 478 landmarks, unless the session was asked to keep them.</summary>
    private static FrameAnalysis WithoutLandmarks(FrameAnalysis analysis)
    {
        if (analysis.Faces.Count == 0 || analysis.Faces.All(f => f.Landmarks is null))
        {
            return analysis;
        }

        var faces = new FaceObservation[analysis.Faces.Count];
        for (var i = 0; i < faces.Length; i++)
        {
            faces[i] = analysis.Faces[i] with { Landmarks = null };
        }

        return analysis with { Faces = faces };
    }

    /// <summary>
    /// The name results show: a URL or camera as given, a local file or folder by its name only (a report is shared;
    /// the full local path is not the reader's business).
    /// </summary>
    /// <summary>
    /// The source as outputs name it: a file's or folder's name, never its local path; a stream's URL without
    /// credentials; a camera's index.
    /// </summary>
    private static string DisplayName(string name)
    {
        if (File.Exists(name) || Directory.Exists(name))
        {
            return Path.GetFileName(Path.TrimEndingDirectorySeparator(name));
        }

        return Uri.TryCreate(name, UriKind.Absolute, out var uri) && !uri.IsFile && uri.UserInfo.Length > 0
            ? new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString()
            : name;
    }

    private void Problem(string message)
    {
        if (_problems.Count < _options.MaxProblems)
        {
            _problems.Add(message);
        }
        else
        {
            _moreProblems++;
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

    /// <summary>Skin per person; appends the session to the subject's profile when asked.</summary>
    private void EmitSkin(Emitter emit, SkinOverlays overlays)
    {
        var summaries = _pipeline.SkinSummaries();
        // The subject is the person with the most usable skin frames (one person per input is expected).
        var subjectTrack = summaries.Where(s => s.Value.FramesUsed > 0).OrderByDescending(s => s.Value.FramesUsed).Select(s => (int?)s.Key).FirstOrDefault();
        foreach (var (id, summary) in summaries)
        {
            SkinProfile? profile = null;
            if (_options.SkinProfiles is { } store && _options.SubjectId is { } subject && id == subjectTrack)
            {
                profile = store.Append(subject, SkinSession.From(_time.GetUtcNow(), DisplayName(_source.Info.Name), summary));
            }

            emit.Write(new SkinUpdate(id, summary, overlays.Jpeg(id), SkinRecommendations.For(summary), profile));
        }
    }

    /// <summary>
    /// Waits for the audio analysis, attributes each speech segment to the visible person whose mouth moves with the
    /// sound, emits speech updates and feeds attributed voice estimates to fusion. A broken audio track is a problem
    /// of the session, not a reason to lose the video's results. Returns why there is no voice analysis, if so.
    /// </summary>
    private async Task<string?> EmitVoiceAsync(Emitter emit, Task<VoiceAnalysis>? task, Dictionary<int, List<(TimeSpan T, float MouthOpening)>> mouths, FusionCollector fusion, List<Mien.Text.Transcripts.SpeakerSpan> speech)
    {
        if (task is null)
        {
            return null;
        }

        VoiceAnalysis analysis;
        try
        {
            analysis = await task.ConfigureAwait(false);
        }
        catch (AudioException e)
        {
            Problem(e.Message);
            return "the audio track could not be read: " + e.Message;
        }

        if (!analysis.HasAudio || analysis.Envelope is null)
        {
            return "the file has no audio track";
        }

        var series = mouths.ToDictionary(m => m.Key, m => (IReadOnlyList<(TimeSpan T, float MouthOpening)>)m.Value);
        var matches = SpeakerAttribution.Attribute([.. analysis.Segments.Select(s => s.Segment)], analysis.Envelope, series);
        var attributed = 0;
        for (var i = 0; i < analysis.Segments.Count; i++)
        {
            var (segment, _, affect) = analysis.Segments[i];
            var match = matches[i];
            emit.Write(new SpeechUpdate(LiveVoice.ToResult(analysis.Segments[i], match)));
            speech.Add(new Mien.Text.Transcripts.SpeakerSpan(match.TrackId, segment.Start, segment.End));
            if (match.TrackId is { } track)
            {
                attributed++;
                fusion.AddVoice(track, segment.Start, segment.End, new ValenceArousal(affect.Valence, affect.Arousal, affect.Confidence));
            }
        }

        var count = analysis.Segments.Count;
        return count == 0 ? "no speech was detected in the audio track"
            : attributed < count ? $"{count - attributed} of {count} speech segments could not be attributed to a visible face"
            : null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _pipeline.Dispose();
        await _source.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Writes each update to every sink, in the order the sinks were given.</summary>
    private sealed class Emitter(IReadOnlyList<IAnalysisSink> sinks)
    {
        public void Write(AnalysisUpdate update)
        {
            foreach (var sink in sinks)
            {
                sink.Write(update);
            }
        }
    }
}
