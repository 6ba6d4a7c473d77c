using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mien.Text.Sentiment;
using Mien.Text.Transcripts;

namespace Mien.Cli.Commands;

/// <summary>
/// `mien text "a sentence" | transcript.srt|.vtt [--json]`: VADER sentiment of a sentence, or of every utterance of a
/// transcript. The lexicon (npm vader-sentiment 1.1.3) is fetched once through the verified package store. Exit codes:
/// 0 done; 2 bad options; 3 unreadable or malformed transcript (the message names the line); 4 the lexicon could not be fetched.
/// </summary>
internal static class TextCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static Command Create()
    {
        var input = new Argument<string>("text-or-file") { Description = "A sentence in quotes, or an .srt / .vtt transcript file." };
        var json = new Option<bool>("--json") { Description = "Print the scores as JSON." };
        var offline = new Option<bool>("--offline") { Description = "Use the cached lexicon only." };
        var command = new Command("text", "Sentiment of a sentence or of each utterance of a transcript (VADER: neg/neu/pos/compound; what the words express, not what anyone feels).")
        {
            input, json, offline,
        };
        command.SetAction(async (parse, ct) =>
        {
            var value = parse.GetValue(input) ?? "";
            using var store = CliStore.Open(parse.GetValue(offline));
            var analyzer = await VaderPackage.CreateAnalyzerAsync(store.Packages, cancellationToken: ct);
            var isFile = Path.GetExtension(value).ToLowerInvariant() is ".srt" or ".vtt" && !value.Contains('\n', StringComparison.Ordinal);
            if (!isFile)
            {
                var scores = analyzer.Score(value);
                if (parse.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(new { text = value, sentiment = Scores(scores), polarity = scores.Polarity }, Json));
                }
                else
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"compound {scores.Compound:+0.0000;-0.0000;0.0000} ({scores.Polarity}), neg {scores.Negative:0.000}, neu {scores.Neutral:0.000}, pos {scores.Positive:0.000}"));
                }

                return ExitCodes.Ok;
            }

            var transcript = SubtitleParser.Load(value);
            var rows = transcript.Utterances.Select(u => (u, s: analyzer.Score(u.Text))).ToList();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    source = transcript.Source,
                    format = transcript.Format,
                    utterances = rows.Select(r => new { index = r.u.Index, start = r.u.Start.TotalSeconds, end = r.u.End.TotalSeconds, speaker = r.u.Speaker, text = r.u.Text, sentiment = Scores(r.s) }),
                }, Json));
                return ExitCodes.Ok;
            }

            foreach (var (u, s) in rows)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{u.Start.TotalSeconds,8:F2}–{u.End.TotalSeconds:F2} s  {s.Compound,7:+0.0000;-0.0000;0.0000}  {(u.Speaker is null ? "" : u.Speaker + ": ")}{u.Text}"));
            }

            var mean = rows.Count == 0 ? 0 : rows.Average(r => r.s.Compound);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{transcript.Source}: {rows.Count} utterances, mean compound {mean:+0.000;-0.000;0.000} ({rows.Count(r => r.s.Polarity == "positive")} positive, {rows.Count(r => r.s.Polarity == "negative")} negative)"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static object Scores(SentimentScores s) => new { neg = s.Negative, neu = s.Neutral, pos = s.Positive, compound = s.Compound };
}
