using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mien.Physiology.GazeOnScreen;

/// <summary>Error of the calibration at one target when that target was left out of the fit.</summary>
/// <param name="Target">The target.</param>
/// <param name="Predicted">Where the map fitted without it puts the person's gaze.</param>
/// <param name="ErrorPx">Distance in pixels.</param>
/// <param name="ErrorDegrees">Distance in degrees of visual angle.</param>
public sealed record CalibrationPointError(ScreenPoint Target, ScreenPoint Predicted, double ErrorPx, double ErrorDegrees);

/// <summary>Accuracy of a calibration, each target predicted by a map fitted without it (leave-one-point-out).</summary>
/// <param name="MeanErrorPx">Mean error in pixels.</param>
/// <param name="MeanErrorDegrees">Mean error in degrees of visual angle.</param>
/// <param name="MaxErrorPx">Largest error in pixels.</param>
/// <param name="MaxErrorDegrees">Largest error in degrees.</param>
/// <param name="Points">Per target.</param>
public sealed record CalibrationAccuracy(double MeanErrorPx, double MeanErrorDegrees, double MaxErrorPx, double MaxErrorDegrees, IReadOnlyList<CalibrationPointError> Points);

/// <summary>
/// One person's map from Mien's gaze and head features to screen pixels: a ridge-regularised second-order polynomial
/// in gaze yaw and pitch plus linear head-rotation and head-position terms, fitted to 5–9 (or more) targets, with its
/// leave-one-point-out accuracy. Serialises to a small JSON file kept per user.
/// </summary>
/// <remarks>
/// <para>Terms, per screen axis: 1, g<sub>y</sub>, g<sub>p</sub>, g<sub>y</sub>², g<sub>y</sub>g<sub>p</sub>,
/// g<sub>p</sub>², h<sub>y</sub>, h<sub>p</sub>, x, y, with gaze and head angles in units of 10° and head position in
/// units of a tenth of the frame from its centre; targets are fitted as fractions of the screen from its centre. These
/// fixed scales (not the data's spread) make one ridge penalty mean the same on every session: a person who holds their
/// head still gives head terms with no spread, and scaling by that spread would amplify its noise.</para>
/// <para>Head position enters because where the eyes are shifts where a given gaze direction meets the screen
/// (x ≈ eye x + D·tan yaw); head rotation enters to absorb the eye model's different gain for eye-in-head and head
/// rotation. Second-order gaze terms absorb the tangent and the camera's placement off the screen's centre.</para>
/// </remarks>
public sealed record GazeCalibration
{
    /// <summary>Number of polynomial terms per axis.</summary>
    internal const int TermCount = 10;

    /// <summary>File format version written to JSON.</summary>
    public const int CurrentFormat = 1;

    /// <summary>Format version of this calibration's JSON.</summary>
    public int Format { get; init; } = CurrentFormat;

    /// <summary>The screen it was made on.</summary>
    public required ScreenGeometry Screen { get; init; }

    /// <summary>Coefficients of the terms (see remarks) for x as a fraction of the screen width from its centre.</summary>
    public required double[] CoefficientsX { get; init; }

    /// <summary>Coefficients for y as a fraction of the screen height from its centre.</summary>
    public required double[] CoefficientsY { get; init; }

    /// <summary>Leave-one-point-out accuracy measured when it was fitted.</summary>
    public required CalibrationAccuracy Accuracy { get; init; }

    /// <summary>Number of targets it was fitted to.</summary>
    public int PointCount { get; init; }

    /// <summary>
    /// Fits a calibration, or refuses with a message naming the problem: too few targets, collinear targets, targets off
    /// the screen, a target without (finite) samples, or gaze that hardly moved across the targets.
    /// </summary>
    /// <exception cref="ArgumentException">The calibration is degenerate (the message says how) or an input is invalid.</exception>
    public static GazeCalibration Fit(ScreenGeometry screen, IReadOnlyList<CalibrationPoint> points, GazeCalibrationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(screen);
        ArgumentNullException.ThrowIfNull(points);
        screen.Validate();
        var o = options ?? new GazeCalibrationOptions();
        o.Validate();

        var features = new GazeFeatures[points.Count];
        var targets = new ScreenPoint[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i] ?? throw new ArgumentException($"calibration point {i} is null", nameof(points));
            var t = p.Target;
            if (!(t.X >= 0 && t.X <= screen.WidthPx && t.Y >= 0 && t.Y <= screen.HeightPx))
            {
                throw new ArgumentException($"calibration target {i} at ({t.X:0.#}, {t.Y:0.#}) px lies off the {screen.WidthPx}×{screen.HeightPx} screen", nameof(points));
            }

            features[i] = Median(p.Samples, i);
            targets[i] = t;
        }

        var distinct = targets.Distinct().Count();
        if (distinct < o.MinPoints)
        {
            throw new ArgumentException($"too few calibration points: {distinct} distinct targets, at least {o.MinPoints} needed (5 or 9 recommended)", nameof(points));
        }

        RequireSpreadTargets(screen, targets, o);
        RequireGazeSpread(screen, features, targets, o);

        var (cx, cy) = Solve(screen, features, targets, null, o);
        var errors = new CalibrationPointError[targets.Length];
        for (var i = 0; i < targets.Length; i++)
        {
            var (lx, ly) = Solve(screen, features, targets, i, o);
            var predicted = Map(screen, lx, ly, features[i]);
            var px = Math.Sqrt(Sq(predicted.X - targets[i].X) + Sq(predicted.Y - targets[i].Y));
            errors[i] = new CalibrationPointError(targets[i], predicted, px, screen.AngleBetween(predicted.X, predicted.Y, targets[i].X, targets[i].Y));
        }

        var accuracy = new CalibrationAccuracy(
            errors.Average(e => e.ErrorPx), errors.Average(e => e.ErrorDegrees), errors.Max(e => e.ErrorPx), errors.Max(e => e.ErrorDegrees), errors);
        return new GazeCalibration { Screen = screen, CoefficientsX = cx, CoefficientsY = cy, Accuracy = accuracy, PointCount = targets.Length };
    }

    /// <summary>Where on the screen (pixels; may lie off it) the person looks, given one frame's features.</summary>
    public ScreenPoint Map(GazeFeatures features) => Map(Screen, CoefficientsX, CoefficientsY, features);

    /// <summary>Whether a point lies on the screen, widened on every side by <paramref name="marginPx"/> (e.g. the calibration error).</summary>
    public bool IsOnScreen(ScreenPoint point, double marginPx = 0) =>
        point.X >= -marginPx && point.X <= Screen.WidthPx + marginPx && point.Y >= -marginPx && point.Y <= Screen.HeightPx + marginPx;

    /// <summary>The calibration as indented JSON (a per-user calibration file).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, GazeJsonContext.Default.GazeCalibration);

    /// <summary>Reads a calibration written by <see cref="ToJson"/>.</summary>
    /// <exception cref="ArgumentException">The text is not such a calibration (wrong format version, coefficient count, non-finite values, invalid screen).</exception>
    public static GazeCalibration FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        GazeCalibration? c;
        try
        {
            c = JsonSerializer.Deserialize(json, GazeJsonContext.Default.GazeCalibration);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"not a gaze calibration file: {e.Message}", nameof(json), e);
        }

        if (c is null || c.Format != CurrentFormat)
        {
            throw new ArgumentException($"gaze calibration format {c?.Format.ToString(CultureInfo.InvariantCulture) ?? "null"} is not the supported {CurrentFormat}", nameof(json));
        }

        c.Screen.Validate();
        if (c.CoefficientsX is not { Length: TermCount } || c.CoefficientsY is not { Length: TermCount } || !c.CoefficientsX.Concat(c.CoefficientsY).All(double.IsFinite))
        {
            throw new ArgumentException($"gaze calibration coefficients must be {TermCount} finite numbers per axis", nameof(json));
        }

        return c;
    }

    /// <summary>The terms of one frame's features (see remarks).</summary>
    internal static void Terms(GazeFeatures f, Span<double> t)
    {
        double a = f.GazeYaw / 10.0, b = f.GazePitch / 10.0;
        t[0] = 1;
        t[1] = a;
        t[2] = b;
        t[3] = a * a;
        t[4] = a * b;
        t[5] = b * b;
        t[6] = f.HeadYaw / 10.0;
        t[7] = f.HeadPitch / 10.0;
        t[8] = (f.HeadX - 0.5) * 10;
        t[9] = (f.HeadY - 0.5) * 10;
    }

    private static ScreenPoint Map(ScreenGeometry screen, double[] cx, double[] cy, GazeFeatures f)
    {
        Span<double> t = stackalloc double[TermCount];
        Terms(f, t);
        double u = 0, v = 0;
        for (var k = 0; k < TermCount; k++)
        {
            u += cx[k] * t[k];
            v += cy[k] * t[k];
        }

        return new ScreenPoint((u + 0.5) * screen.WidthPx, (v + 0.5) * screen.HeightPx);
    }

    /// <summary>Ridge least squares for both axes, optionally without point <paramref name="leaveOut"/>.</summary>
    private static (double[] X, double[] Y) Solve(ScreenGeometry screen, GazeFeatures[] features, ScreenPoint[] targets, int? leaveOut, GazeCalibrationOptions o)
    {
        const int n = TermCount;
        var a = new double[n, n];
        var bx = new double[n];
        var by = new double[n];
        Span<double> t = stackalloc double[n];
        for (var i = 0; i < features.Length; i++)
        {
            if (i == leaveOut)
            {
                continue;
            }

            Terms(features[i], t);
            var u = (targets[i].X / screen.WidthPx) - 0.5;
            var v = (targets[i].Y / screen.HeightPx) - 0.5;
            for (var r = 0; r < n; r++)
            {
                bx[r] += t[r] * u;
                by[r] += t[r] * v;
                for (var c = 0; c < n; c++)
                {
                    a[r, c] += t[r] * t[c];
                }
            }
        }

        // The intercept is not penalised: where the person sits relative to the camera is not a small correction.
        for (var k = 1; k < n; k++)
        {
            a[k, k] += k <= 2 ? o.Ridge : o.ExtraTermsRidge;
        }

        return (SolveSymmetric(a, bx), SolveSymmetric(a, by));
    }

    /// <summary>Solves A·x = b for a symmetric positive-definite A (Cholesky; A is 10×10).</summary>
    private static double[] SolveSymmetric(double[,] a, double[] b)
    {
        var n = b.Length;
        var l = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var s = a[i, j];
                for (var k = 0; k < j; k++)
                {
                    s -= l[i, k] * l[j, k];
                }

                if (i == j)
                {
                    // Positive with any ridge > 0 on all but the intercept, unless no point was given at all.
                    l[i, i] = Math.Sqrt(Math.Max(s, 1e-12));
                }
                else
                {
                    l[i, j] = s / l[j, j];
                }
            }
        }

        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            var s = b[i];
            for (var k = 0; k < i; k++)
            {
                s -= l[i, k] * y[k];
            }

            y[i] = s / l[i, i];
        }

        var x = new double[n];
        for (var i = n - 1; i >= 0; i--)
        {
            var s = y[i];
            for (var k = i + 1; k < n; k++)
            {
                s -= l[k, i] * x[k];
            }

            x[i] = s / l[i, i];
        }

        return x;
    }

    private static GazeFeatures Median(IReadOnlyList<GazeFeatures>? samples, int index)
    {
        if (samples is null || samples.Count == 0)
        {
            throw new ArgumentException($"calibration point {index} has no samples (no face with gaze was measured while its target was shown)", nameof(samples));
        }

        foreach (var s in samples)
        {
            if (!s.IsFinite)
            {
                throw new ArgumentException($"calibration point {index} has a sample with a non-finite feature: {s}", nameof(samples));
            }
        }

        static float M(IReadOnlyList<GazeFeatures> s, Func<GazeFeatures, float> f)
        {
            var v = s.Select(f).Order().ToArray();
            return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
        }

        return new GazeFeatures(M(samples, s => s.GazeYaw), M(samples, s => s.GazePitch), M(samples, s => s.HeadYaw), M(samples, s => s.HeadPitch), M(samples, s => s.HeadX), M(samples, s => s.HeadY));
    }

    /// <summary>Refuses targets that lie on (or near) one line: the map across that line would be a guess.</summary>
    private static void RequireSpreadTargets(ScreenGeometry screen, ScreenPoint[] targets, GazeCalibrationOptions o)
    {
        double mx = targets.Average(t => t.X), my = targets.Average(t => t.Y);
        double sxx = targets.Average(t => Sq(t.X - mx)), syy = targets.Average(t => Sq(t.Y - my)), sxy = targets.Average(t => (t.X - mx) * (t.Y - my));
        var half = (sxx + syy) / 2;
        var minor = Math.Sqrt(Math.Max(0, half - Math.Sqrt(Sq((sxx - syy) / 2) + Sq(sxy))));
        var limit = o.MinTargetSpread * Math.Min(screen.WidthPx, screen.HeightPx);
        if (minor < limit)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"calibration targets are collinear: their spread across the best-fitting line is {minor:0.#} px (standard deviation), at least {limit:0.#} px ({o.MinTargetSpread:0.##} of the screen's smaller side) needed; use a 3×3 grid or 4 corners plus the centre"));
        }
    }

    /// <summary>Refuses a session where the measured gaze hardly moved while the targets spanned the screen.</summary>
    private static void RequireGazeSpread(ScreenGeometry screen, GazeFeatures[] features, ScreenPoint[] targets, GazeCalibrationOptions o)
    {
        var cy = screen.HeightPx / 2.0;
        var cx = screen.WidthPx / 2.0;
        var spanYaw = screen.AngleBetween(targets.Min(t => t.X), cy, targets.Max(t => t.X), cy);
        var spanPitch = screen.AngleBetween(cx, targets.Min(t => t.Y), cx, targets.Max(t => t.Y));
        var yaw = features.Max(f => f.GazeYaw) - features.Min(f => f.GazeYaw);
        var pitch = features.Max(f => f.GazePitch) - features.Min(f => f.GazePitch);
        foreach (var (name, moved, span) in new[] { ("yaw", yaw, spanYaw), ("pitch", pitch, spanPitch) })
        {
            if (moved < o.MinGazeSpreadFraction * span)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"too little gaze spread: gaze {name} moved {moved:0.0}° across targets spanning {span:0.0}°, at least {o.MinGazeSpreadFraction * span:0.0}° ({o.MinGazeSpreadFraction:0.##} of the span) needed; the person probably did not follow the targets, or the eyes were not tracked"));
            }
        }
    }

    private static double Sq(double v) => v * v;
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(GazeCalibration))]
internal sealed partial class GazeJsonContext : JsonSerializerContext;
