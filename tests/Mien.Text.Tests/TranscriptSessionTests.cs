using System.Diagnostics;
using System.Text.Json;
using Json.Schema;
using Mien.Media;
using Mien.Models;
using Mien.Pipeline;
using Mien.Reports;
using Mien.Results;
using Mien.Sessions;
using Mien.Testing;
using Mien.Text.Transcripts;

namespace Mien.Text.Tests;

/// <summary>
/// A real video (the Pexels clip: one woman, 19.7 s) with a sidecar transcript, end to end through the session library:
/// the sidecar is found next to the video, parsed, placed on the timeline, written as utterance events that follow the
/// published schema, and joins fusion with a visible weight.
/// </summary>
public sealed class TranscriptSessionTests(RealModels models, VaderFixture vader) : IClassFixture<RealModels>, IClassFixture<VaderFixture>
{
    private const string Clip = "videos/WolfgangLanger_Pexels.mp4";

    private static readonly JsonSchema Schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(Repository.Root, "docs", "schema", "mien-results-1.schema.json")));

    private const string Sidecar = """
        WEBVTT

        00:00:01.000 --> 00:00:03.000
        <v Presenter>I absolutely love this, it is wonderful!

        00:00:05.000 --> 00:00:06.500
        The table is next to the window.

        00:00:09.000 --> 00:00:11.000
        This is awful. I hate it.

        00:00:40.000 --> 00:00:41.000
        Thanks for watching.
        """;

    [SharedDataFact(Clip)]
    public async Task A_video_with_a_sidecar_transcript_gets_scored_utterances_and_text_in_fusion()
    {
        var dir = Directory.CreateTempSubdirectory("mien-text-e2e-").FullName;
        try
        {
            var video = Path.Combine(dir, "clip.mp4");
            File.Copy(SharedData.Require(Clip), video);
            await File.WriteAllTextAsync(Path.Combine(dir, "clip.vtt"), Sidecar);

            var sidecar = TranscriptSources.FindSidecar(video);
            Assert.Equal(Path.Combine(dir, "clip.vtt"), sidecar);
            var transcript = SubtitleParser.Load(sidecar!);
            var updates = new List<AnalysisUpdate>();
            using var set = new ModelSet(models.Store);
            var options = new SessionOptions
            {
                Pipeline = new PipelineOptions { Body = false, Skin = false, Physiology = null },
                Voice = false,
                Transcript = new TranscriptOptions(transcript, vader.Analyzer),
            };
            SessionCompleted completed;
            await using (var session = await AnalysisSession.CreateAsync(set, MediaSource.Open(video), options))
            {
                using var jsonl = JsonlSink.Create(Path.Combine(dir, "faces.jsonl"), session.SourceName);
                completed = await session.RunAsync([jsonl, new Collect(updates)]);
                Assert.Contains("clip.vtt (vtt, 4 utterances)", session.Provenance.Settings["transcript"], StringComparison.Ordinal);
            }

            var person = Assert.Single(completed.Summary.Tracks).TrackId;
            var utterances = updates.OfType<UtteranceUpdate>().Select(u => u.Utterance).ToList();
            Assert.Equal(4, utterances.Count);
            Assert.Equal(["only-person", "only-person", "only-person", "outside-media"], utterances.Select(u => u.Attribution));
            Assert.Equal([person, person, person, null], utterances.Select(u => u.TrackId));
            Assert.Equal("Presenter", utterances[0].Speaker);
            Assert.True(utterances[0].Compound > 0.5, "positive words");
            Assert.Equal(0, utterances[1].Compound);
            Assert.Equal(0, utterances[1].Confidence);
            Assert.True(utterances[2].Compound < -0.5, "negative words");
            Assert.Contains(completed.Summary.Problems, p => p.Contains("1 of 4 utterances start after the media ends", StringComparison.Ordinal));

            // Fusion: the windows the emotional utterances cover list text with a weight; the others do not.
            var fused = updates.OfType<FusedUpdate>().Select(f => f.Fused.Affect).ToList();
            Assert.NotEmpty(fused);
            foreach (var f in fused)
            {
                var text = f.Contributions.SingleOrDefault(c => c.Source == AffectSource.Text);
                var covered = utterances.Take(3).Any(u => u.Confidence > 0 && u.Start < f.End && u.End > f.Start);
                Assert.Equal(covered, text is not null && text.Weight > 0);
            }

            var positive = fused.First(f => f.Start < utterances[0].End && f.End > utterances[0].Start);
            var face = positive.Contributions.Single(c => c.Source == AffectSource.Face).Affect!.Value;
            Assert.True(positive.Affect.Valence > face.Valence, "positive words pull fused valence above the face's");
            var negative = fused.First(f => f.Start < utterances[2].End && f.End > utterances[2].Start);
            Assert.True(negative.Affect.Valence < negative.Contributions.Single(c => c.Source == AffectSource.Face).Affect!.Value.Valence);

            // faces.jsonl: utterance events and fused windows with a "text" modality, all valid against the schema.
            var lines = await File.ReadAllLinesAsync(Path.Combine(dir, "faces.jsonl"));
            var events = lines.Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.GetProperty("type").GetString() == "event").ToList();
            Assert.Equal(4, events.Count(e => e.GetProperty("event").GetString() == "utterance"));
            Assert.Contains(events, e => e.GetProperty("event").GetString() == "fused-affect"
                && e.GetProperty("modalities").EnumerateArray().Any(m => m.GetProperty("modality").GetString() == "text" && m.GetProperty("arousal").ValueKind == JsonValueKind.Null));
            foreach (var e in events)
            {
                var result = Schema.Evaluate(e, new EvaluationOptions { OutputFormat = OutputFormat.List });
                Assert.True(result.IsValid, e.GetRawText());
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [SharedDataAndFfmpegFact("videos/single_face.mp4")]
    public async Task A_subtitle_track_inside_the_video_is_extracted_with_ffmpeg()
    {
        var dir = Directory.CreateTempSubdirectory("mien-text-track-").FullName;
        try
        {
            var srt = Path.Combine(dir, "subs.srt");
            await File.WriteAllTextAsync(srt, "1\n00:00:00,500 --> 00:00:01,500\nWhat a <i>lovely</i> day\n\n2\n00:00:02,000 --> 00:00:02,800\nNot good.\n");
            var muxed = Path.Combine(dir, "with-subs.mkv");
            var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", ["-nostdin", "-v", "error", "-i", SharedData.Require("videos/single_face.mp4"), "-i", srt, "-map", "0:v", "-map", "1", "-c", "copy", "-c:s", "srt", muxed]) { RedirectStandardError = true })!;
            await ffmpeg.WaitForExitAsync();
            Assert.True(ffmpeg.ExitCode == 0, await ffmpeg.StandardError.ReadToEndAsync());

            var transcript = await TranscriptSources.ExtractEmbeddedAsync(muxed);
            Assert.NotNull(transcript);
            Assert.Equal(["What a lovely day", "Not good."], transcript.Utterances.Select(u => u.Text));
            Assert.Equal(TimeSpan.FromSeconds(0.5), transcript.Utterances[0].Start);
            Assert.Equal(TimeSpan.FromSeconds(2.8), transcript.Utterances[1].End);
            Assert.Null(await TranscriptSources.ExtractEmbeddedAsync(muxed, track: 1));
            Assert.Null(await TranscriptSources.ExtractEmbeddedAsync(SharedData.Require("videos/single_face.mp4")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class Collect(List<AnalysisUpdate> updates) : IAnalysisSink
    {
        public void Write(AnalysisUpdate update) => updates.Add(update);
    }
}
