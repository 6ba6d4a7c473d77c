using Mien.Results;

namespace Mien.Identity;

/// <summary>Why a face was not good enough to describe who it is.</summary>
public enum QualityRejection
{
    /// <summary>Accepted.</summary>
    None,

    /// <summary>Turned too far from the camera (yaw or pitch beyond the limit), or no pose.</summary>
    Pose,

    /// <summary>Too small: the eye-corner distance is below the limit.</summary>
    Size,

    /// <summary>Blurred: the crop's Laplacian variance is below the limit.</summary>
    Blur,

    /// <summary>Partly hidden: a weak mesh presence or landmarks outside the frame (the occlusion proxy).</summary>
    Occlusion,
}

/// <summary>A face's fitness for identity, in [0, 1] (0 when rejected), with the reason when rejected.</summary>
/// <param name="Score">Product of the pose, size, sharpness and visibility factors; weights the face in its track's template.</param>
/// <param name="Rejection">Why it was rejected, or <see cref="QualityRejection.None"/>.</param>
public readonly record struct FaceQuality(float Score, QualityRejection Rejection)
{
    /// <summary>Whether the face may be embedded.</summary>
    public bool Accepted => Rejection == QualityRejection.None;
}

/// <summary>Limits of <see cref="FaceQualityGate"/>.</summary>
public sealed record FaceQualityOptions
{
    /// <summary>Largest |yaw| in degrees (default 35): beyond it the far half of the face is foreshortened away.</summary>
    public float MaxYaw { get; init; } = 35f;

    /// <summary>Largest |pitch| in degrees (default 30).</summary>
    public float MaxPitch { get; init; } = 30f;

    /// <summary>Least outer-eye-corner distance in pixels (default 24, about a 60-pixel face): smaller faces hold too little detail.</summary>
    public float MinEyeDistance { get; init; } = 24f;

    /// <summary>Eye distance at and above which size no longer lowers the score (default 60).</summary>
    public float GoodEyeDistance { get; init; } = 60f;

    /// <summary>
    /// Least Laplacian variance of the model-sized grey crop (default 6). Measured on the development videos: 11–22 on
    /// a soft 400×300 webcam clip whose faces faceres still matches at 0.8–0.95, 26–35 on franck.mp4, 60–370 on HD
    /// clips; a strong blur (σ = 6 px) brings a face to about 1.
    /// </summary>
    public float MinSharpness { get; init; } = 6f;

    /// <summary>Sharpness at and above which blur no longer lowers the score (default 60).</summary>
    public float GoodSharpness { get; init; } = 60f;

    /// <summary>Least mesh presence (default 0.8): the mesh's face flag drops when the face is covered or lost.</summary>
    public float MinPresence { get; init; } = 0.8f;

    /// <summary>Largest share of the 468 mesh points outside the frame (default 0.1).</summary>
    public float MaxOutside { get; init; } = 0.1f;

    /// <summary>Checks the values; the message names the option, its value and the limit.</summary>
    public void Validate()
    {
        static void Check(string name, float value, float lo, float hi)
        {
            if (float.IsNaN(value) || value < lo || value > hi)
            {
                throw new ArgumentException($"{name} = {value}: must be within [{lo}, {hi}].");
            }
        }

        Check(nameof(MaxYaw), MaxYaw, 1, 90);
        Check(nameof(MaxPitch), MaxPitch, 1, 90);
        Check(nameof(MinEyeDistance), MinEyeDistance, 1, 1000);
        Check(nameof(GoodEyeDistance), GoodEyeDistance, MinEyeDistance, 2000);
        Check(nameof(MinSharpness), MinSharpness, 0, 10000);
        Check(nameof(GoodSharpness), GoodSharpness, Math.Max(MinSharpness, 1e-3f), 100000);
        Check(nameof(MinPresence), MinPresence, 0, 1);
        Check(nameof(MaxOutside), MaxOutside, 0, 1);
    }
}

/// <summary>
/// Decides whether a face is fit to describe who it is, before (pose, size, occlusion) and after (blur) its crop is
/// cut. Pure arithmetic. Occlusion here is a proxy: the mesh's presence score and the share of the face outside the
/// frame; a hand, mask or sunglasses over a face the mesh still follows is found from the pixels by
/// <c>Mien.Faces.Occlusion.OcclusionEstimator</c>, and such faces are rejected by <see cref="IdentityStage"/>.
/// </summary>
public sealed class FaceQualityGate
{
    private readonly FaceQualityOptions _options;

    /// <summary>Creates a gate with <paramref name="options"/> (defaults when null).</summary>
    public FaceQualityGate(FaceQualityOptions? options = null)
    {
        _options = options ?? new FaceQualityOptions();
        _options.Validate();
    }

    /// <summary>The limits.</summary>
    public FaceQualityOptions Options => _options;

    /// <summary>The checks that need no pixels: pose, size, visibility. <paramref name="mesh"/> is in frame pixels.</summary>
    public FaceQuality Assess(HeadPose? pose, ReadOnlySpan<Point3> mesh, float presence, int frameWidth, int frameHeight)
    {
        if (mesh.Length < 468)
        {
            throw new ArgumentException($"a face mesh has at least 468 points; got {mesh.Length}", nameof(mesh));
        }

        if (pose is not { } p || MathF.Abs(p.Yaw) > _options.MaxYaw || MathF.Abs(p.Pitch) > _options.MaxPitch)
        {
            return new FaceQuality(0, QualityRejection.Pose);
        }

        var eyes = MathF.Sqrt(Square(mesh[33].X - mesh[263].X) + Square(mesh[33].Y - mesh[263].Y));
        if (eyes < _options.MinEyeDistance)
        {
            return new FaceQuality(0, QualityRejection.Size);
        }

        var outside = 0;
        for (var i = 0; i < 468; i++)
        {
            if (mesh[i].X < 0 || mesh[i].Y < 0 || mesh[i].X >= frameWidth || mesh[i].Y >= frameHeight)
            {
                outside++;
            }
        }

        if (presence < _options.MinPresence || outside > _options.MaxOutside * 468)
        {
            return new FaceQuality(0, QualityRejection.Occlusion);
        }

        // Each factor falls smoothly from 1 (ideal) towards its limit, so the template leans on frontal, large, sharp faces.
        var poseFactor = (1 - (0.5f * Square(p.Yaw / _options.MaxYaw))) * (1 - (0.5f * Square(p.Pitch / _options.MaxPitch)));
        var sizeFactor = 0.5f + (0.5f * Math.Clamp((eyes - _options.MinEyeDistance) / (_options.GoodEyeDistance - _options.MinEyeDistance), 0, 1));
        var visible = presence * (1 - ((float)outside / 468));
        return new FaceQuality(poseFactor * sizeFactor * visible, QualityRejection.None);
    }

    /// <summary>Adds the blur check to an accepted <paramref name="quality"/> given the crop's <paramref name="sharpness"/>.</summary>
    public FaceQuality WithSharpness(FaceQuality quality, float sharpness)
    {
        if (!quality.Accepted)
        {
            return quality;
        }

        if (!(sharpness >= _options.MinSharpness))
        {
            return new FaceQuality(0, QualityRejection.Blur);
        }

        var factor = 0.5f + (0.5f * Math.Clamp((sharpness - _options.MinSharpness) / (_options.GoodSharpness - _options.MinSharpness), 0, 1));
        return quality with { Score = quality.Score * factor };
    }

    private static float Square(float v) => v * v;
}
