namespace Mien.Affect;

/// <summary>
/// The fitted constants of <see cref="ActionUnitEstimator"/> (docs/action-units.md: data, method, figures).
/// Regenerated and checked by <c>tests/Mien.Affect.Tests/ActionUnitCalibration.cs</c> (MIEN_AU_CALIBRATE=1).
/// </summary>
internal static class ActionUnitCalibrationConstants
{
    /// <summary>Population neutral face: median of each measure M1…M16 over near-frontal FER2013 train neutral faces.</summary>
    public static ReadOnlySpan<float> PopulationNeutral =>
    [
        0.1921f, 0.1946f, 0.2054f, 0.3073f, 0.0571f, -0.2953f, 0.0396f, 0.5218f, 0.7122f, -0.0150f, 0.5663f, 0.3135f, 0.1700f, 0.0200f, 0.6786f, 0.3152f,
    ];

    /// <summary>
    /// Per AU (<see cref="Results.ActionUnits.Codes"/> order), the deviation (in anatomical-scale units) read as
    /// intensity 5 before the soft knee: the 97.5th percentile over faces of the classes whose FACS prototype
    /// contains the AU. AU45 is not fitted (no blink class): 1.
    /// </summary>
    public static ReadOnlySpan<float> Scales =>
    [
        1.128f, 1.120f, 1.620f, 0.756f, 1.376f, 0.608f, 1.695f, 1.879f, 2.332f, 0.419f, 0.873f, 0.808f, 0.687f, 1.087f, 1.003f, 1.000f,
    ];

    /// <summary>Least-squares share of the lip corners' lift by which smiles (FER2013 happiness) lift the nasal alae.</summary>
    public const float NoseLift = 0.443f;

    /// <summary>Least-squares share of the cheeks' rise by which the lower lids rise in smiles (FER2013 happiness).</summary>
    public const float LidCheek = 0.182f;

    /// <summary>Least-squares share of the lip corners' lift by which smiles lift the upper lip.</summary>
    public const float UpperLipLift = 0.604f;
}
