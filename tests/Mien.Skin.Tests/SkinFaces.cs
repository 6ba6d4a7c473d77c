using Mien.Media;
using Mien.Pipeline;
using Mien.Results;
using Mien.Testing;
using OpenCvSharp;

namespace Mien.Skin.Tests;

[CollectionDefinition(Name)]
public sealed class SkinCollection : ICollectionFixture<SkinFaces>
{
    public const string Name = "skin: real models and faces";
}

/// <summary>Real models and a still-image pipeline that returns real meshes for real faces.</summary>
public sealed class SkinFaces : IAsyncLifetime, IDisposable
{
    private readonly RealModels _models = new();

    public RealModels Models => _models;

    public async Task InitializeAsync() => await _models.InitializeAsync();

    public Task DisposeAsync() => _models.DisposeAsync();

    public void Dispose() => _models.Dispose();

    /// <summary>A pipeline for stills (no confirmation delay, landmarks kept, no expressions) or for video.</summary>
    public Task<FaceAnalysisPipeline> PipelineAsync(bool still = true) =>
        FaceAnalysisPipeline.CreateAsync(_models.Store, new PipelineOptions { Identity = null, KeepLandmarks = true, Expressions = false, ConfirmFrames = still ? 1 : 3 });

    /// <summary>The faces (with landmarks and pose) of one still image.</summary>
    public async Task<IReadOnlyList<FaceObservation>> FacesAsync(Mat image)
    {
        using var pipeline = await PipelineAsync();
        return pipeline.Analyze(image, 0, TimeSpan.Zero).Faces;
    }

    /// <summary>The largest face of one image file, with the image (the caller disposes it).</summary>
    public async Task<(Mat Image, FaceObservation Face)> LargestFaceAsync(string path)
    {
        var image = StillImage.Load(path);
        var faces = await FacesAsync(image);
        return (image, faces.OrderByDescending(f => f.Box.Area).First());
    }
}
