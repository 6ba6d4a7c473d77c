using Mien.Results;

namespace Mien.Affect;

/// <summary>
/// Valence and arousal of one frame from expression class probabilities (a circumplex mapping) combined with the
/// geometric intensity of the face's action units.
/// </summary>
/// <remarks>
/// <para><b>Class coordinates</b> (valence, arousal) are the pleasure and arousal values that Russell and Mehrabian
/// (1977, "Evidence for a three-factor theory of emotions", J. Research in Personality 11:273–294) measured for the
/// emotion terms angry (−0.51, 0.59), disgusted (−0.60, 0.35), afraid (−0.64, 0.60), happy (0.81, 0.51),
/// sad (−0.63, −0.27) and surprised (0.40, 0.67); neutral is the origin. The class part is the expectation
/// V<sub>c</sub> = Σ p<sub>k</sub> v<sub>k</sub>, A<sub>c</sub> = Σ p<sub>k</sub> a<sub>k</sub>.</para>
/// <para><b>Geometric intensity</b> I = 1 − exp(−S/4), S the sum of all AU intensities except AU45 (blinks are not
/// activation). Arousal = clamp(A<sub>c</sub> + 0.4·(I − 0.2)), so an animated face raises and a still one lowers it
/// a little; valence = clamp(V<sub>c</sub> + 0.25·tanh((AU12 − max(AU15, ½·AU4)) / 2)), the lip-corner pull against
/// the depressor and brow lowerer. Both gains are judgement (they keep the class mapping dominant), not fitted.</para>
/// <para><b>Confidence</b> = reliability × (0.5 + 0.5·(1 − H(p)/ln 7)): a peaked class distribution counts more than
/// a flat one.</para>
/// </remarks>
public static class ValenceArousalMapper
{
    /// <summary>Valence per class in <see cref="ExpressionEstimate.Labels"/> order (Russell and Mehrabian 1977).</summary>
    public static IReadOnlyList<float> ClassValence { get; } = [-0.51f, -0.60f, -0.64f, 0.81f, -0.63f, 0.40f, 0f];

    /// <summary>Arousal per class in <see cref="ExpressionEstimate.Labels"/> order (Russell and Mehrabian 1977).</summary>
    public static IReadOnlyList<float> ClassArousal { get; } = [0.59f, 0.35f, 0.60f, 0.51f, -0.27f, 0.67f, 0f];

    /// <summary>Maps probabilities (and AUs when measured) to valence/arousal with a confidence.</summary>
    /// <param name="probabilities">Seven class probabilities in label order.</param>
    /// <param name="units">Action units of the frame, when measured.</param>
    /// <param name="reliability">Frame reliability in [0, 1].</param>
    public static ValenceArousal Map(IReadOnlyList<float> probabilities, ActionUnits? units, float reliability)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        if (probabilities.Count != ClassValence.Count)
        {
            throw new ArgumentException($"expected {ClassValence.Count} probabilities, got {probabilities.Count}", nameof(probabilities));
        }

        float v = 0, a = 0, sum = 0, entropy = 0;
        for (var k = 0; k < probabilities.Count; k++)
        {
            var p = float.IsFinite(probabilities[k]) ? Math.Max(probabilities[k], 0) : 0;
            v += p * ClassValence[k];
            a += p * ClassArousal[k];
            sum += p;
            if (p > 0)
            {
                entropy -= p * MathF.Log(p);
            }
        }

        if (sum > 0)
        {
            v /= sum;
            a /= sum;
            entropy = (entropy / sum) + MathF.Log(sum);
        }

        if (units is not null)
        {
            var s = 0f;
            for (var i = 0; i < units.Intensities.Count - 1; i++)
            {
                s += units.Intensities[i];
            }

            var intensity = 1 - MathF.Exp(-s / 4);
            a += 0.4f * (intensity - 0.2f);
            v += 0.25f * MathF.Tanh((units["AU12"] - Math.Max(units["AU15"], 0.5f * units["AU04"])) / 2);
        }

        var peaked = sum > 0 ? 1 - Math.Clamp(entropy / MathF.Log(probabilities.Count), 0f, 1f) : 0f;
        var r = float.IsFinite(reliability) ? Math.Clamp(reliability, 0f, 1f) : 0f;
        return new ValenceArousal(Math.Clamp(v, -1f, 1f), Math.Clamp(a, -1f, 1f), r * (0.5f + (0.5f * peaked)));
    }
}
