using Mien.Affect;
using Mien.Results;
using Mien.Text.Transcripts;

namespace Mien.Text.Tests;

public sealed class AlignmentAndFusionTests(VaderFixture vader) : IClassFixture<VaderFixture>
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    private static Transcript Transcript(params (double Start, double End, string Text)[] cues) =>
        new("t.srt", "srt", [.. cues.Select((c, i) => new Utterance(i + 1, S(c.Start), S(c.End), c.Text, null, (i * 4) + 2))]);

    private static PresenceTimeline Presence(params (int Track, double From, double To)[] spans)
    {
        var p = new PresenceTimeline();
        foreach (var (track, from, to) in spans)
        {
            for (var t = from; t <= to + 1e-9; t += 0.04)
            {
                p.Observe(track, S(t));
            }
        }

        return p;
    }

    [Fact]
    public void Utterances_go_to_the_heard_speaker_else_the_only_visible_person_else_nobody()
    {
        var transcript = Transcript((1, 2, "I love this, it is wonderful"), (4, 5, "This is terrible"), (6, 7, "Fine, great"), (8, 9, "A great day"), (30, 31, "Good night"));
        var presence = Presence((1, 0, 10), (2, 5.5, 10));
        // Voice heard person 2 during the third utterance (6–7 s) while both were visible.
        List<SpeakerSpan> speech = [new(2, S(6.2), S(6.9)), new(null, S(8), S(9))];
        var problems = new List<string>();
        var aligned = UtteranceAligner.Align(transcript, vader.Analyzer, new TextAffectCue(), presence, speech, S(10), problems.Add);

        Assert.Equal(["only-person", "only-person", "voice", "several-people", "outside-media"], aligned.Select(a => a.Result.Attribution));
        Assert.Equal([1, 1, 2, null, null], aligned.Select(a => a.Result.TrackId));
        Assert.True(aligned[0].Result.Compound > 0.5 && aligned[1].Result.Compound < -0.4);
        Assert.Equal(vader.Analyzer.Score("This is terrible").Compound, aligned[1].Result.Compound, 4);

        // Only attributed utterances with sentiment become fusion cues; valence only (no arousal).
        Assert.NotNull(aligned[0].Cue);
        Assert.Null(aligned[3].Cue);
        Assert.Null(aligned[4].Cue);
        Assert.Equal(0, aligned[3].Result.Confidence);
        Assert.True(float.IsNaN(aligned[0].Cue!.Affect!.Value.Arousal));
        Assert.Equal(AffectSource.Text, aligned[0].Cue!.Source);
        var problem = Assert.Single(problems);
        Assert.Contains("1 of 5 utterances start after the media ends", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Nobody_visible_means_no_attribution_and_words_without_sentiment_give_no_cue()
    {
        var aligned = UtteranceAligner.Align(Transcript((1, 2, "the table is brown"), (12, 13, "great")), vader.Analyzer, new TextAffectCue(), Presence((1, 0, 5)), [], null);
        Assert.Equal("only-person", aligned[0].Result.Attribution);
        Assert.Null(aligned[0].Cue);
        Assert.Equal(0, aligned[0].Result.Confidence);
        Assert.Equal("no-person", aligned[1].Result.Attribution);
    }

    [Fact]
    public void The_cue_confidence_scales_with_the_share_of_sentiment_words()
    {
        var cue = new TextAffectCue(new TextAffectOptions { Weight = 0.5f });
        var strong = vader.Analyzer.Score("great wonderful love");
        var diluted = vader.Analyzer.Score("well the meeting was on tuesday and it was great");
        Assert.Equal(0.5f * (1 - (float)strong.Neutral), cue.Confidence(strong), 5);
        Assert.True(cue.Confidence(diluted) < cue.Confidence(strong));
        Assert.Throws<ArgumentException>(() => new TextAffectCue(new TextAffectOptions { Weight = 0 }));
    }

    [Fact]
    public void Text_joins_fusion_as_a_valence_only_source_with_its_weight_listed()
    {
        var face = new ModalityEstimate(AffectSource.Face, new ValenceArousal(-0.2f, 0.3f, 0.6f), null);
        var body = new ModalityEstimate(AffectSource.Body, new ValenceArousal(float.NaN, 0.5f, 0.2f), null);
        var text = new TextAffectCue().Estimate(vader.Analyzer.Score("I absolutely love it!"))!;
        var without = AffectFusion.Fuse(S(0), S(2), [face, body]);
        var with = AffectFusion.Fuse(S(0), S(2), [face, body, text]);

        // Arousal is untouched by text; valence moves towards the words' sentiment by the text's confidence share.
        Assert.Equal(without.Affect.Arousal, with.Affect.Arousal, 5);
        var c = text.Affect!.Value.Confidence;
        var expectedValence = ((0.6f * -0.2f) + (c * text.Affect.Value.Valence)) / (0.6f + c);
        Assert.Equal(expectedValence, with.Affect.Valence, 4);
        Assert.True(with.Affect.Valence > without.Affect.Valence);

        var weight = Assert.Single(with.Contributions, x => x.Source == AffectSource.Text).Weight;
        Assert.Equal(c / (0.6f + 0.2f + c), weight, 4);
        Assert.Equal(1f, with.Contributions.Sum(x => x.Weight), 4);
    }

    [Fact]
    public void In_windows_an_utterance_counts_by_how_much_of_the_window_it_covers()
    {
        var windows = new AffectWindows(S(2));
        for (var t = 0.0; t < 4; t += 0.1)
        {
            windows.Add(S(t), new ModalityEstimate(AffectSource.Face, new ValenceArousal(0, 0.1f, 0.8f), null));
        }

        var text = new ModalityEstimate(AffectSource.Text, new ValenceArousal(0.9f, float.NaN, 0.4f), null);
        windows.Add(S(1.5), S(2.5), text);
        var fused = windows.Flush(S(4), final: true);
        Assert.Equal(2, fused.Count);
        foreach (var f in fused)
        {
            var t = Assert.Single(f.Contributions, x => x.Source == AffectSource.Text);
            Assert.Equal(0.4f * 0.25f, t.Affect!.Value.Confidence, 4);
            Assert.True(f.Affect.Valence > 0);
            Assert.Equal(0.1f, f.Affect.Arousal, 4);
        }
    }
}
