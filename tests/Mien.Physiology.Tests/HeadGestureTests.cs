using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Mien.Physiology.Gestures;
using Mien.Results;

namespace Mien.Physiology.Tests;

/// <summary>Nod/shake detection on synthetic pose trajectories with known gestures, jitter and distractors.</summary>
public sealed class HeadGestureTests
{
    private const double Fps = 25;

    /// <summary>Runs a detector over a trajectory; jitter is Gaussian pose noise in degrees (the smoothed mesh's is ~0.3°).</summary>
    private static List<HeadGesture> Run(Func<double, (double Yaw, double Pitch)> pose, double seconds, double jitter = 0.3, int seed = 7)
    {
        var random = new Random(seed);
        var detector = new HeadGestureDetector();
        var found = new List<HeadGesture>();
        for (var i = 0; i < seconds * Fps; i++)
        {
            var t = i / Fps;
            var (yaw, pitch) = pose(t);
            found.AddRange(detector.Update(TimeSpan.FromSeconds(t), new HeadPose(
                (float)(yaw + (jitter * SyntheticPulse.Gaussian(random))),
                (float)(pitch + (jitter * SyntheticPulse.Gaussian(random))),
                0)));
        }

        return found;
    }

    /// <summary>Oscillation of <paramref name="cycles"/> full cycles starting at <paramref name="start"/>; the first half-cycle goes down (negative) for nods.</summary>
    private static double Oscillation(double t, double start, double hz, double cycles, double amplitude) =>
        t < start || t > start + (cycles / hz) ? 0 : -amplitude * Math.Sin(2 * Math.PI * hz * (t - start));

    [Fact]
    public void Single_nod_is_found_with_its_timing()
    {
        // One nod: the head drops 8° and comes back within 0.6 s (a cosine dip), then stays still.
        static double Dip(double t) => t is < 2 or > 2.6 ? 0 : -8 * (1 - Math.Cos(2 * Math.PI * (t - 2) / 0.6)) / 2;
        var found = Run(t => (0, Dip(t)), 5);

        var nod = Assert.Single(found);
        Assert.Equal(HeadGestureKind.Nod, nod.Kind);
        Assert.Equal(2, nod.HalfCycles);
        Assert.InRange(nod.Start.TotalSeconds, 1.85, 2.15);
        Assert.InRange(nod.End.TotalSeconds, 2.45, 2.75);
        Assert.InRange(nod.AmplitudeDegrees, 6, 10);
    }

    [Fact]
    public void Shake_is_a_shake_and_not_a_nod()
    {
        var found = Run(t => (Oscillation(t, 1, 2, 1.5, 10), 0), 4);
        var shake = Assert.Single(found);
        Assert.Equal(HeadGestureKind.Shake, shake.Kind);
        Assert.InRange(shake.HalfCycles, 3, 4);
    }

    [Fact]
    public void Slow_turns_drift_and_talking_jitter_are_not_gestures()
    {
        // A 30° turn over 2 s and back 3 s later, a slow pitch drift, and 1.5° of extra jitter (talking).
        var found = Run(
            t => (t is < 1 ? 0 : t < 3 ? 15 * (t - 1) : t < 6 ? 30 : t < 8 ? 30 - (15 * (t - 6)) : 0, 5 * Math.Sin(2 * Math.PI * 0.1 * t)),
            12,
            jitter: 1.5);
        Assert.Empty(found);
    }

    [Fact]
    public void Circular_head_roll_is_neither_nod_nor_shake()
    {
        var found = Run(t => t is < 1 or > 4 ? (0, 0) : (8 * Math.Cos(2 * Math.PI * 1.5 * t), 8 * Math.Sin(2 * Math.PI * 1.5 * t)), 5);
        Assert.Empty(found);
    }

    [Fact]
    public void Glance_aside_and_back_is_not_a_shake()
    {
        static double Glance(double t) => t is < 1 or > 1.8 ? 0 : 20 * Math.Sin(Math.PI * (t - 1) / 0.8);
        Assert.Empty(Run(t => (Glance(t), 0), 4));
    }

    [Property(MaxTest = 50)]
    public Property Oscillations_in_the_gesture_range_are_found_as_the_right_kind(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var nod = random.Next(2) == 0;
        var hz = 1 + (random.NextDouble() * 2);           // 1–3 Hz
        var amplitude = 4 + (random.NextDouble() * 10);   // 4–14° each way: swings of 8–28°
        var cycles = 2 + random.Next(3);                  // 2–4 full cycles
        var found = Run(t => nod ? (0, Oscillation(t, 1, hz, cycles, amplitude)) : (Oscillation(t, 1, hz, cycles, amplitude), 0), 2 + (cycles / hz) + 1, seed: seed.Get);
        var kind = nod ? HeadGestureKind.Nod : HeadGestureKind.Shake;
        return (found.Count == 1 && found[0].Kind == kind && found[0].HalfCycles >= (2 * cycles) - 1)
            .Label($"{kind} {hz:0.00} Hz ±{amplitude:0.0}° ×{cycles}: found {string.Join(", ", found)}");
    }

    [Fact]
    public void Options_name_the_bad_value()
    {
        var e = Assert.Throws<ArgumentException>(() => new HeadGestureDetector(new HeadGestureOptions { NodSwings = 1 }));
        Assert.Contains("NodSwings", e.Message, StringComparison.Ordinal);
    }
}
