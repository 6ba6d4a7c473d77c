using Mien.Identity;
using Mien.Identity.Liveness;
using Mien.Models;
using Mien.Pipeline;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Enrolment;

/// <summary>Options of <see cref="FaceEnroller"/>.</summary>
public sealed record EnrolmentOptions
{
    /// <summary>Most images in one capture (default 10).</summary>
    public int MaxImages { get; init; } = 10;

    /// <summary>Largest image accepted, in pixels (default 16 MP).</summary>
    public long MaxPixels { get; init; } = 16L * 1024 * 1024;

    /// <summary>The identity quality gate.</summary>
    public FaceQualityOptions Quality { get; init; } = new();

    /// <summary>The presentation-attack models' crop and thresholds.</summary>
    public PresentationAttackOptions PresentationAttack { get; init; } = new();

    /// <summary>
    /// Least median non-rigid motion between consecutive captures (inter-ocular distances) for a burst of two or more
    /// to count as live (default 0: only the same picture submitted again is refused; see docs/identity.md).
    /// </summary>
    public float MinNonRigidMotion { get; init; }

    /// <summary>Checks the values; the message names the option, its value and the limit.</summary>
    public void Validate()
    {
        if (MaxImages is < 1 or > 64)
        {
            throw new ArgumentException($"{nameof(MaxImages)} = {MaxImages}: must be within [1, 64].");
        }

        if (MaxPixels is < 64 * 64 or > 100_000_000)
        {
            throw new ArgumentException($"{nameof(MaxPixels)} = {MaxPixels}: must be within [4096, 100000000].");
        }

        if (!float.IsFinite(MinNonRigidMotion) || MinNonRigidMotion is < 0 or > 1)
        {
            throw new ArgumentException($"{nameof(MinNonRigidMotion)} = {MinNonRigidMotion}: must be within [0, 1].");
        }

        ArgumentNullException.ThrowIfNull(Quality, nameof(Quality));
        ArgumentNullException.ThrowIfNull(PresentationAttack, nameof(PresentationAttack));
        Quality.Validate();
        PresentationAttack.Validate();
    }
}

/// <summary>
/// Turns a few captured images of one person into an identity descriptor with a liveness verdict: each image is
/// decoded, its single face found and meshed (the product pipeline in stills mode), passed through the identity
/// quality gate, scored by the presentation-attack models and embedded with faceres; the used faces' descriptors are
/// averaged by quality; consecutive captures are compared for motion a still image cannot show. One instance per
/// request (its runners are its own; the ONNX sessions are the process's).
/// </summary>
public sealed class FaceEnroller : IDisposable
{
    private readonly FaceAnalysisPipeline _pipeline;
    private readonly FaceEmbedder _embedder;
    private readonly PresentationAttackDetector _pad;
    private readonly FaceQualityGate _gate;
    private readonly EnrolmentOptions _options;

    private FaceEnroller(FaceAnalysisPipeline pipeline, FaceEmbedder embedder, PresentationAttackDetector pad, EnrolmentOptions options)
    {
        _pipeline = pipeline;
        _embedder = embedder;
        _pad = pad;
        _options = options;
        _gate = new FaceQualityGate(options.Quality);
    }

    /// <summary>The embedding model's manifest id (templates of other models are not comparable).</summary>
    public string Model => _embedder.Spec.ModelId;

    private static PipelineOptions PipelineOptionsForStills { get; } = new()
    {
        Stills = true, KeepLandmarks = true, Expressions = false, Affect = null, Physiology = null, Identity = null,
    };

    /// <summary>Model ids an enroller needs (to warm up or fetch).</summary>
    public static IReadOnlyList<string> ModelIds { get; } = [.. PipelineOptionsForStills.ModelIds, EmbeddingModel.FaceRes.ModelId, PresentationAttackDetector.AntispoofModelId, PresentationAttackDetector.LivenessModelId];

    /// <summary>Creates an enroller over the process-wide <paramref name="models"/> (fetched and imported on first use).</summary>
    public static async Task<FaceEnroller> CreateAsync(ModelSet models, EnrolmentOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(models);
        options ??= new EnrolmentOptions();
        options.Validate();
        var faceres = await models.GetAsync(EmbeddingModel.FaceRes.ModelId, cancellationToken: cancellationToken).ConfigureAwait(false);
        var antispoof = await models.GetAsync(PresentationAttackDetector.AntispoofModelId, cancellationToken: cancellationToken).ConfigureAwait(false);
        var liveness = await models.GetAsync(PresentationAttackDetector.LivenessModelId, cancellationToken: cancellationToken).ConfigureAwait(false);
        var pipeline = await FaceAnalysisPipeline.CreateAsync(models, PipelineOptionsForStills, cancellationToken).ConfigureAwait(false);
        FaceEmbedder? embedder = null;
        try
        {
            embedder = new FaceEmbedder(faceres, EmbeddingModel.FaceRes);
            return new FaceEnroller(pipeline, embedder, new PresentationAttackDetector(antispoof, liveness, options.PresentationAttack), options);
        }
        catch
        {
            embedder?.Dispose();
            pipeline.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Captures the face in each encoded image (JPEG, PNG, …), in order (a burst from a camera, oldest first).
    /// <paramref name="checkLiveness"/> false skips the verdict (it is then reported as not checked).
    /// </summary>
    /// <exception cref="ArgumentException">No images, or more than <see cref="EnrolmentOptions.MaxImages"/>.</exception>
    public FaceCapture Capture(IReadOnlyList<ReadOnlyMemory<byte>> images, bool checkLiveness = true)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0 || images.Count > _options.MaxImages)
        {
            throw new ArgumentException($"a capture has 1–{_options.MaxImages} images ({nameof(EnrolmentOptions.MaxImages)}); got {images.Count}", nameof(images));
        }

        var samples = new List<CaptureSample>(images.Count);
        var template = new TrackTemplate(_embedder.Dimensions, images.Count);
        var descriptor = new float[_embedder.Dimensions];
        var meshes = new List<IReadOnlyList<Point3>>();
        var openness = new List<float?>();
        var real = new List<float>();
        var live = new List<float>();
        for (var i = 0; i < images.Count; i++)
        {
            using var image = Decode(images[i]);
            if (image is null)
            {
                samples.Add(new CaptureSample(i, SampleOutcome.NotAnImage, null, null));
                continue;
            }

            var frame = _pipeline.Analyze(image, i, TimeSpan.FromSeconds(i));
            if (frame.Faces.Count != 1 || frame.Faces[0].Landmarks is not { } landmarks)
            {
                samples.Add(new CaptureSample(i, frame.Faces.Count == 0 ? SampleOutcome.NoFace : SampleOutcome.SeveralFaces, null, null));
                continue;
            }

            var face = frame.Faces[0];
            var mesh = landmarks as Point3[] ?? [.. landmarks];
            var quality = _gate.Assess(face.Pose, mesh, face.MeshConfidence ?? 0, image.Width, image.Height);
            if (quality.Accepted)
            {
                quality = _gate.WithSharpness(quality, _embedder.Prepare(image, mesh));
            }

            if (!quality.Accepted)
            {
                samples.Add(new CaptureSample(i, Outcome(quality.Rejection), null, null));
                continue;
            }

            var scores = _pad.Score(image, mesh);
            _embedder.Embed(descriptor);
            template.Add(descriptor, quality.Score);
            real.Add(scores.Real);
            live.Add(scores.Live);
            meshes.Add(mesh);
            openness.Add(face.Eyes?.Openness);
            samples.Add(new CaptureSample(i, SampleOutcome.Used, quality.Score, scores));
        }

        float[]? mean = template.Count == 0 ? null : template.Mean().ToArray();
        var verdict = checkLiveness ? Judge(real, live, meshes, openness) : new LivenessVerdict(false, false, Median(real), Median(live), null, "not checked");
        return new FaceCapture(Model, mean, template.Count, template.TotalQuality, samples, verdict);
    }

    private LivenessVerdict Judge(List<float> real, List<float> live, List<IReadOnlyList<Point3>> meshes, List<float?> openness)
    {
        if (real.Count == 0)
        {
            return new LivenessVerdict(true, false, null, null, null, "no usable face to check");
        }

        var medianReal = Median(real)!.Value;
        var medianLive = Median(live)!.Value;
        var temporal = meshes.Count >= 2 ? TemporalLivenessCue.Measure(meshes, openness) : null;
        var options = _pad.Options;
        string? reason = null;
        if (medianReal < options.MinReal)
        {
            reason = $"the anti-spoofing model scores the face {medianReal:F2} (median), below {options.MinReal:F2}: it looks like a photo or a screen";
        }
        else if (medianLive < options.MinLive)
        {
            reason = $"the liveness model scores the face {medianLive:F2} (median), below {options.MinLive:F2}";
        }
        else if (temporal is { IdenticalPairs: > 0 })
        {
            reason = $"{temporal.IdenticalPairs} consecutive captures are the same picture: send a burst from a live camera";
        }
        else if (temporal is not null && temporal.NonRigidMotion < _options.MinNonRigidMotion)
        {
            reason = $"the face moves only rigidly between captures ({temporal.NonRigidMotion:F4} < {_options.MinNonRigidMotion:F4} inter-ocular distances), as a photo would";
        }

        return new LivenessVerdict(true, reason is null, medianReal, medianLive, temporal, reason);
    }

    private Mat? Decode(ReadOnlyMemory<byte> encoded)
    {
        if (encoded.IsEmpty)
        {
            return null;
        }

        Mat image;
        try
        {
            image = Cv2.ImDecode(encoded.Span, ImreadModes.Color);
        }
        catch (OpenCVException)
        {
            return null;
        }

        if (image.Empty() || (long)image.Width * image.Height > _options.MaxPixels)
        {
            image.Dispose();
            return null;
        }

        return image;
    }

    private static SampleOutcome Outcome(QualityRejection rejection) => rejection switch
    {
        QualityRejection.Pose => SampleOutcome.Pose,
        QualityRejection.Size => SampleOutcome.Size,
        QualityRejection.Blur => SampleOutcome.Blur,
        _ => SampleOutcome.Occlusion,
    };

    private static float? Median(List<float> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _pipeline.Dispose();
        _embedder.Dispose();
        _pad.Dispose();
    }
}
