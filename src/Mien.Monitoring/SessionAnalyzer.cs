using System.Globalization;

namespace Mien.Monitoring;

/// <summary>
/// Session indicators for one person from stored per-frame results and speech events (uploads and live recordings
/// alike): distress, flat affect, gaze aversion, blink-rate change, speech share and voice arousal, each with the
/// measurements that triggered it. Worded as indicators of what the face and voice showed, never as diagnoses.
/// </summary>
public static class SessionAnalyzer
{
    /// <summary>Longest time one frame stands for (the rest of a longer gap is not measured time).</summary>
    internal const double MaxHoldS = 0.5;

    /// <summary>Analyses one session.</summary>
    /// <param name="samples">Every face of every frame (any order; several people allowed).</param>
    /// <param name="speech">Speech segments (empty when the audio was analysed and nobody spoke), or null when nothing is known about speech.</param>
    /// <param name="baseline">The person's earlier sessions, or null (then the session is compared with itself and a reference).</param>
    /// <param name="options">Thresholds (validated), or the defaults.</param>
    /// <param name="track">The person to follow, or null for the track seen in most frames.</param>
    /// <exception cref="ArgumentException">An option is out of range, or a time is not finite.</exception>
    public static SessionReport Analyze(IReadOnlyList<MonitorSample> samples, IReadOnlyList<SpeechSample>? speech, SessionBaseline? baseline = null, MonitoringOptions? options = null, int? track = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var o = options ?? new MonitoringOptions();
        o.Validate();
        var limits = new List<string>();
        var person = track ?? MostSeen(samples);
        var frames = person is { } p ? samples.Where(s => s.Track == p).OrderBy(s => s.TimeS).ToArray() : [];
        foreach (var s in frames)
        {
            if (!double.IsFinite(s.TimeS))
            {
                throw new ArgumentException($"sample time {s.TimeS} is not finite", nameof(samples));
            }
        }

        if (frames.Length == 0)
        {
            limits.Add("no face was seen: nothing could be measured");
            return new SessionReport(null, 0, 0, 0, new SessionMetrics(null, null, null, null, null, null, null), [], limits);
        }

        var holds = Holds(frames);
        var start = frames[0].TimeS;
        var end = frames[^1].TimeS;
        var indicators = new List<Indicator>();

        // Valence and arousal from trusted frames only.
        var affect = frames.Select((s, i) => (s, i)).Where(x => x.s.Valence is not null && x.s.Arousal is not null && (x.s.AffectConfidence ?? 0) >= o.MinAffectConfidence).ToArray();
        var valence = FrameStatistics.Mean(affect.Select(x => x.s.Valence!.Value).ToArray());
        var arousal = FrameStatistics.Mean(affect.Select(x => x.s.Arousal!.Value).ToArray());
        if (affect.Length == 0)
        {
            limits.Add("no frame had valence/arousal with enough confidence: distress not judged");
        }
        else
        {
            indicators.AddRange(Distress(affect.Select(x => x.s).ToArray(), o.Distress));
        }

        var expressive = frames.Select((s, i) => (s, i)).Where(x => x.s.Expressivity is not null).ToArray();
        var expressivity = FrameStatistics.Mean(expressive.Select(x => x.s.Expressivity!.Value).ToArray());
        var expressiveTime = expressive.Sum(x => holds[x.i]);
        if (expressivity is null || expressiveTime < o.FlatAffect.MinMeasuredS)
        {
            limits.Add(Invariant($"expressivity measured for {expressiveTime:0.#} s (action units); flat affect needs {o.FlatAffect.MinMeasuredS:0.#} s"));
        }
        else if (FlatAffect(expressivity, expressiveTime, baseline, o.FlatAffect, start, end) is { } flat)
        {
            indicators.Add(flat);
        }

        var gazed = frames.Select((s, i) => (s, i)).Where(x => x.s.GazeYaw is not null && x.s.GazePitch is not null).ToArray();
        var away = gazed.Select(x => o.GazeAversion.IsAway(x.s.GazeYaw!.Value, x.s.GazePitch!.Value) ? 1.0 : 0.0).ToArray();
        var awayShare = FrameStatistics.Mean(away);
        var gazeTime = gazed.Sum(x => holds[x.i]);
        if (awayShare is null || gazeTime < o.GazeAversion.MinMeasuredS)
        {
            limits.Add(Invariant($"gaze measured for {gazeTime:0.#} s; gaze aversion needs {o.GazeAversion.MinMeasuredS:0.#} s"));
        }
        else if (awayShare.Mean >= o.GazeAversion.MaxAwayShare)
        {
            var longest = LongestRun(gazed.Select(x => x.s.TimeS).ToArray(), away, gazed.Select(x => holds[x.i]).ToArray());
            indicators.Add(new Indicator(IndicatorKind.GazeAversion, start, end,
                Invariant($"Gaze-aversion indicator: the gaze pointed away from the camera in {awayShare.Mean:P0} of the measured time (longest stretch {longest:0.#} s)."),
                [
                    new Measurement("awayShare", awayShare.Mean, "share", Invariant($"≥ {o.GazeAversion.MaxAwayShare}")),
                    new Measurement("awayShareLow", awayShare.Low, "share"),
                    new Measurement("awayShareHigh", awayShare.High, "share"),
                    new Measurement("longestAwayS", longest, "seconds"),
                    new Measurement("measuredS", gazeTime, "seconds"),
                    new Measurement("awayYaw", o.GazeAversion.AwayYaw, "degrees", "away when |yaw − centre| >"),
                    new Measurement("awayPitch", o.GazeAversion.AwayPitch, "degrees", "or |pitch − centre| >"),
                ]));
        }

        var (blinks, blinkIndicator, blinkLimit) = Blinks(frames, holds, baseline, o.BlinkRate);
        if (blinkIndicator is not null)
        {
            indicators.Add(blinkIndicator);
        }

        if (blinkLimit is not null)
        {
            limits.Add(blinkLimit);
        }

        var (share, voice) = Speech(speech, person!.Value, samples, start, end, o.Speech, indicators, limits);
        indicators.Sort((a, b) => a.StartS.CompareTo(b.StartS));
        return new SessionReport(person, start, end, frames.Length, new SessionMetrics(valence, arousal, expressivity, awayShare, blinks, share, voice), indicators, limits);
    }

    private static int? MostSeen(IReadOnlyList<MonitorSample> samples)
    {
        var counts = new Dictionary<int, int>();
        foreach (var s in samples)
        {
            counts[s.Track] = counts.GetValueOrDefault(s.Track) + 1;
        }

        // Ties go to the lower track id, so the choice does not depend on enumeration order.
        return counts.Count == 0 ? null : counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key).First().Key;
    }

    /// <summary>Time each frame stands for: until the next frame, at most <see cref="MaxHoldS"/>; the last frame the median interval.</summary>
    internal static double[] Holds(MonitorSample[] frames)
    {
        var holds = new double[frames.Length];
        for (var i = 0; i + 1 < frames.Length; i++)
        {
            holds[i] = Math.Min(Math.Max(frames[i + 1].TimeS - frames[i].TimeS, 0), MaxHoldS);
        }

        if (frames.Length > 1)
        {
            var sorted = holds.AsSpan(0, frames.Length - 1).ToArray();
            Array.Sort(sorted);
            holds[^1] = sorted[(sorted.Length - 1) / 2];
        }

        return holds;
    }

    private static List<Indicator> Distress(MonitorSample[] affect, DistressOptions o)
    {
        var episodes = new List<Indicator>();
        int? first = null;
        var last = -1;
        for (var i = 0; i <= affect.Length; i++)
        {
            var counts = i < affect.Length && affect[i].Valence <= o.ValenceAtMost && affect[i].Arousal >= o.ArousalAtLeast;
            if (i < affect.Length && !counts)
            {
                continue;
            }

            if (first is { } f && (i == affect.Length || affect[i].TimeS - affect[last].TimeS > o.MaxGapS))
            {
                if (affect[last].TimeS - affect[f].TimeS >= o.MinDurationS)
                {
                    episodes.Add(Episode(affect, f, last, o));
                }

                first = null;
            }

            if (i < affect.Length)
            {
                first ??= i;
                last = i;
            }
        }

        return episodes;
    }

    private static Indicator Episode(MonitorSample[] affect, int first, int last, DistressOptions o)
    {
        double v = 0, a = 0;
        var counting = 0;
        for (var i = first; i <= last; i++)
        {
            if (affect[i].Valence <= o.ValenceAtMost && affect[i].Arousal >= o.ArousalAtLeast)
            {
                v += affect[i].Valence!.Value;
                a += affect[i].Arousal!.Value;
                counting++;
            }
        }

        var duration = affect[last].TimeS - affect[first].TimeS;
        var share = counting / (double)(last - first + 1);
        v /= counting;
        a /= counting;
        return new Indicator(IndicatorKind.Distress, affect[first].TimeS, affect[last].TimeS,
            Invariant($"Distress indicator: the face showed negative valence (mean {v:0.00}) with high arousal (mean {a:0.00}) for {duration:0.#} s."),
            [
                new Measurement("durationS", duration, "seconds", Invariant($"≥ {o.MinDurationS}")),
                new Measurement("meanValence", v, "−1…1", Invariant($"each counted frame ≤ {o.ValenceAtMost}")),
                new Measurement("meanArousal", a, "−1…1", Invariant($"each counted frame ≥ {o.ArousalAtLeast}")),
                new Measurement("countedShare", share, "share of the episode's frames"),
                new Measurement("maxGapS", o.MaxGapS, "seconds", "gaps bridged"),
            ]);
    }

    private static Indicator? FlatAffect(Estimate e, double measured, SessionBaseline? baseline, FlatAffectOptions o, double start, double end)
    {
        if (baseline is { ExpressivityMean: { } bm, ExpressivitySpread: { } bs })
        {
            if (e.Mean > o.BaselineRatio * bm || e.Spread > o.BaselineRatio * bs)
            {
                return null;
            }

            return new Indicator(IndicatorKind.FlatAffect, start, end,
                Invariant($"Flat-affect indicator: facial expressivity was low and varied little (mean action-unit intensity {e.Mean:0.00}, spread {e.Spread:0.00}; this person's earlier sessions: {bm:0.00}, {bs:0.00})."),
                [
                    new Measurement("meanExpressivity", e.Mean, "AU intensity 0…5", Invariant($"≤ {o.BaselineRatio} × baseline {bm:0.###}")),
                    new Measurement("expressivitySpread", e.Spread, "AU intensity", Invariant($"≤ {o.BaselineRatio} × baseline {bs:0.###}")),
                    new Measurement("baselineSessions", baseline.Sessions, "sessions"),
                    new Measurement("measuredS", measured, "seconds"),
                ]);
        }

        if (e.Mean > o.ReferenceMean || e.Spread > o.ReferenceSpread)
        {
            return null;
        }

        return new Indicator(IndicatorKind.FlatAffect, start, end,
            Invariant($"Flat-affect indicator: facial expressivity was low and varied little (mean action-unit intensity {e.Mean:0.00}, spread {e.Spread:0.00}; reference level {o.ReferenceMean:0.00}, {o.ReferenceSpread:0.00}; no earlier sessions of this person)."),
            [
                new Measurement("meanExpressivity", e.Mean, "AU intensity 0…5", Invariant($"≤ reference {o.ReferenceMean}")),
                new Measurement("expressivitySpread", e.Spread, "AU intensity", Invariant($"≤ reference {o.ReferenceSpread}")),
                new Measurement("measuredS", measured, "seconds"),
            ]);
    }

    /// <summary>Longest run of consecutive flagged frames, in seconds (each frame counting its hold).</summary>
    internal static double LongestRun(double[] times, double[] flags, double[] holds)
    {
        double longest = 0, current = 0;
        for (var i = 0; i < times.Length; i++)
        {
            current = flags[i] > 0 ? current + holds[i] : 0;
            longest = Math.Max(longest, current);
        }

        return longest;
    }

    private static (BlinkRate? Rate, Indicator? Indicator, string? Limit) Blinks(MonitorSample[] frames, double[] holds, SessionBaseline? baseline, BlinkRateOptions o)
    {
        var split = frames[0].TimeS + o.BaselineS;
        int total = 0, early = 0;
        double exposure = 0, earlyExposure = 0;
        bool? previous = null;
        for (var i = 0; i < frames.Length; i++)
        {
            if (frames[i].InBlink is not { } blink)
            {
                continue;
            }

            var onset = blink && previous == false;
            previous = blink;
            exposure += holds[i];
            total += onset ? 1 : 0;
            if (frames[i].TimeS < split)
            {
                earlyExposure += holds[i];
                early += onset ? 1 : 0;
            }
        }

        if (exposure <= 0)
        {
            return (null, null, "eyes not measured: blink rate not judged");
        }

        var rate = new BlinkRate(total, exposure);
        int count1, count2;
        double exposure1, exposure2, from;
        string against;
        if (baseline is { BlinkExposureS: > 0 } b && b.BlinkExposureS >= o.MinExposureS)
        {
            (count1, exposure1, count2, exposure2, from) = (b.Blinks, b.BlinkExposureS, total, exposure, frames[0].TimeS);
            against = Invariant($"this person's {b.Sessions} earlier session(s)");
        }
        else
        {
            (count1, exposure1, count2, exposure2, from) = (early, earlyExposure, total - early, exposure - earlyExposure, split);
            against = Invariant($"the first {o.BaselineS:0} s of this session");
        }

        if (exposure1 < o.MinExposureS || exposure2 < o.MinExposureS)
        {
            return (rate, null, Invariant($"blink-rate change needs {o.MinExposureS:0} s of measured eyes on each side (baseline {exposure1:0.#} s, compared {exposure2:0.#} s)"));
        }

        var (ratio, z) = FrameStatistics.CompareRates(count1, exposure1, count2, exposure2);
        if (Math.Abs(z) < o.MinZ || (ratio < o.MinRatio && ratio > 1 / o.MinRatio))
        {
            return (rate, null, null);
        }

        var before = count1 * 60 / exposure1;
        var after = count2 * 60 / exposure2;
        return (rate, new Indicator(IndicatorKind.BlinkRateChange, from, frames[^1].TimeS,
            Invariant($"Blink-rate change indicator: {after:0.#} blinks a minute against {before:0.#} in {against} ({(ratio > 1 ? "up" : "down")} {ratio:0.##}×, z = {z:0.0})."),
            [
                new Measurement("blinksPerMinute", after, "per minute"),
                new Measurement("baselinePerMinute", before, "per minute"),
                new Measurement("ratio", ratio, "×", Invariant($"≥ {o.MinRatio} or ≤ {1 / o.MinRatio:0.###}")),
                new Measurement("z", z, "log rate ratio z", Invariant($"|z| ≥ {o.MinZ:0.##}")),
                new Measurement("blinks", count2, "count"),
                new Measurement("baselineBlinks", count1, "count"),
            ]), null);
    }

    private static (double? Share, Estimate? Voice) Speech(IReadOnlyList<SpeechSample>? speech, int person, IReadOnlyList<MonitorSample> samples, double start, double end, SpeechOptions o, List<Indicator> indicators, List<string> limits)
    {
        if (speech is null)
        {
            limits.Add("no speech was found (no audio track, voice analysis off, or nobody spoke): speech share and voice arousal not measured");
            return (null, null);
        }

        // Unattributed speech counts as the person's only when nobody was attributed and only one person was seen.
        var attributed = speech.Any(s => s.Track is not null);
        var onePerson = samples.All(s => s.Track == person);
        var mine = speech.Where(s => s.Track == person || (!attributed && onePerson && s.Track is null)).ToArray();
        var span = end - start;
        double? share = null;
        if (span > 0)
        {
            share = Math.Clamp(mine.Sum(s => Math.Max(0, Math.Min(s.EndS, end) - Math.Max(s.StartS, start))) / span, 0, 1);
        }

        if (span < o.MinSessionS)
        {
            limits.Add(Invariant($"the session lasted {span:0.#} s; speech share is judged from {o.MinSessionS:0} s"));
        }
        else if (share <= o.LowShareAtMost)
        {
            indicators.Add(new Indicator(IndicatorKind.LowSpeechShare, start, end,
                Invariant($"Low speech-share indicator: the person's voice was heard in {share:P0} of the session ({mine.Length} segment(s))."),
                [
                    new Measurement("speechShare", share.Value, "share", Invariant($"≤ {o.LowShareAtMost}")),
                    new Measurement("segments", mine.Length, "count"),
                    new Measurement("sessionS", span, "seconds"),
                ]));
        }

        var voice = FrameStatistics.Mean(mine.Select(s => s.Arousal).ToArray());
        if (voice is null || mine.Length < o.MinSegments)
        {
            limits.Add(Invariant($"{mine.Length} speech segment(s) of this person; voice arousal is judged from {o.MinSegments}"));
        }
        else if (voice.Mean >= o.HighArousalAtLeast)
        {
            indicators.Add(new Indicator(IndicatorKind.RaisedVoiceArousal, mine[0].StartS, mine[^1].EndS,
                Invariant($"Raised voice-arousal indicator: the voice showed high arousal (mean {voice.Mean:0.00}, 95 % interval {voice.Low:0.00}…{voice.High:0.00}) over {mine.Length} speech segments."),
                [
                    new Measurement("meanVoiceArousal", voice.Mean, "−1…1", Invariant($"≥ {o.HighArousalAtLeast}")),
                    new Measurement("low", voice.Low, "−1…1"),
                    new Measurement("high", voice.High, "−1…1"),
                    new Measurement("segments", mine.Length, "count", Invariant($"≥ {o.MinSegments}")),
                ]));
        }

        return (share, voice);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
