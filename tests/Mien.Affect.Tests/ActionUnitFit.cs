using System.Globalization;
using System.Text;
using Mien.Results;

namespace Mien.Affect.Tests;

/// <summary>
/// Fits the action unit constants from measured labelled faces (docs/action-units.md): the population neutral
/// (per-measure median of the neutral faces), the share of a smile's corner lift that also lifts the nasal alae and
/// the upper lip (least squares through the origin over happiness faces), and each AU's scale (the 97.5th percentile
/// of its deviation over the faces of the classes whose FACS prototype contains it).
/// </summary>
internal sealed class ActionUnitFit
{
    /// <summary>Percentile of the prototype classes' deviations read as intensity 5 (before the soft knee).</summary>
    public const double ScalePercentile = 0.975;

    /// <summary>
    /// Classes whose prototype (Ekman &amp; Friesen's EMFACS predictions, as tabulated for CK+ by Lucey et al. 2010)
    /// contains each AU, in <see cref="ActionUnits.Codes"/> order. AU45 has none (not fitted).
    /// </summary>
    public static readonly string[][] Prototypes =
    [
        ["surprise", "fear", "sadness"],          // AU01
        ["surprise", "fear"],                     // AU02
        ["anger", "fear", "sadness"],             // AU04
        ["surprise", "fear", "anger"],            // AU05
        ["happiness"],                            // AU06
        ["anger", "fear"],                        // AU07
        ["disgust"],                              // AU09
        ["disgust"],                              // AU10
        ["happiness"],                            // AU12
        ["sadness", "disgust"],                   // AU15
        ["sadness", "anger", "disgust"],          // AU17
        ["fear"],                                 // AU20
        ["anger"],                                // AU23
        ["surprise", "fear", "happiness"],        // AU25
        ["surprise", "fear"],                     // AU26
        [],                                       // AU45
    ];

    private readonly Dictionary<string, int> _counts = [];
    private readonly string _table;

    private ActionUnitFit(float[] neutral, float noseLift, float lipLift, float lidCheek, float[] scales, Dictionary<string, int> counts, string table)
    {
        LidCheek = lidCheek;
        Neutral = neutral;
        NoseLift = noseLift;
        UpperLipLift = lipLift;
        Scales = scales;
        _counts = counts;
        _table = table;
    }

    public float[] Neutral { get; }

    public float NoseLift { get; }

    public float UpperLipLift { get; }

    public float LidCheek { get; }

    public float[] Scales { get; }

    public static ActionUnitFit Fit(IReadOnlyList<ActionUnitCalibration.Face> faces)
    {
        var neutralFaces = faces.Where(f => f.Label == "neutral").ToList();
        var neutral = new float[ActionUnitEstimator.MeasureCount];
        for (var k = 0; k < neutral.Length; k++)
        {
            neutral[k] = Median(neutralFaces.Select(f => f.Measures[k]));
        }

        // Smile coupling: on happiness faces, regress the alae's and the upper lip's rise on the corners' lift.
        double sxx = 0, sxNose = 0, sxLip = 0, scc = 0, scLid = 0;
        foreach (var f in faces.Where(f => f.Label == "happiness"))
        {
            var cheek = Math.Max(0, f.Measures[5] - neutral[5]);
            scc += cheek * cheek;
            scLid += cheek * -(f.Measures[6] - neutral[6]);
            var lift = Math.Max(0, -(f.Measures[9] - neutral[9]));
            sxx += lift * lift;
            sxNose += lift * -(f.Measures[7] - neutral[7]);
            sxLip += lift * -(f.Measures[8] - neutral[8]);
        }

        var noseLift = (float)Math.Max(0, sxNose / sxx);
        var lipLift = (float)Math.Max(0, sxLip / sxx);
        var lidCheek = (float)Math.Max(0, scLid / scc);

        var scales = new float[ActionUnits.Codes.Count];
        var counts = faces.GroupBy(f => $"{f.Set}/{f.Label}").ToDictionary(g => g.Key, g => g.Count());
        var deviations = new float[ActionUnits.Codes.Count];
        var byLabel = new Dictionary<string, List<float[]>>();
        foreach (var f in faces)
        {
            ActionUnitEstimator.Deviations(f.Measures, neutral, deviations, noseLift, lipLift, lidCheek);
            if (!byLabel.TryGetValue(f.Label, out var list))
            {
                byLabel[f.Label] = list = [];
            }

            list.Add([.. deviations]);
        }

        for (var a = 0; a < scales.Length; a++)
        {
            var pool = Prototypes[a].SelectMany(l => byLabel.GetValueOrDefault(l) ?? []).Select(d => d[a]).ToList();
            scales[a] = pool.Count == 0 ? 1f : (float)Math.Round(Quantile(pool, ScalePercentile), 3);
        }

        // Mean calibrated intensity per class and AU, and the share at ≥ 4.95, for the documentation.
        var table = new StringBuilder("| class | faces | " + string.Join(" | ", ActionUnits.Codes) + " |\n|---|---:|" + string.Concat(Enumerable.Repeat("---:|", ActionUnits.Codes.Count)) + "\n");
        foreach (var (label, list) in byLabel.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var mean = new double[scales.Length];
            foreach (var d in list)
            {
                for (var a = 0; a < scales.Length; a++)
                {
                    mean[a] += ActionUnitEstimator.Intensity(d[a] / scales[a]) / list.Count;
                }
            }

            table.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {label} | {list.Count} | {string.Join(" | ", mean.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)))} |"));
        }

        return new ActionUnitFit(neutral, noseLift, lipLift, lidCheek, scales, counts, table.ToString());
    }

    public string Describe()
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("Faces (near-frontal): " + string.Join(", ", _counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}")));
        text.AppendLine("PopulationNeutral = [" + string.Join(", ", Neutral.Select(v => v.ToString("F4", inv) + "f")) + "]");
        text.AppendLine("Scales = [" + string.Join(", ", Scales.Select(v => v.ToString("F3", inv) + "f")) + "]");
        text.AppendLine(string.Create(inv, $"NoseLift = {NoseLift:F3}f, UpperLipLift = {UpperLipLift:F3}f, LidCheek = {LidCheek:F3}f"));
        text.AppendLine();
        text.AppendLine("Mean intensity per class with these constants (against the population neutral):");
        text.AppendLine();
        text.Append(_table);
        return text.ToString();
    }

    private static float Median(IEnumerable<float> values) => (float)Quantile([.. values], 0.5);

    private static double Quantile(List<float> values, double q)
    {
        var sorted = values.Order().ToArray();
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(sorted.Length - 1, low + 1);
        return sorted[low] + ((position - low) * (sorted[high] - sorted[low]));
    }
}
