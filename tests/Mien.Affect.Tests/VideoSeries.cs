using System.Collections.Concurrent;
using Mien.Media;
using Mien.Pipeline;
using Mien.Results;
using Mien.Testing;

namespace Mien.Affect.Tests;

/// <summary>One face in one frame of a real video, as the pipeline measured it.</summary>
public sealed record FaceFrame(TimeSpan Time, FaceObservation Face);

/// <summary>
/// Real per-frame measurements of the main track of a real video, produced by the real pipeline (models from
/// <see cref="RealModels"/>) and memoised per test run, because several tests read the same clip.
/// </summary>
public static class VideoSeries
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<IReadOnlyList<FaceFrame>>>> Cache = new(StringComparer.Ordinal);

    /// <summary>The main (longest) track of <paramref name="video"/>, up to <paramref name="limit"/> of video time.</summary>
    public static Task<IReadOnlyList<FaceFrame>> MainTrackAsync(RealModels models, string video, TimeSpan? limit = null) =>
        Cache.GetOrAdd($"{video}|{limit}", _ => new Lazy<Task<IReadOnlyList<FaceFrame>>>(() => RunAsync(models, video, limit))).Value;

    private static async Task<IReadOnlyList<FaceFrame>> RunAsync(RealModels models, string video, TimeSpan? limit)
    {
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store, new PipelineOptions { Identity = null, KeepLandmarks = true });
        await using var source = MediaSource.Open(video);
        var byTrack = new Dictionary<int, List<FaceFrame>>();
        await foreach (var frame in source.ReadAsync())
        {
            using (frame)
            {
                if (limit is { } l && frame.Timestamp > l)
                {
                    break;
                }

                var analysis = pipeline.Analyze(frame);
                foreach (var face in analysis.Faces)
                {
                    if (!byTrack.TryGetValue(face.TrackId, out var list))
                    {
                        byTrack[face.TrackId] = list = [];
                    }

                    list.Add(new FaceFrame(analysis.Timestamp, face));
                }
            }
        }

        return byTrack.Count == 0 ? [] : byTrack.Values.MaxBy(l => l.Count)!;
    }
}
