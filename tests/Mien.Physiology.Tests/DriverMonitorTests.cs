using Mien.Physiology.Driver;
using Mien.Results;

namespace Mien.Physiology.Tests;

/// <summary>The driver profile on synthetic signal sequences with known events.</summary>
public sealed class DriverMonitorTests
{
    private const double Fps = 25;

    private static List<DriverState> Run(DriverMonitor monitor, double seconds, Func<double, (float Openness, float Mouth, float Pitch, float GazeYaw)> at)
    {
        var states = new List<DriverState>();
        for (var i = 0; i < seconds * Fps; i++)
        {
            var t = i / Fps;
            var (openness, mouth, pitch, gazeYaw) = at(t);
            states.Add(monitor.Update(TimeSpan.FromSeconds(t), new EyeState(0.3f * openness, 0.3f * openness, openness, openness < 0.5f), mouth, new HeadPose(0, pitch, 0), new Gaze(gazeYaw, 0)));
        }

        return states;
    }

    /// <summary>Blinks of 150 ms every 4 s on open eyes.</summary>
    private static float Blinking(double t) => t % 4 is > 2 and < 2.15 ? 0.05f : 1f;

    [Fact]
    public void Ordinary_blinking_and_talking_raise_no_alert()
    {
        var monitor = new DriverMonitor();
        var random = new Random(1);
        var states = Run(monitor, 90, t => (Blinking(t), (float)(0.15 + (0.15 * Math.Sin(2 * Math.PI * 4 * t))), (float)(2 * Math.Sin(t)), (float)(5 * Math.Sin(t / 3))));
        Assert.All(states, s => Assert.Equal(AlertLevel.None, s.Level));
        Assert.Equal(0, states[^1].Yawns);
        Assert.InRange(states[^1].MeanBlinkMs ?? 0, 100, 200);
        Assert.InRange(states[^1].Perclos, 0, 0.05);
        Assert.Empty(monitor.Events);
    }

    [Fact]
    public void Long_closure_is_counted_and_a_closure_over_a_second_warns_until_the_hold_passes()
    {
        var states = Run(new DriverMonitor(), 40, t => (t is > 20 and < 21.5 ? 0.05f : Blinking(t), 0.1f, 0, 0));
        var during = states[(int)(21.2 * Fps)];
        Assert.Equal(AlertLevel.Warning, during.Level);
        Assert.Contains(during.Causes, c => c.StartsWith("eyes closed", StringComparison.Ordinal));
        Assert.Equal(1, states[(int)(22 * Fps)].LongClosures);
        Assert.Equal(AlertLevel.Warning, states[(int)(24 * Fps)].Level);   // held: the cause went away 2.5 s ago
        Assert.Equal(AlertLevel.Caution, states[(int)(28 * Fps)].Level);   // one long closure in the window remains a caution
    }

    [Fact]
    public void Yawn_is_found_and_syllables_are_not()
    {
        var monitor = new DriverMonitor();
        var states = Run(monitor, 30, t => (1, t is > 10 and < 13.5 ? 0.6f : (float)Math.Max(0, 0.35 * Math.Sin(2 * Math.PI * 3 * t)), 0, 0));
        Assert.Equal(1, states[^1].Yawns);
        var yawn = Assert.Single(monitor.Events);
        Assert.InRange(yawn.Start.TotalSeconds, 9.9, 10.2);
        Assert.InRange(yawn.End.TotalSeconds, 13.4, 13.7);
    }

    [Fact]
    public void Head_drop_with_recovery_is_a_nod_and_looking_down_for_long_is_not()
    {
        var monitor = new DriverMonitor();
        var states = Run(monitor, 40, t => (1, 0, t is > 10 and < 11.5 ? -20 : t is > 20 and < 30 ? -25 : 0, 0));
        Assert.Equal(1, states[^1].Nods);
    }

    [Fact]
    public void Gaze_away_is_timed_and_warns_after_three_seconds()
    {
        var states = Run(new DriverMonitor(), 45, t => (Blinking(t), 0.1f, 0, t is > 35 and < 39 ? 40 : 0));
        Assert.Equal(AlertLevel.None, states[(int)(36 * Fps)].Level);
        Assert.InRange(states[(int)(38.5 * Fps)].GazeAwayFor.TotalSeconds, 3.3, 3.6);
        Assert.Equal(AlertLevel.Warning, states[(int)(38.5 * Fps)].Level);
    }

    [Fact]
    public void Repeated_closed_frames_push_perclos_to_their_share()
    {
        // Eyes closed 1 s in every 5 s (repeating closed-eye frames): PERCLOS should approach 20 %.
        var states = Run(new DriverMonitor(), 70, t => (t % 5 < 1 ? 0.05f : 1f, 0.1f, 0, 0));
        Assert.InRange(states[^1].Perclos, 0.18, 0.22);
        Assert.Equal(AlertLevel.Warning, states[^1].Level);
        Assert.True(states[^1].LongClosures >= 10);
    }

    [Fact]
    public void Frames_whose_eyes_cannot_be_seen_count_neither_as_open_nor_as_shut()
    {
        // 30 s of eyes shut 0.2 s in every second (PERCLOS 20 %), then 45 s behind dark lenses (no eye reading). PERCLOS
        // stays what the seen frames say instead of falling towards 5 % as if the hidden eyes were open.
        var monitor = new DriverMonitor();
        var states = new List<DriverState>();
        for (var i = 0; i < 75 * Fps; i++)
        {
            var t = i / Fps;
            var shut = i % 25 < 5; // whole frames: 0.2 s of every second
            EyeState? eyes = t < 30 ? new EyeState(0.1f, 0.1f, shut ? 0.05f : 1f, shut) : null;
            states.Add(monitor.Update(TimeSpan.FromSeconds(t), eyes, 0.1f, new HeadPose(0, 0, 0), new Gaze(0, 0)));
        }

        Assert.InRange(states[(int)(29.9 * Fps)].Perclos, 0.18, 0.22);
        Assert.InRange(states[(int)(74.9 * Fps)].Perclos, 0.18, 0.22); // the window's 15 seen seconds, not 15 × 20 % / 60 s
        Assert.Equal(0, states[^1].LongClosures);
        Assert.True(float.IsNaN(new DriverMonitor().Update(TimeSpan.Zero, null, null, null, null).Perclos), "no eye reading at all is no PERCLOS, not 0 %");

        // Eyes seen shut for 0.2 s, then 5 s without a reading, then open: nothing unseen becomes "eyes closed" or a
        // long closure, and a 0.2-s gap inside a real closure is bridged.
        var open = new EyeState(0.3f, 0.3f, 1f, false);
        var shutEyes = new EyeState(0.01f, 0.01f, 0.05f, true);
        var hidden = new DriverMonitor();
        DriverState? last = null;
        for (var i = 0; i < 20 * Fps; i++)
        {
            var t = i / Fps;
            last = hidden.Update(TimeSpan.FromSeconds(t), t is >= 10 and < 10.2 ? shutEyes : t is >= 10.2 and < 15.2 ? null : open, 0.1f, new HeadPose(0, 0, 0), new Gaze(0, 0));
            Assert.True(t is < 10.2 or >= 15.2 || last.EyesClosedFor == TimeSpan.Zero, $"{t:0.00} s: eyes closed for {last.EyesClosedFor} while unseen");
        }

        Assert.Equal(0, last!.LongClosures);
        Assert.Equal(AlertLevel.None, last.Level);

        var bridged = new DriverMonitor();
        for (var i = 0; i < 5 * Fps; i++)
        {
            var t = i / Fps;
            last = bridged.Update(TimeSpan.FromSeconds(t), t is >= 2 and < 2.2 ? null : t is >= 1 and < 3 ? shutEyes : open, 0.1f, new HeadPose(0, 0, 0), new Gaze(0, 0));
        }

        Assert.Equal(1, last!.LongClosures);
    }
}
