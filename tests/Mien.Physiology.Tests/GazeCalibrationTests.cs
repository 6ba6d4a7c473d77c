using Mien.Physiology.GazeOnScreen;
using Xunit.Abstractions;

namespace Mien.Physiology.Tests;

/// <summary>
/// Gaze calibration on synthetic geometry with known ground truth: a person at a known distance looks at known screen
/// points; their gaze angles, head rotation and head position in a camera above the screen follow from the geometry,
/// with Mien-like distortions (eye-in-head rotation under-reported by 20 %, head partly turning with the eyes, the
/// head drifting) and noise. The calibration must recover the map within what the noise allows.
/// </summary>
public sealed class GazeCalibrationTests(ITestOutputHelper output)
{
    /// <summary>A 24-inch 16:9 monitor at 60 cm.</summary>
    internal static readonly ScreenGeometry Screen = new(1920, 1080, 531, 299, 600);

    /// <summary>Camera focal length over frame width (a typical webcam, 60° horizontal field of view).</summary>
    private const double FocalOverWidth = 0.866;

    private const double Degrees = 180 / Math.PI;

    /// <summary>Head drift (± mm, uniform) between calibration points and on held-out frames: a person asked to sit still.</summary>
    private const double Drift = 5;

    /// <summary>
    /// The features Mien would report for eyes at <paramref name="eye"/> (mm, screen frame: x right, y down, from the
    /// screen centre, at the viewing distance) looking at target <paramref name="target"/> (px), before noise.
    /// </summary>
    internal static GazeFeatures Observe(ScreenPoint target, (double X, double Y) eye, double headShare, double eyeGain)
    {
        var tx = (target.X - (Screen.WidthPx / 2.0)) * Screen.MmPerPxX;
        var ty = (target.Y - (Screen.HeightPx / 2.0)) * Screen.MmPerPxY;
        double dx = tx - eye.X, dy = ty - eye.Y, dz = Screen.ViewingDistanceMm;
        var yaw = Math.Atan2(dx, dz) * Degrees;
        var pitch = Math.Atan2(-dy, Math.Sqrt((dx * dx) + (dz * dz))) * Degrees;

        // The head turns part of the way; the eyes do the rest, and Mien's eye model under-reports that rest.
        var (headYaw, headPitch) = (headShare * yaw, headShare * pitch);
        var measuredYaw = headYaw + (eyeGain * (yaw - headYaw));
        var measuredPitch = headPitch + (eyeGain * (pitch - headPitch));

        // Camera 20 mm above the screen's top edge, looking along the screen normal.
        var camY = -(Screen.HeightMm / 2) - 20;
        var headX = 0.5 + (FocalOverWidth * eye.X / Screen.ViewingDistanceMm);
        var headY = 0.5 + (FocalOverWidth * (16.0 / 9) * (eye.Y - camY - 150) / Screen.ViewingDistanceMm);
        return new GazeFeatures((float)measuredYaw, (float)measuredPitch, (float)headYaw, (float)headPitch, (float)headX, (float)headY);
    }

    internal static double Gauss(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    private static GazeFeatures Noisy(GazeFeatures f, Random r, double sigmaDeg) => f with
    {
        GazeYaw = f.GazeYaw + (float)(sigmaDeg * Gauss(r)),
        GazePitch = f.GazePitch + (float)(sigmaDeg * Gauss(r)),
        HeadYaw = f.HeadYaw + (float)(sigmaDeg * Gauss(r)),
        HeadPitch = f.HeadPitch + (float)(sigmaDeg * Gauss(r)),
    };

    internal static ScreenPoint[] Grid(int n)
    {
        double[] xs = [0.1, 0.5, 0.9];
        return n == 9
            ? [.. from y in xs from x in xs select new ScreenPoint(x * Screen.WidthPx, y * Screen.HeightPx)]
            : [new(0.1 * 1920, 0.1 * 1080), new(0.9 * 1920, 0.1 * 1080), new(0.5 * 1920, 0.5 * 1080), new(0.1 * 1920, 0.9 * 1080), new(0.9 * 1920, 0.9 * 1080)];
    }

    /// <summary>A session: <paramref name="frames"/> noisy frames per target, the head drifting ±<paramref name="driftMm"/> between targets.</summary>
    internal static List<CalibrationPoint> Session(ScreenPoint[] targets, Random r, double sigmaDeg, double driftMm, int frames = 15, double headShare = 0.3, double eyeGain = 0.8) =>
        [.. targets.Select(t =>
        {
            var eye = (driftMm * ((2 * r.NextDouble()) - 1), 60 + (driftMm * ((2 * r.NextDouble()) - 1)));
            return new CalibrationPoint(t, [.. Enumerable.Range(0, frames).Select(_ => Noisy(Observe(t, eye, headShare, eyeGain), r, sigmaDeg))]);
        })];

    /// <summary>Mean error in degrees of the map on fresh random targets and head positions, noise-free features.</summary>
    private static double HeldOutError(GazeCalibration c, Random r, double driftMm, double headShare = 0.3, double eyeGain = 0.8)
    {
        var sum = 0.0;
        const int n = 400;
        for (var i = 0; i < n; i++)
        {
            var t = new ScreenPoint((0.1 + (0.8 * r.NextDouble())) * Screen.WidthPx, (0.1 + (0.8 * r.NextDouble())) * Screen.HeightPx);
            var eye = (driftMm * ((2 * r.NextDouble()) - 1), 60 + (driftMm * ((2 * r.NextDouble()) - 1)));
            var p = c.Map(Observe(t, eye, headShare, eyeGain));
            sum += Screen.AngleBetween(p.X, p.Y, t.X, t.Y);
        }

        return sum / n;
    }

    [Fact]
    public void Noise_free_nine_point_calibration_recovers_the_geometry_within_a_fraction_of_a_degree()
    {
        var r = new Random(7);
        var c = GazeCalibration.Fit(Screen, Session(Grid(9), r, sigmaDeg: 0, driftMm: Drift, frames: 1));
        var heldOut = HeldOutError(c, r, Drift);
        output.WriteLine($"noise-free: LOO mean {c.Accuracy.MeanErrorDegrees:0.00}° ({c.Accuracy.MeanErrorPx:0} px), max {c.Accuracy.MaxErrorDegrees:0.00}°; held-out mean {heldOut:0.00}°");
        Assert.True(heldOut < 0.5, $"held-out error {heldOut:0.00}° ≥ 0.5° without noise: the polynomial does not fit the geometry");
        Assert.True(c.Accuracy.MeanErrorDegrees < 1.0, $"LOO error {c.Accuracy.MeanErrorDegrees:0.00}° ≥ 1° without noise");
    }

    [Theory]
    [InlineData(9, 0.5)]
    [InlineData(9, 1.5)]
    [InlineData(5, 0.5)]
    public void Noisy_calibration_error_stays_within_what_the_noise_explains(int points, double sigmaDeg)
    {
        var r = new Random(11 + points);
        const int frames = 15;
        var c = GazeCalibration.Fit(Screen, Session(Grid(points), r, sigmaDeg, driftMm: Drift, frames));
        var heldOut = HeldOutError(c, r, Drift);

        // The per-point median of 15 frames has about 1.25σ/√15 noise per angle; the fit spreads it over the screen with a
        // gain of about 1/eyeGain. Allow 3× that radial noise plus the noise-free model error (0.5°).
        var pointNoise = 1.25 * sigmaDeg / Math.Sqrt(frames) * Math.Sqrt(2) / 0.8;
        var limit = 0.5 + (3 * pointNoise);
        output.WriteLine($"{points} points, σ = {sigmaDeg}°/frame: LOO mean {c.Accuracy.MeanErrorDegrees:0.00}° ({c.Accuracy.MeanErrorPx:0} px), max {c.Accuracy.MaxErrorDegrees:0.00}°; held-out mean {heldOut:0.00}°; limit {limit:0.00}°");
        Assert.True(heldOut < limit, $"held-out error {heldOut:0.00}° ≥ {limit:0.00}°");
        if (points == 9)
        {
            Assert.True(c.Accuracy.MeanErrorDegrees < 2 * limit, $"LOO error {c.Accuracy.MeanErrorDegrees:0.00}° ≥ {2 * limit:0.00}°");
        }
        else
        {
            // With 4 corners and the centre, leaving a corner out is an extrapolation: the LOO figure must overstate the
            // error, never understate it.
            Assert.True(c.Accuracy.MeanErrorDegrees > heldOut, $"5-point LOO error {c.Accuracy.MeanErrorDegrees:0.00}° below the held-out {heldOut:0.00}°");
        }

        Assert.InRange(c.Accuracy.MeanErrorPx / c.Accuracy.MeanErrorDegrees, 0.8 * Screen.PxPerDegree, 1.2 * Screen.PxPerDegree);
    }

    [Fact]
    public void Head_terms_correct_the_under_reported_eye_rotation()
    {
        // Without head rotation in the features (the person keeps the head still) the 0.8 eye gain is linear and any map
        // fits; with the head turning 50 % of the way the eye part and head part have different gains and only the head
        // terms can tell them apart. The fitted head-yaw coefficient must then be clearly non-zero.
        var r = new Random(3);
        var c = GazeCalibration.Fit(Screen, Session(Grid(9), r, 0.1, 10, headShare: 0.5, eyeGain: 0.6));
        var heldOut = HeldOutError(c, r, 10, headShare: 0.5, eyeGain: 0.6);
        output.WriteLine($"head yaw coefficient {c.CoefficientsX[6]:0.000}, held-out {heldOut:0.00}°");
        Assert.True(heldOut < 1.0, $"held-out error {heldOut:0.00}° with head turning");
        Assert.True(Math.Abs(c.CoefficientsX[6]) > 0.01, $"head yaw coefficient {c.CoefficientsX[6]} is ~0");
    }

    [Fact]
    public void Too_few_points_are_refused_naming_the_count()
    {
        var session = Session(Grid(5), new Random(1), 0.5, 10).Take(4).ToList();
        var e = Assert.Throws<ArgumentException>(() => GazeCalibration.Fit(Screen, session));
        Assert.Contains("too few calibration points: 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repeated_targets_do_not_count_as_distinct_points()
    {
        var session = Session(Grid(5), new Random(1), 0.5, 10);
        session[4] = session[4] with { Target = session[0].Target };
        var e = Assert.Throws<ArgumentException>(() => GazeCalibration.Fit(Screen, session));
        Assert.Contains("4 distinct targets", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Collinear_targets_are_refused()
    {
        ScreenPoint[] diagonal = [.. Enumerable.Range(0, 6).Select(i => new ScreenPoint(200 + (300 * i), 100 + (170 * i)))];
        var e = Assert.Throws<ArgumentException>(() => GazeCalibration.Fit(Screen, Session(diagonal, new Random(2), 0.5, 10)));
        Assert.Contains("collinear", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gaze_that_did_not_follow_the_targets_is_refused()
    {
        // The person stares at the centre throughout: the features do not move with the targets.
        var r = new Random(4);
        var session = Grid(9).Select(t => new CalibrationPoint(t, [.. Enumerable.Range(0, 10).Select(_ => Noisy(Observe(new ScreenPoint(960, 540), (0, 60), 0.3, 0.8), r, 0.5))])).ToList();
        var e = Assert.Throws<ArgumentException>(() => GazeCalibration.Fit(Screen, session));
        Assert.Contains("too little gaze spread: gaze yaw", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Targets_off_the_screen_empty_points_and_non_finite_samples_are_refused()
    {
        var session = Session(Grid(9), new Random(5), 0.5, 10);
        var off = session.ToList();
        off[0] = off[0] with { Target = new ScreenPoint(-10, 50) };
        Assert.Contains("off the 1920×1080 screen", Assert.Throws<ArgumentException>(() => GazeCalibration.Fit(Screen, off)).Message, StringComparison.Ordinal);

        var empty = session.ToList();
        empty[2] = empty[2] with { Samples = [] };
        Assert.Contains("point 2 has no samples", Assert.Throws<ArgumentException>(() => GazeCalibration.Fit(Screen, empty)).Message, StringComparison.Ordinal);

        var nan = session.ToList();
        nan[3] = nan[3] with { Samples = [nan[3].Samples[0] with { GazeYaw = float.NaN }] };
        Assert.Contains("point 3 has a sample with a non-finite feature", Assert.Throws<ArgumentException>(() => GazeCalibration.Fit(Screen, nan)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Implausible_screen_geometry_is_refused_naming_the_option()
    {
        var session = Session(Grid(9), new Random(5), 0.5, 10);
        var e = Assert.Throws<ArgumentException>(() => GazeCalibration.Fit(Screen with { ViewingDistanceMm = 20 }, session));
        Assert.Contains("ViewingDistanceMm = 20", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => GazeCalibration.Fit(Screen with { HeightMm = 531 }, session));
        Assert.Contains("square", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Calibration_file_round_trips_and_maps_identically()
    {
        var r = new Random(9);
        var c = GazeCalibration.Fit(Screen, Session(Grid(9), r, 0.5, 10));
        var json = c.ToJson();
        var back = GazeCalibration.FromJson(json);
        Assert.Equal(c.Screen, back.Screen);
        Assert.Equal(c.Accuracy.MeanErrorPx, back.Accuracy.MeanErrorPx);
        var f = Observe(new ScreenPoint(700, 300), (5, 60), 0.3, 0.8);
        Assert.Equal(c.Map(f), back.Map(f));
        Assert.Contains("\"coefficientsX\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Damaged_calibration_files_are_refused()
    {
        var json = GazeCalibration.Fit(Screen, Session(Grid(9), new Random(9), 0.5, 10)).ToJson();
        Assert.Contains("not a gaze calibration file", Assert.Throws<ArgumentException>(() => GazeCalibration.FromJson("{ nope")).Message, StringComparison.Ordinal);
        Assert.Contains("format 2", Assert.Throws<ArgumentException>(() => GazeCalibration.FromJson(json.Replace("\"format\": 1", "\"format\": 2", StringComparison.Ordinal))).Message, StringComparison.Ordinal);
        var c = GazeCalibration.FromJson(json);
        var cut = (c with { CoefficientsX = c.CoefficientsX[..5] }).ToJson();
        Assert.Contains("10 finite numbers", Assert.Throws<ArgumentException>(() => GazeCalibration.FromJson(cut)).Message, StringComparison.Ordinal);
    }
}
