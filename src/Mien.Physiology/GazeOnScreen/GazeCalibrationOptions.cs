namespace Mien.Physiology.GazeOnScreen;

/// <summary>How <see cref="GazeCalibration.Fit"/> fits and when it refuses a calibration.</summary>
public sealed record GazeCalibrationOptions
{
    /// <summary>Fewest distinct targets accepted (default 5; 9 recommended: the second-order terms need them).</summary>
    public int MinPoints { get; init; } = 5;

    /// <summary>Ridge penalty on the linear gaze terms, in normalised units (default 0.001: barely felt at 10° ↔ 0.4 screen).</summary>
    public double Ridge { get; init; } = 1e-3;

    /// <summary>Ridge penalty on the second-order gaze terms and the head terms (default 0.01): they correct the linear map but must not chase noise with 5–9 points.</summary>
    public double ExtraTermsRidge { get; init; } = 1e-2;

    /// <summary>The targets' spread across their best-fitting line (standard deviation) must reach this fraction of the screen's smaller side (default 0.1); otherwise they are collinear.</summary>
    public double MinTargetSpread { get; init; } = 0.1;

    /// <summary>Measured gaze must move across the targets by at least this fraction of the visual angle the targets span, in yaw and in pitch (default 0.2; Mien's gaze is not expected to be exact, but a person who did not follow the targets moves far less).</summary>
    public double MinGazeSpreadFraction { get; init; } = 0.2;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        ScreenGeometry.Require(MinPoints >= 5, nameof(MinPoints), MinPoints, "at least 5 (the linear map alone has 3 unknowns per axis and the error is left-one-out)");
        ScreenGeometry.Require(Ridge >= 0 && ExtraTermsRidge > 0 && double.IsFinite(Ridge) && double.IsFinite(ExtraTermsRidge), nameof(Ridge) + "/" + nameof(ExtraTermsRidge), $"{Ridge}/{ExtraTermsRidge}", "finite, ≥ 0 and > 0");
        ScreenGeometry.Require(MinTargetSpread > 0 && MinTargetSpread < 0.5, nameof(MinTargetSpread), MinTargetSpread, "within (0, 0.5)");
        ScreenGeometry.Require(MinGazeSpreadFraction > 0 && MinGazeSpreadFraction <= 1, nameof(MinGazeSpreadFraction), MinGazeSpreadFraction, "within (0, 1]");
    }
}
