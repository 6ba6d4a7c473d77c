namespace Mien.Reports;

/// <summary>
/// Rounding shared by every export, so JSONL, CSV, summary.json and the report show the same numbers:
/// 4 decimals for probabilities, scores and ratios, 2 for degrees, 1 for pixels, milliseconds for times.
/// More digits would only repeat model noise and make files larger.
/// </summary>
internal static class Precision
{
    /// <summary>Probabilities, confidences and dimensionless ratios (eye aspect, openness, mouth opening).</summary>
    public static double Ratio(float value) => Round(value, 4);

    /// <summary>Angles in degrees.</summary>
    public static double Degrees(float value) => Round(value, 2);

    /// <summary>Positions and sizes in pixels.</summary>
    public static double Pixels(float value) => Round(value, 1);

    /// <summary>Seconds with millisecond precision.</summary>
    public static double Seconds(TimeSpan time) =>
        (Math.Round(time.Ticks / (double)TimeSpan.TicksPerMillisecond, MidpointRounding.AwayFromZero) / 1000.0) + 0.0;

    /// <summary>Milliseconds with 2 decimals (stage latencies).</summary>
    public static double Milliseconds(double value) => Round(value, 2);

    // "+ 0.0" turns -0 into 0, so a tiny negative value never prints as "-0".
    private static double Round(double value, int digits) => Math.Round(value, digits, MidpointRounding.AwayFromZero) + 0.0;
}
