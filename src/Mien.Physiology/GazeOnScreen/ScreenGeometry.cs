namespace Mien.Physiology.GazeOnScreen;

/// <summary>
/// The screen the person looks at: its size in pixels and millimetres and the eyes' distance from it, so that
/// pixel errors and gaze velocities can be stated in degrees of visual angle.
/// </summary>
/// <param name="WidthPx">Screen width in pixels.</param>
/// <param name="HeightPx">Screen height in pixels.</param>
/// <param name="WidthMm">Visible screen width in millimetres.</param>
/// <param name="HeightMm">Visible screen height in millimetres.</param>
/// <param name="ViewingDistanceMm">Distance from the eyes to the screen plane in millimetres (typically 500–700 for a desktop monitor).</param>
/// <remarks>The eyes are assumed to sit on the normal through the screen's centre; off-centre seating changes visual
/// angles by the cosine of the offset angle (under 3 % within ±13°).</remarks>
public sealed record ScreenGeometry(int WidthPx, int HeightPx, double WidthMm, double HeightMm, double ViewingDistanceMm)
{
    /// <summary>Checks the geometry.</summary>
    /// <exception cref="ArgumentException">A size or the distance is not positive and finite, or pixels are far from square.</exception>
    public void Validate()
    {
        Require(WidthPx > 0 && HeightPx > 0, nameof(WidthPx) + "/" + nameof(HeightPx), $"{WidthPx}/{HeightPx}", "positive");
        Require(WidthMm > 0 && HeightMm > 0 && double.IsFinite(WidthMm) && double.IsFinite(HeightMm), nameof(WidthMm) + "/" + nameof(HeightMm), $"{WidthMm}/{HeightMm}", "positive and finite");
        Require(ViewingDistanceMm >= 100 && ViewingDistanceMm <= 10_000, nameof(ViewingDistanceMm), ViewingDistanceMm, "within [100, 10000] mm (the eyes' distance from the screen)");
        var aspect = (WidthMm / WidthPx) / (HeightMm / HeightPx);
        Require(aspect > 0.8 && aspect < 1.25, nameof(WidthMm) + "/" + nameof(WidthPx) + " : " + nameof(HeightMm) + "/" + nameof(HeightPx), aspect.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), "within (0.8, 1.25): pixels are square on real screens, so a size is probably wrong");
    }

    /// <summary>Millimetres per pixel horizontally.</summary>
    public double MmPerPxX => WidthMm / WidthPx;

    /// <summary>Millimetres per pixel vertically.</summary>
    public double MmPerPxY => HeightMm / HeightPx;

    /// <summary>Pixels per degree of visual angle at the screen's centre (horizontal).</summary>
    public double PxPerDegree => ViewingDistanceMm * Math.Tan(Math.PI / 180) / MmPerPxX;

    /// <summary>Angle in degrees, seen from the eyes, between two screen points given in pixels.</summary>
    public double AngleBetween(double x1, double y1, double x2, double y2)
    {
        var (ax, ay, az) = Ray(x1, y1);
        var (bx, by, bz) = Ray(x2, y2);
        var cross = Math.Sqrt(Sq((ay * bz) - (az * by)) + Sq((az * bx) - (ax * bz)) + Sq((ax * by) - (ay * bx)));
        var dot = (ax * bx) + (ay * by) + (az * bz);

        // atan2 of |a×b| and a·b stays accurate for the tiny angles between consecutive gaze samples, where acos does not.
        return Math.Atan2(cross, dot) * 180 / Math.PI;
    }

    private (double X, double Y, double Z) Ray(double x, double y) =>
        ((x - (WidthPx / 2.0)) * MmPerPxX, (y - (HeightPx / 2.0)) * MmPerPxY, ViewingDistanceMm);

    private static double Sq(double v) => v * v;

    internal static void Require(bool ok, string name, object value, string constraint)
    {
        if (!ok)
        {
            throw new ArgumentException($"{name} = {value}: must be {constraint}.");
        }
    }
}
