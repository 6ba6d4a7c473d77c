using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mien.Evaluation;
using Mien.Voice;

namespace Mien.Cli.Commands;

/// <summary>
/// `mien voice &lt;inputs…&gt; [--json]`: speech segments with prosody and arousal/valence from the audio of WAV, MP3,
/// FLAC or video files (several files or folders, each on its own, as `mien analyze` takes them). `mien voice eval [--ravdess DIR] [--emodb DIR]`: scores the shipped arousal/valence rule on
/// labelled emotional-speech sets. Exit codes: 0 done (also for a video without sound, which is reported); 2 bad
/// options; 3 unreadable, corrupt or still-image input, or no data set found; 4 the VAD model could not be fetched.
/// </summary>
internal static class VoiceCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static Command Create()
    {
        var input = new Argument<string[]>("inputs") { Description = "Audio files (WAV, MP3, FLAC, …), videos whose audio track is analysed, or folders of them (each file on its own).", Arity = ArgumentArity.ZeroOrMore };
        var json = new Option<bool>("--json") { Description = "Print the analysis as JSON (a JSON array, one object per file, when several files are given)." };
        var offline = new Option<bool>("--offline") { Description = "Use the cached VAD model only." };
        var command = new Command("voice", "Voice activity, prosody (F0, energy, rate, jitter, shimmer, tilt, MFCC) and arousal/valence per speech segment.")
        {
            input, json, offline, CreateEval(offline),
        };
        command.SetAction(async (parse, ct) =>
        {
            var specs = parse.GetValue(input) ?? [];
            if (specs.Length == 0)
            {
                throw new InvalidOptionException("mien voice needs a file (or the `eval` subcommand).");
            }

            // Like `mien analyze`: several files and folders, each analysed on its own; a bad one is reported and the
            // others still analysed; the highest exit code wins.
            var files = new List<string>();
            var code = ExitCodes.Ok;
            foreach (var spec in specs)
            {
                if (Directory.Exists(spec))
                {
                    var inFolder = Directory.EnumerateFiles(spec).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToList();
                    if (inFolder.Count == 0)
                    {
                        code = Report(new InputException($"{spec}: the folder has no files"), specs.Length, code);
                    }

                    files.AddRange(inFolder);
                }
                else
                {
                    files.Add(spec);
                }
            }

            var several = files.Count > 1 || specs.Any(Directory.Exists);
            using var store = CliStore.Open(parse.GetValue(offline));
            using var analyzer = await VoiceAnalyzer.CreateAsync(store.Packages, cancellationToken: ct);
            var documents = new List<object>();
            foreach (var path in files)
            {
                ct.ThrowIfCancellationRequested();
                try
                {
                    var (analysis, seconds) = await AnalyzeAsync(analyzer, path);
                    if (parse.GetValue(json))
                    {
                        documents.Add(ToJson(analysis));
                    }
                    else
                    {
                        Print(analysis, seconds);
                    }
                }
                catch (InputException e) when (several)
                {
                    code = Report(e, files.Count, code);
                }
            }

            if (parse.GetValue(json) && documents.Count > 0)
            {
                Console.WriteLine(JsonSerializer.Serialize(several ? documents : documents[0], Json));
            }

            if (documents.Count == 0 && code != ExitCodes.Ok && parse.GetValue(json))
            {
                throw new InputException("no file could be analysed (see the lines above)");
            }

            return code;
        });
        return command;
    }

    /// <summary>One file's analysis and the seconds it took; a still image or an unreadable file is bad input naming it.</summary>
    private static async Task<(VoiceAnalysis Analysis, double Seconds)> AnalyzeAsync(VoiceAnalyzer analyzer, string path)
    {
        if (!File.Exists(path))
        {
            throw new InputException($"{path}: no such file");
        }

        var watch = Stopwatch.StartNew();
        var analysis = Guard(() => analyzer.AnalyzeFile(path));
        var seconds = watch.Elapsed.TotalSeconds;
        if (!analysis.HasAudio && await IsStillImageAsync(path))
        {
            throw new InputException($"{path}: a still image has no sound; give an audio file or a video with an audio track");
        }

        return (analysis, seconds);
    }

    /// <summary>Prints a skipped input's line and returns the exit code so far.</summary>
    private static int Report(InputException e, int inputs, int code)
    {
        Console.Error.WriteLine($"mien: {e.Message}{(inputs > 1 ? " (skipped)" : "")}");
        return Math.Max(code, ExitCodes.BadInput);
    }

    private static Command CreateEval(Option<bool> offline)
    {
        var ravdess = new Option<string?>("--ravdess") { Description = "RAVDESS folder with labels.csv (default ../shared/data/audio/ravdess_dev when present)." };
        var emodb = new Option<string?>("--emodb") { Description = "EmoDB folder with labels.csv (default ../shared/data/audio/emodb_dev when present)." };
        var command = new Command("eval", "Score the arousal/valence rule on labelled emotional speech: high-vs-low arousal and 4-class accuracy with confusion matrices.")
        {
            ravdess, emodb,
        };
        command.SetAction(async (parse, ct) =>
        {
            var sets = new List<(string Name, string Dir)>();
            foreach (var (name, option, fallback) in new[] { ("RAVDESS", ravdess, "ravdess_dev"), ("EmoDB", emodb, "emodb_dev") })
            {
                var dir = parse.GetValue(option) ?? Path.Combine("..", "shared", "data", "audio", fallback);
                if (File.Exists(Path.Combine(dir, "labels.csv")))
                {
                    sets.Add((name, dir));
                }
                else if (parse.GetValue(option) is not null)
                {
                    throw new InputException($"{dir}: no labels.csv (expected columns file,label and speaker or actor)");
                }
            }

            if (sets.Count == 0)
            {
                throw new InputException("no evaluation set: pass --ravdess DIR and/or --emodb DIR (folders with labels.csv).");
            }

            using var store = CliStore.Open(parse.GetValue(offline));
            using var analyzer = await VoiceAnalyzer.CreateAsync(store.Packages, cancellationToken: ct);
            foreach (var (name, dir) in sets)
            {
                var watch = Stopwatch.StartNew();
                var utterances = Guard(() => VoiceEvaluation.Run(dir, analyzer, cancellationToken: ct));
                var compute = watch.Elapsed.TotalSeconds;
                var audio = utterances.Sum(u => u.Prosody.Duration.TotalSeconds);
                Report(name, dir, utterances, compute, audio);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Whether <paramref name="path"/> is a still image (no audio by nature, unlike a silent video).</summary>
    private static async Task<bool> IsStillImageAsync(string path)
    {
        try
        {
            await using var source = Mien.Media.MediaSource.Open(path);
            return source.Info.Kind == "image";
        }
        catch (Mien.Media.MediaException)
        {
            return false;
        }
    }

    /// <summary>What the file's arousal/valence are relative to, in words.</summary>
    internal static string BaselineNote(VoiceAnalysis a)
    {
        var voiced = a.Segments.Sum(s => s.Prosody.VoicedSeconds);
        var kind = a.Segments.Count > 0 ? a.Segments[^1].Affect.Baseline : VoiceBaselineKind.PopulationPrior;
        return kind == VoiceBaselineKind.Speaker
            ? string.Create(CultureInfo.InvariantCulture, $"Arousal/valence are relative to this speaker's own baseline ({a.Segments.Count} segments, {voiced:F0} s voiced): 0 = their usual level.")
            : string.Create(CultureInfo.InvariantCulture,
                $"Arousal/valence are relative to a population prior (acted development speech), not to this speaker: {a.Segments.Count} segment(s), {voiced:F1} s voiced; a speaker's own baseline needs {SpeakerBaseline.ReadySegments} segments and {SpeakerBaseline.ReadyVoiced.TotalSeconds:F0} s of voiced speech. Loudness and pitch level count only against this recording's own speech, so recording gain and a naturally high or low voice do not read as arousal. Treat single-file values as weak.");
    }

    private static T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (AudioException e)
        {
            throw new InputException(e.Message);
        }
    }

    private static void Report(string name, string dir, IReadOnlyList<LabelledUtterance> u, double compute, double speech)
    {
        var w = Console.Out;
        var speakers = u.Select(x => x.Speaker).Distinct().Count();
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"== {name} ({dir}): {u.Count} utterances, {speakers} speaker(s), {speech:F1} s of speech analysed in {compute:F2} s (VAD + prosody, incl. decoding)"));
        string[] arousalLabels = ["high", "low"];
        int? Arousal(bool? high) => high is null ? null : high.Value ? 0 : 1;
        var binaryItems = u.Where(x => VoiceEvaluation.IsHighArousal(x.Label) is not null).ToList();
        foreach (var (mode, pick) in new (string, Func<LabelledUtterance, VoiceAffect>)[] { ("online baseline", x => x.Online), ("speaker-calibrated", x => x.Calibrated) })
        {
            var binary = ConfusionMatrix.From(arousalLabels, binaryItems.Select(x => (Arousal(VoiceEvaluation.IsHighArousal(x.Label))!.Value, Arousal(pick(x).Arousal > 0))));
            MetricsText.Write(w, MetricsReport.From(binary, null), $"{name}: high vs low arousal, shipped rule, {mode} (disgust excluded)");
            var four = ConfusionMatrix.From(VoiceEvaluation.FourClasses, u.Where(x => VoiceEvaluation.FourClasses.Contains(x.Label))
                .Select(x => (Index(VoiceEvaluation.FourClasses, x.Label), (int?)Index(VoiceEvaluation.FourClasses, VoiceEvaluation.Nearest(pick(x))))));
            MetricsText.Write(w, MetricsReport.From(four, null), $"{name}: 4-class, shipped rule (nearest arousal/valence prototype), {mode}");
        }

        var by = speakers > 1 ? "leave-one-speaker-out" : "leave-one-sentence-out";
        var cvFour = VoiceEvaluation.CrossValidate(u, VoiceEvaluation.FourClasses);
        var fourCv = ConfusionMatrix.From(VoiceEvaluation.FourClasses, u.Select((x, i) => (x, i)).Where(p => VoiceEvaluation.FourClasses.Contains(p.x.Label))
            .Select(p => (Index(VoiceEvaluation.FourClasses, p.x.Label), cvFour[p.i] is { } c ? (int?)Index(VoiceEvaluation.FourClasses, c) : null)));
        MetricsText.Write(w, MetricsReport.From(fourCv, null), $"{name}: 4-class, NOT SHIPPED nearest-centroid on speaker-z-scored features, {by}");
        var cvBinary = VoiceEvaluation.CrossValidate(u, arousalLabels, l => VoiceEvaluation.IsHighArousal(l) is { } h ? (h ? "high" : "low") : null);
        var binaryCv = ConfusionMatrix.From(arousalLabels, u.Select((x, i) => (x, i)).Where(p => VoiceEvaluation.IsHighArousal(p.x.Label) is not null)
            .Select(p => (Arousal(VoiceEvaluation.IsHighArousal(p.x.Label))!.Value, cvBinary[p.i] is { } c ? (int?)Index(arousalLabels, c) : null)));
        MetricsText.Write(w, MetricsReport.From(binaryCv, null), $"{name}: high vs low arousal, NOT SHIPPED nearest-centroid, {by}");
    }

    private static int Index(IReadOnlyList<string> labels, string label)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] == label)
            {
                return i;
            }
        }

        throw new ArgumentException($"unknown label {label}");
    }

    private static void Print(VoiceAnalysis a, double seconds)
    {
        var w = Console.Out;
        if (!a.HasAudio)
        {
            w.WriteLine($"{a.Source}: no audio track.");
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        w.WriteLine(string.Create(inv, $"{a.Source}: {a.Duration.TotalSeconds:F2} s, {a.OriginalSampleRate} Hz × {a.OriginalChannels} ch; {a.Segments.Count} speech segment(s), {a.SpeechTime.TotalSeconds:F1} s of speech; analysed in {seconds:F2} s"));
        if (a.Segments.Count == 0)
        {
            return;
        }

        w.WriteLine("   start     end  F0 Hz  range st  dBFS  syll/s  jitter%  shimmer%  HNR dB  alpha dB  arousal  valence  conf");
        foreach (var s in a.Segments)
        {
            var p = s.Prosody;
            w.WriteLine(string.Create(inv, $"{s.Segment.Start.TotalSeconds,8:F2}{s.Segment.End.TotalSeconds,8:F2}{p.F0MeanHz,7:F0}{p.F0RangeSemitones,10:F1}{p.LoudnessMeanDb,6:F0}{p.SpeakingRate,8:F1}{p.JitterPercent,9:F2}{p.ShimmerPercent,10:F1}{p.HnrDb,8:F1}{p.AlphaRatioDb,10:F1}{s.Affect.Arousal,9:F2}{s.Affect.Valence,9:F2}{s.Affect.Confidence,6:F2}"));
        }

        w.WriteLine(BaselineNote(a));
        w.WriteLine("Valence from voice is weak (its confidence is 0.3 × conf).");
    }

    private static object ToJson(VoiceAnalysis a) => new
    {
        source = a.Source,
        hasAudio = a.HasAudio,
        durationSeconds = a.Duration.TotalSeconds,
        originalSampleRate = a.OriginalSampleRate,
        originalChannels = a.OriginalChannels,
        speechSeconds = a.SpeechTime.TotalSeconds,
        voicedSeconds = a.Segments.Sum(s => s.Prosody.VoicedSeconds),
        baseline = a.Segments.Count > 0 && a.Segments[^1].Affect.Baseline == VoiceBaselineKind.Speaker ? "speaker" : "population-prior",
        baselineNote = BaselineNote(a),
        segments = a.Segments.Select(s => new
        {
            start = s.Segment.Start.TotalSeconds,
            end = s.Segment.End.TotalSeconds,
            prosody = s.Prosody,
            affect = new { s.Affect.Arousal, s.Affect.Valence, s.Affect.Confidence, s.Affect.ValenceConfidence, baseline = s.Affect.Baseline == VoiceBaselineKind.Speaker ? "speaker" : "population-prior" },
        }),
    };
}
