using Mien.Results;

namespace Mien.Affect;

/// <summary>
/// How far one frame's expression estimate can be trusted, in [0, 1], from what the pipeline knows about the
/// face: detector score, mesh presence, head pose and (optionally) sharpness. Temporal models use it to weigh
/// the frame's evidence (0 = ignore the frame, 1 = full weight).
/// </summary>
/// <remarks>
/// The value is the product of four factors, each a smoothstep S(a, b, x) (0 below a, 1 above b, cubic between):
/// <list type="bullet">
/// <item>detection: S(0.3, 0.7, score) — the pipeline reports scores of about 0.6–0.95 for clear faces;</item>
/// <item>mesh: S(0.5, 0.9, presence) — the pipeline confirms faces at presence ≥ 0.8;</item>
/// <item>pose: 1 − S(20°, 55°, √(yaw² + pitch²)) — the expression CNN was trained on mostly frontal FER2013
/// photos, and beyond about 45° one half of the face is foreshortened or hidden;</item>
/// <item>sharpness: the caller's sharpness already mapped to [0, 1] (1 = sharp), clamped; 1 when unknown.</item>
/// </list>
/// The break points are judgement, not fitted: no labelled data of expression accuracy against pose or blur was
/// available here. Occlusion is seen only through the mesh presence (the mesh is fitted over occluded skin too).
/// </remarks>
public static class FaceReliability
{
    /// <summary>Reliability of one frame's face in [0, 1] (see the remarks for the curve).</summary>
    /// <param name="detectionScore">Detector or tracker confidence in [0, 1].</param>
    /// <param name="meshPresence">Face-mesh presence score in [0, 1].</param>
    /// <param name="pose">Head pose, when measured (none = no penalty).</param>
    /// <param name="sharpness">Sharpness mapped to [0, 1] by the caller (none = no penalty).</param>
    public static float Estimate(float detectionScore, float meshPresence, HeadPose? pose, float? sharpness = null)
    {
        var r = Smoothstep(0.3f, 0.7f, detectionScore) * Smoothstep(0.5f, 0.9f, meshPresence);
        if (pose is { } p)
        {
            var angle = MathF.Sqrt((p.Yaw * p.Yaw) + (p.Pitch * p.Pitch));
            r *= 1 - Smoothstep(20f, 55f, angle);
        }

        if (sharpness is { } s)
        {
            r *= float.IsFinite(s) ? Math.Clamp(s, 0f, 1f) : 0f;
        }

        return float.IsFinite(r) ? Math.Clamp(r, 0f, 1f) : 0f;
    }

    /// <summary>0 at or below <paramref name="a"/>, 1 at or above <paramref name="b"/>, 3t² − 2t³ between (NaN → 0).</summary>
    internal static float Smoothstep(float a, float b, float x)
    {
        if (!(x > a))
        {
            return 0;
        }

        if (x >= b)
        {
            return 1;
        }

        var t = (x - a) / (b - a);
        return t * t * (3 - (2 * t));
    }
}
