namespace Mien.Results;

/// <summary>What an <see cref="ActionUnits"/> set's intensities are measured against.</summary>
public enum ActionUnitBaseline
{
    /// <summary>
    /// A population-average neutral face (the median of neutral faces in FER2013, docs/action-units.md): used for
    /// unrelated still images and for a person's first frames before any of their neutral frames was accepted.
    /// Faces differ in shape, so part of each intensity may be the person's anatomy rather than an expression.
    /// </summary>
    Population,

    /// <summary>
    /// The person's own neutral baseline while it is still settling: a blend of their first accepted neutral
    /// frames with the population neutral, moving to their own as frames accumulate.
    /// </summary>
    Provisional,

    /// <summary>The person's own settled neutral baseline (the median of their recent frontal, neutral frames).</summary>
    Person,
}

/// <summary>
/// Facial action unit intensities of one face in one frame, estimated from mesh geometry (not from a trained AU
/// detector): each is the deformation against a neutral baseline (<see cref="Baseline"/>), on FACS's 0–5 scale
/// (0 = as at rest, 1 ≈ trace (A), 4 ≈ severe (D), 5 only at extremes (E); scales calibrated on labelled faces,
/// docs/action-units.md). Estimates, not coded FACS.
/// </summary>
public sealed record ActionUnits
{
    /// <summary>The action units estimated, in <see cref="Intensities"/> order (FACS numbers).</summary>
    public static IReadOnlyList<string> Codes { get; } =
        ["AU01", "AU02", "AU04", "AU05", "AU06", "AU07", "AU09", "AU10", "AU12", "AU15", "AU17", "AU20", "AU23", "AU25", "AU26", "AU45"];

    /// <summary>Short FACS names in <see cref="Codes"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["inner brow raiser", "outer brow raiser", "brow lowerer", "upper lid raiser", "cheek raiser", "lid tightener", "nose wrinkler",
         "upper lip raiser", "lip corner puller", "lip corner depressor", "chin raiser", "lip stretcher", "lip tightener", "lips part",
         "jaw drop", "blink / eyes closed"];

    /// <summary>Creates a set from intensities in <see cref="Codes"/> order, measured against the person's own baseline (settled or provisional).</summary>
    public ActionUnits(IReadOnlyList<float> intensities, bool baselineReady)
        : this(intensities, baselineReady ? ActionUnitBaseline.Person : ActionUnitBaseline.Provisional)
    {
    }

    /// <summary>Creates a set from intensities in <see cref="Codes"/> order, measured against <paramref name="baseline"/>.</summary>
    public ActionUnits(IReadOnlyList<float> intensities, ActionUnitBaseline baseline)
    {
        ArgumentNullException.ThrowIfNull(intensities);
        if (intensities.Count != Codes.Count)
        {
            throw new ArgumentException($"expected {Codes.Count} intensities, got {intensities.Count}", nameof(intensities));
        }

        Intensities = intensities;
        Baseline = baseline;
    }

    /// <summary>Intensities in <see cref="Codes"/> order, each within [0, 5].</summary>
    public IReadOnlyList<float> Intensities { get; }

    /// <summary>What the intensities are measured against: a population neutral, a settling or a settled personal baseline.</summary>
    public ActionUnitBaseline Baseline { get; }

    /// <summary>
    /// Whether the person's own neutral baseline had settled when this was measured (<see cref="Baseline"/> is
    /// <see cref="ActionUnitBaseline.Person"/>); before that, intensities are relative to a population neutral or a
    /// blend with it, and less reliable.
    /// </summary>
    public bool BaselineReady => Baseline == ActionUnitBaseline.Person;

    /// <summary>Intensity of <paramref name="code"/> (e.g. "AU12").</summary>
    public float this[string code]
    {
        get
        {
            for (var i = 0; i < Codes.Count; i++)
            {
                if (Codes[i] == code)
                {
                    return Intensities[i];
                }
            }

            throw new KeyNotFoundException($"unknown action unit '{code}' (known: {string.Join(", ", Codes)})");
        }
    }
}
