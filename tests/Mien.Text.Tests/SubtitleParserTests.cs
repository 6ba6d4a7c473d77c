using Mien.Failures;
using Mien.Text.Transcripts;

namespace Mien.Text.Tests;

public sealed class SubtitleParserTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void An_srt_file_gives_its_cues_in_time_order_with_markup_removed()
    {
        const string srt = "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>Hello</i> there,\r\n{\\an8}my <font color=\"red\">friend</font> &amp; you\r\n\r\n"
            + "2\r\n00:00:03,250 --> 00:00:04,000 X1:10 X2:20\r\nSecond.\r\n\r\n\r\n"
            + "3\r\n01:02:03.5 --> 01:02:04,07\r\nDot and short milliseconds\r\n";
        var t = SubtitleParser.ParseSrt(srt, "clip.srt");
        Assert.Equal("srt", t.Format);
        Assert.Equal(3, t.Utterances.Count);
        Assert.Equal(new Utterance(1, S(1), S(2.5), "Hello there, my friend & you", null, 2), t.Utterances[0]);
        Assert.Equal("Second.", t.Utterances[1].Text);
        Assert.Equal(S(3.25), t.Utterances[1].Start);
        Assert.Equal(S((3600 + 120 + 3) + 0.5), t.Utterances[2].Start);
        Assert.Equal(S((3600 + 120 + 4) + 0.07), t.Utterances[2].End);
    }

    [Fact]
    public void Srt_cues_out_of_order_without_numbers_or_blank_lines_are_still_read()
    {
        const string srt = "00:00:05,000 --> 00:00:06,000\nlater\n7\n00:00:01,000 --> 00:00:02,000\nearlier\n";
        var t = SubtitleParser.ParseSrt(srt, "x.srt");
        Assert.Equal(["earlier", "later"], t.Utterances.Select(u => u.Text));
        Assert.Equal([1, 2], t.Utterances.Select(u => u.Index));
        Assert.Equal(4, t.Utterances[0].Line);
    }

    [Theory]
    [InlineData("1\n00:00:01,000 -> 00:00:02,000\nhi\n", 2, "expected a cue timing")]
    [InlineData("1\n00:00:01,000 --> 00:00:02\nhi\n", 2, "malformed time '00:00:02'")]
    [InlineData("1\n00:00:01,000 --> 00:00:02,000\nhi\n\nstray text\n", 5, "expected a cue timing")]
    [InlineData("1\n00:00:05,000 --> 00:00:02,000\nhi\n", 2, "ends (2 s) before it starts (5 s)")]
    [InlineData("1\n00:61:00,000 --> 01:02:00,000\nhi\n", 2, "minutes ≥ 60")]
    [InlineData("1\n00:00:01,000 --> 00:00:02,000\nhi\n\n2\n00:00:03,000 --> 00:00:75,000\nho\n", 6, "seconds ≥ 60")]
    public void Malformed_srt_fails_with_the_line_and_the_problem(string srt, int line, string problem)
    {
        var e = Assert.Throws<TranscriptFormatException>(() => SubtitleParser.ParseSrt(srt, "bad.srt"));
        Assert.Equal(line, e.Line);
        Assert.StartsWith($"bad.srt line {line}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<InputException>(e);
    }

    [Fact]
    public void A_webvtt_file_skips_notes_styles_and_regions_and_reads_voices_and_settings()
    {
        const string vtt = "WEBVTT - with a title\nKind: captions\n\nNOTE a comment\nspanning lines\n\nSTYLE\n::cue { color: red }\n\n"
            + "intro\n00:01.000 --> 00:02.000 align:start line:0\n<v.loud Ann Smith>I <b>really</b> like it</v>\n\n"
            + "00:00:03.000 --> 00:00:04.500\n<c.yellow>Plain</c> <00:00:03.500>words&nbsp;here &lt;3\n\n"
            + "00:00:05.000 --> 00:00:06.000\n<i></i>\n";
        var t = SubtitleParser.ParseVtt(vtt, "clip.vtt");
        Assert.Equal(2, t.Utterances.Count);
        Assert.Equal(new Utterance(1, S(1), S(2), "I really like it", "Ann Smith", 11), t.Utterances[0]);
        Assert.Equal("Plain words here <3", t.Utterances[1].Text);
        Assert.Null(t.Utterances[1].Speaker);
    }

    [Theory]
    [InlineData("WEBVT\n\n00:01.000 --> 00:02.000\nhi\n", 1, "must start with 'WEBVTT'")]
    [InlineData("WEBVTT\n00:01.000 --> 00:02.000\nhi\n", 2, "separated from the 'WEBVTT' header")]
    [InlineData("WEBVTT\n\ncue-id\nnot a timing\n", 4, "after the cue identifier 'cue-id'")]
    [InlineData("WEBVTT\n\n00:01.000 --> 00:0x.000\nhi\n", 3, "malformed time '00:0x.000'")]
    public void Malformed_webvtt_fails_with_the_line_and_the_problem(string vtt, int line, string problem)
    {
        var e = Assert.Throws<TranscriptFormatException>(() => SubtitleParser.ParseVtt(vtt, "bad.vtt"));
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Binary_or_missing_files_are_refused_with_their_name()
    {
        var dir = Directory.CreateTempSubdirectory("mien-text-").FullName;
        try
        {
            var binary = Path.Combine(dir, "clip.srt");
            File.WriteAllBytes(binary, [0x00, 0x00, 0x01, 0xBA, 0x44]);
            Assert.Contains("NUL bytes", Assert.Throws<TranscriptFormatException>(() => SubtitleParser.Load(binary)).Message, StringComparison.Ordinal);
            Assert.Contains("not found", Assert.Throws<InputException>(() => SubtitleParser.Load(Path.Combine(dir, "none.vtt"))).Message, StringComparison.Ordinal);
            Assert.Contains("is a folder", Assert.Throws<InputException>(() => SubtitleParser.Load(dir)).Message, StringComparison.Ordinal);

            // Windows-1252 text (not UTF-8) is still read; UTF-16 with a BOM too.
            var latin = Path.Combine(dir, "latin.srt");
            File.WriteAllBytes(latin, [.. "1\n00:00:01,000 --> 00:00:02,000\ncaf"u8, 0xE9, .. " good\n"u8]);
            Assert.Equal("café good", SubtitleParser.Load(latin).Utterances[0].Text);
            var utf16 = Path.Combine(dir, "wide.vtt");
            File.WriteAllText(utf16, "WEBVTT\n\n00:01.000 --> 00:02.000\nwide\n", System.Text.Encoding.Unicode);
            Assert.Equal("wide", SubtitleParser.Load(utf16).Utterances[0].Text);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Random_garbage_never_crashes_the_parsers_and_only_fails_as_a_format_error()
    {
        var random = new Random(12);
        string[] pieces = ["1", "\n", "\r\n", "00:00:01,000", " --> ", "-->", "00:01.000", "WEBVTT", "NOTE", "<v A>", "<", ">", "&amp;", "{\\an8}", "text", " ", "99:99:99,999", "", "\t", "0:0:0.0"];
        for (var i = 0; i < 3000; i++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 30)).Select(_ => pieces[random.Next(pieces.Length)]));
            foreach (var parse in new Func<string, string, Transcript>[] { SubtitleParser.ParseSrt, SubtitleParser.ParseVtt, SubtitleParser.Parse })
            {
                try
                {
                    var t = parse(text, "fuzz");
                    Assert.All(t.Utterances, u => Assert.True(u.End >= u.Start && u.Text.Length > 0));
                }
                catch (TranscriptFormatException e)
                {
                    Assert.StartsWith("fuzz", e.Message, StringComparison.Ordinal);
                }
            }
        }
    }

    [Fact]
    public void A_sidecar_next_to_the_video_is_found_by_name()
    {
        var dir = Directory.CreateTempSubdirectory("mien-text-").FullName;
        try
        {
            var video = Path.Combine(dir, "clip.mp4");
            File.WriteAllBytes(video, [0]);
            Assert.Null(TranscriptSources.FindSidecar(video));
            File.WriteAllText(Path.Combine(dir, "clip.en.vtt"), "WEBVTT\n");
            Assert.Equal(Path.Combine(dir, "clip.en.vtt"), TranscriptSources.FindSidecar(video));
            File.WriteAllText(Path.Combine(dir, "clip.srt"), "");
            Assert.Equal(Path.Combine(dir, "clip.srt"), TranscriptSources.FindSidecar(video));
            File.WriteAllText(Path.Combine(dir, "clip2.srt"), "");
            Assert.Equal(Path.Combine(dir, "clip.srt"), TranscriptSources.FindSidecar(video));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Without_ffmpeg_a_subtitle_track_fails_saying_what_to_install()
    {
        var dir = Directory.CreateTempSubdirectory("mien-text-").FullName;
        try
        {
            var video = Path.Combine(dir, "clip.mkv");
            File.WriteAllBytes(video, [0]);
            var e = await Assert.ThrowsAsync<InputException>(() => TranscriptSources.ExtractEmbeddedAsync(video, ffmpeg: Path.Combine(dir, "no-ffmpeg-here")));
            Assert.Contains("needs ffmpeg", e.Message, StringComparison.Ordinal);
            Assert.Contains("apt-get install ffmpeg", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
