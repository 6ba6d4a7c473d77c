using Mien.Affect;
using Mien.Results;

namespace Mien.Sessions;

/// <summary>
/// Keeps each person's per-frame expression probabilities and reliabilities, and at the end of a recording decodes
/// their most likely expression path (<see cref="ExpressionPathDecoder"/>) into runs of one expression.
/// </summary>
internal sealed class PathCollector(HmmOptions options)
{
    private readonly Dictionary<int, List<PathFrame>> _tracks = [];

    public void Observe(FrameAnalysis analysis)
    {
        foreach (var face in analysis.Faces)
        {
            if (face.Expression is { } e && face.Affect is { } affect)
            {
                if (!_tracks.TryGetValue(face.TrackId, out var frames))
                {
                    frames = [];
                    _tracks[face.TrackId] = frames;
                }

                frames.Add(new PathFrame(analysis.Timestamp, e.Probabilities, affect.Reliability));
            }
        }
    }

    public IReadOnlyList<ExpressionRun> Complete()
    {
        var runs = new List<ExpressionRun>();
        foreach (var (id, frames) in _tracks.OrderBy(t => t.Key))
        {
            var path = ExpressionPathDecoder.Decode(frames, options);
            var start = 0;
            for (var i = 1; i <= path.Length; i++)
            {
                if (i == path.Length || path[i] != path[start])
                {
                    runs.Add(new ExpressionRun(id, ExpressionEstimate.Labels[path[start]], frames[start].Time, frames[i - 1].Time));
                    start = i;
                }
            }
        }

        return runs;
    }
}
