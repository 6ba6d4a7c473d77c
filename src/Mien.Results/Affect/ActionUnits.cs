namespace Mien.Results;

/// <summary>
/// Facial action unit intensities of one face in one frame, estimated from mesh geometry (not from a trained AU
/// detector): each is the deformation against the person's own neutral baseline, on FACS's 0–5 scale
/// (0 = as at rest, 1 ≈ trace (A), 5 ≈ maximum (E)). Estimates, not coded FACS.
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

    /// <summary>Creates a set from intensities in <see cref="Codes"/> order.</summary>
    public ActionUnits(IReadOnlyList<float> intensities, bool baselineReady)
    {
        ArgumentNullException.ThrowIfNull(intensities);
        if (intensities.Count != Codes.Count)
        {
            throw new ArgumentException($"expected {Codes.Count} intensities, got {intensities.Count}", nameof(intensities));
        }

        Intensities = intensities;
        BaselineReady = baselineReady;
    }

    /// <summary>Intensities in <see cref="Codes"/> order, each within [0, 5].</summary>
    public IReadOnlyList<float> Intensities { get; }

    /// <summary>
    /// Whether the person's neutral baseline had settled when this was measured; before that, intensities are
    /// relative to the first frames seen of this person (not a neutral face) and less reliable.
    /// </summary>
    public bool BaselineReady { get; }

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
