using System.Text.Json;

namespace Mien.Timelines.Tests;

/// <summary>Timelines built from payloads in the public schema: per-person series, top action units, blinks, segments, voice, skin.</summary>
public sealed class TimelineBuilderTests
{
    private static readonly string[] Labels = ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"];

    /// <summary>A face record as the writers produce it (only the fields the builder reads, with their schema names).</summary>
    private static Dictionary<string, object?> Face(int track, double time, double happiness, bool inBlink = false, double au12 = 0.5, bool skin = false)
    {
        var expression = Labels.ToDictionary(l => l, l => l == "happiness" ? happiness : (1 - happiness) / 6);
        var face = new Dictionary<string, object?>
        {
            ["type"] = "face", ["frame"] = (int)(time * 25), ["time"] = time, ["track"] = track,
            ["pose"] = new { yaw = 10 * Math.Sin(time), pitch = 2.0, roll = -1.0 },
            ["eyes"] = new { leftAspectRatio = 0.3, rightAspectRatio = 0.3, openness = inBlink ? 0.1 : 1.0, inBlink },
            ["mouthOpening"] = 0.1,
            ["expression"] = expression,
            ["affect"] = new Dictionary<string, object?>
            {
                ["reliability"] = 0.9, ["dominant"] = happiness > 0.5 ? "happiness" : "neutral", ["smoothed"] = expression,
                ["valence"] = happiness - 0.3, ["arousal"] = 0.1, ["confidence"] = 0.8,
                ["actionUnits"] = new Dictionary<string, object?> { ["AU01"] = 0.1, ["AU04"] = 0.2, ["AU06"] = au12 * 0.8, ["AU12"] = au12, ["AU25"] = 0.3, ["AU26"] = 0.05, ["AU45"] = inBlink ? 3.0 : 0.0, ["baselineReady"] = true, ["baseline"] = "person" },
            },
        };
        if (skin)
        {
            face["skin"] = new
            {
                usable = true, qualityWeight = 1.0, L = 60.0, a = 12.0, b = 15.0, ita = 33.7, roughness = 4.2, erythemaIndex = 8.0 + time, spotAreaPercent = 0.4, shinePercent = 2.0,
                regions = new object[] { new { region = "forehead", usablePixels = 900, L = 62.0, ita = 38.0, erythemaIndex = 6.0, roughness = 3.0, shinePercent = 4.0 }, new { region = "nose", usablePixels = 10, issue = "too-few-pixels" } },
            };
        }

        return face;
    }

    private static string Frame(double time, params Dictionary<string, object?>[] faces) =>
        JsonSerializer.Serialize(new { type = "frame", schema = "mien-results/1", frame = (int)(time * 25), time, faces });

    private static TimelineBuilder Builder(double from = 0, double to = 100, int points = 100) => new(new TimelineOptions { From = from, To = to, MaxPoints = points, TopActionUnits = 3 });

    [Fact]
    public void Frame_messages_give_each_person_their_own_series_reduced_to_the_budget()
    {
        var builder = Builder(points: 100);
        for (var i = 0; i < 2500; i++)
        {
            var t = i / 25.0;
            // Person 1 smiles once, briefly, at 40 s; person 2 joins at 50 s.
            var one = Face(1, t, Math.Abs(t - 40) < 0.05 ? 0.99 : 0.1);
            builder.Add(t < 50 ? Frame(t, one) : Frame(t, one, Face(2, t, 0.6)));
        }

        var timeline = builder.Build();
        Assert.Equal([1, 2], timeline.People.Select(p => p.Track));
        var first = timeline.People[0];
        Assert.Equal(2500, first.Faces);
        Assert.Equal(1250, timeline.People[1].Faces);
        foreach (var series in timeline.People.SelectMany(p => p.Series.Values))
        {
            Assert.True(series.T.Count <= 100, $"{series.T.Count} points");
            Assert.Equal(series.T.Count, series.V.Count);
            Assert.True(series.T.Zip(series.T.Skip(1)).All(p => p.First <= p.Second));
        }

        // The two-frame smile survives the 25:1 reduction, at its time.
        var happiness = first.Series["expression.happiness"];
        var peak = happiness.V.Select((v, i) => (v, i)).MaxBy(p => p.v);
        Assert.Equal(0.99, peak.v);
        Assert.InRange(happiness.T[peak.i], 39.9, 40.1);
        Assert.Equal(2500, happiness.Samples);
        Assert.InRange(timeline.People[1].Series["valence"].Mean, 0.29, 0.31);
        foreach (var name in new[] { "smoothed.happiness", "arousal", "eyes.openness", "mouth.opening", "pose.yaw", "pose.pitch", "pose.roll" })
        {
            Assert.True(first.Series.ContainsKey(name), name);
        }
    }

    [Fact]
    public void Only_the_most_raised_action_units_are_returned_highest_first()
    {
        var builder = Builder();
        for (var i = 0; i < 50; i++)
        {
            builder.Add(JsonSerializer.Serialize(Face(1, i / 25.0, 0.8, au12: 2.0)));
        }

        var person = builder.Build().People.Single();
        Assert.Equal(["AU12", "AU06", "AU25"], person.TopActionUnits);
        Assert.Equal(["au.AU06", "au.AU12", "au.AU25"], person.Series.Keys.Where(k => k.StartsWith("au.", StringComparison.Ordinal)));
    }

    [Fact]
    public void Blinks_are_counted_once_each_and_give_a_rate_per_minute()
    {
        var builder = Builder(to: 200);
        // 60 s of frames with a 4-frame blink every 5 s: 12 blinks, 12 a minute.
        for (var i = 0; i <= 1500; i++)
        {
            var t = i / 25.0;
            builder.Add(JsonSerializer.Serialize(Face(1, t, 0.2, inBlink: i % 125 is >= 60 and < 64)));
        }

        var person = builder.Build().People.Single();
        Assert.Equal(12, person.Blinks.Count);
        Assert.Equal(2.4, person.Blinks[0], 3);
        Assert.Equal(12, person.BlinkRatePerMinute!.Value, 1);
    }

    [Fact]
    public void Segments_keep_their_action_units_and_speech_goes_to_its_speaker()
    {
        var builder = Builder(from: 10, to: 20);
        builder.Add(JsonSerializer.Serialize(Face(3, 12, 0.5)));
        builder.Add("""{"type":"event","event":"expression-segment","track":3,"expression":"happiness","onset":11.0,"apex":12.5,"offset":14.0,"duration":3.0,"peakIntensity":0.91,"meanValence":0.6,"meanArousal":0.2,"unitsAttributed":true,"actionUnits":[{"code":"AU12","meanIntensity":2.1,"aboveBaseline":1.8,"share":0.45},{"code":"AU06","meanIntensity":1.2,"aboveBaseline":0.9,"share":0.25}]}""");
        builder.Add("""{"type":"event","event":"expression-segment","track":3,"expression":"neutral","onset":1.0,"apex":2,"offset":5.0,"duration":4.0,"peakIntensity":0.7,"meanValence":0,"meanArousal":0,"unitsAttributed":false,"actionUnits":[]}""");
        builder.Add("""{"type":"event","event":"speech","start":15.0,"end":17.0,"track":3,"mouthAudioCorrelation":0.6,"arousal":0.4,"valence":-0.1,"confidence":0.7}""");
        builder.Add("""{"type":"event","event":"speech","start":18.0,"end":19.0,"track":null,"arousal":0.1,"valence":0.0,"confidence":0.3}""");
        builder.Add("""{"type":"event","event":"fused-affect","track":3,"start":12.0,"end":14.0,"valence":0.5,"arousal":0.3,"confidence":0.6}""");
        var timeline = builder.Build();
        var person = timeline.People.Single();
        var segment = Assert.Single(person.Segments); // the one at 1–5 s is outside the range
        Assert.Equal("happiness", segment.Expression);
        Assert.Equal(["AU12", "AU06"], segment.ActionUnits.Select(u => u.Code));
        Assert.Equal(1.8, segment.ActionUnits[0].AboveBaseline);
        Assert.Equal(16, Assert.Single(person.Series["voice.arousal"].T));
        Assert.Equal(0.4, person.Series["voice.arousal"].V[0]);
        Assert.Single(person.Speech);
        Assert.Equal(18, Assert.Single(timeline.Speech).Start);
        Assert.Equal(13, Assert.Single(person.Series["fused.valence"].T));
    }

    [Fact]
    public void Skin_series_and_region_means_come_from_usable_frames_only()
    {
        var builder = Builder();
        builder.Add(JsonSerializer.Serialize(Face(1, 1, 0.2, skin: true)));
        builder.Add(JsonSerializer.Serialize(Face(1, 2, 0.2, skin: true)));
        var unusable = Face(1, 3, 0.2);
        unusable["skin"] = new { usable = false, qualityWeight = 0.0, reasons = new[] { new { code = "face-too-small", message = "…" } } };
        builder.Add(JsonSerializer.Serialize(unusable));
        var person = builder.Build().People.Single();
        Assert.Equal(2, person.Skin!.UsableFrames);
        Assert.Equal([9.0, 10.0], person.Series["skin.erythemaIndex"].V);
        var forehead = Assert.Single(person.Skin.Regions); // the nose had an issue
        Assert.Equal("forehead", forehead.Region);
        Assert.Equal(6.0, forehead.ErythemaIndex);
        Assert.Equal(2, person.Series["skin.ita"].Samples);
    }

    [Fact]
    public void People_beyond_the_limit_are_counted_not_kept()
    {
        var builder = new TimelineBuilder(new TimelineOptions { From = 0, To = 10, MaxPeople = 2 });
        for (var track = 1; track <= 5; track++)
        {
            builder.Add(JsonSerializer.Serialize(Face(track, 1, 0.2)));
            builder.Add(JsonSerializer.Serialize(Face(track, 2, 0.2)));
        }

        var timeline = builder.Build();
        Assert.Equal(2, timeline.People.Count);
        Assert.Equal(3, timeline.OmittedPeople);
    }

    [Fact]
    public void Options_name_the_bad_value_and_the_limit()
    {
        var e = Assert.Throws<ArgumentException>(() => new TimelineBuilder(new TimelineOptions { To = 10, MaxPoints = 5 }));
        Assert.Contains("MaxPoints = 5", e.Message, StringComparison.Ordinal);
        Assert.Contains("4000", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new TimelineBuilder(new TimelineOptions { From = 5, To = 1 }));
        Assert.ThrowsAny<JsonException>(() => Builder().Add("{not json"));
    }
}
