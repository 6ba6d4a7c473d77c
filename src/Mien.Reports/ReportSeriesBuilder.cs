using System.Runtime.InteropServices;
using Mien.Results;

namespace Mien.Reports;

/// <summary>
/// Accumulates the per-track series the HTML report plots, one frame at a time, so the pipeline does not keep
/// every <see cref="FrameAnalysis"/>: about 60 bytes per face per frame (6000 frames ≈ 360 KB per track).
/// Add every analysed frame in presentation order, including frames without faces (they mark gaps). Not thread-safe.
/// </summary>
public sealed class ReportSeriesBuilder
{
    private static readonly int LabelCount = ExpressionEstimate.Labels.Count;

    private readonly Dictionary<int, Track> tracks = [];

    // Step histogram in milliseconds (0..1000) for the median frame interval without keeping every step.
    private readonly long[] stepHistogram = new long[1001];
    private long frames;
    private TimeSpan first;
    private TimeSpan previous;

    /// <summary>Adds one analysed frame.</summary>
    /// <exception cref="ArgumentException">The frame is earlier than the previous one.</exception>
    public void Add(FrameAnalysis frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frames > 0 && frame.Timestamp < previous)
        {
            throw new ArgumentException(
                $"frame {frame.FrameIndex} at {frame.Timestamp} is earlier than the previous frame at {previous}; add frames in presentation order",
                nameof(frame));
        }

        var continuous = true;
        if (frames == 0)
        {
            first = frame.Timestamp;
        }
        else
        {
            var step = frame.Timestamp - previous;
            continuous = step <= FrameContinuity.MaxStep;
            stepHistogram[(int)Math.Min(1000, Math.Round(step.TotalMilliseconds))]++;
        }

        var sequence = frames;
        frames++;
        previous = frame.Timestamp;
        var t = frame.Timestamp.TotalSeconds;
        foreach (var face in frame.Faces)
        {
            if (!tracks.TryGetValue(face.TrackId, out var track))
            {
                track = new Track(face.TrackId);
                tracks.Add(face.TrackId, track);
            }
            else if (track.LastSequence == sequence)
            {
                continue; // the same track twice in one frame: the first observation wins
            }

            track.Add(face, t, sequence, continuous);
        }
    }

    /// <summary>A snapshot of the series so far; the builder can keep accepting frames.</summary>
    public ReportSeries Build()
    {
        if (frames == 0)
        {
            return ReportSeries.Empty;
        }

        var list = new List<TrackSeries>(tracks.Count);
        foreach (var track in tracks.Values)
        {
            list.Add(track.ToSeries());
        }

        list.Sort((a, b) => a.TrackId.CompareTo(b.TrackId));
        return new ReportSeries(first.TotalSeconds, previous.TotalSeconds, frames, MedianStep(), list);
    }

    private double MedianStep()
    {
        var steps = frames - 1;
        if (steps <= 0)
        {
            return 0;
        }

        long seen = 0;
        for (var ms = 0; ms < stepHistogram.Length; ms++)
        {
            seen += stepHistogram[ms];
            if (seen * 2 >= steps)
            {
                return ms / 1000.0;
            }
        }

        return 1;
    }

    private sealed class Track(int trackId)
    {
        private readonly List<double> times = [];
        private readonly List<float>[] expression = CreateColumns(LabelCount);
        private readonly List<float> yaw = [], pitch = [], roll = [], openness = [], mouth = [];
        private readonly List<bool> inBlink = [];
        private readonly List<int> segmentStarts = [];
        private readonly List<float>[] smoothed = CreateColumns(LabelCount);
        private readonly List<float>[] units = CreateColumns(ActionUnits.Codes.Count);
        private readonly List<float> valence = [], arousal = [], energy = [], lean = [], ita = [], handToFace = [], armsCrossed = [];
        private readonly List<float> handConfidence = [], armsConfidence = [], unitBaseline = [];
        private readonly PhysiologySeriesBuilder physiology = new();
        private readonly OcclusionTally.Builder occlusion = new();

        public long LastSequence { get; private set; } = -2;

        public void Add(FaceObservation face, double t, long sequence, bool continuous)
        {
            if (LastSequence != sequence - 1 || !continuous)
            {
                segmentStarts.Add(times.Count);
            }

            LastSequence = sequence;
            times.Add(t);
            for (var i = 0; i < LabelCount; i++)
            {
                expression[i].Add(face.Expression is { } e ? e.Probabilities[i] : float.NaN);
            }

            yaw.Add(face.Pose?.Yaw ?? float.NaN);
            pitch.Add(face.Pose?.Pitch ?? float.NaN);
            roll.Add(face.Pose?.Roll ?? float.NaN);
            openness.Add(face.Eyes?.Openness ?? float.NaN);
            inBlink.Add(face.Eyes?.InBlink ?? false);
            mouth.Add(face.MouthOpening ?? float.NaN);

            var affect = face.Affect;
            for (var i = 0; i < LabelCount; i++)
            {
                smoothed[i].Add(affect?.Expression is { } f ? f.Probabilities[i] : float.NaN);
            }

            valence.Add(affect?.Affect?.Valence ?? float.NaN);
            arousal.Add(affect?.Affect?.Arousal ?? float.NaN);
            for (var i = 0; i < units.Length; i++)
            {
                units[i].Add(affect?.Units is { } u ? u.Intensities[i] : float.NaN);
            }

            energy.Add(face.Body?.MovementEnergy?.Value ?? float.NaN);
            lean.Add(face.Body?.Lean?.Value ?? float.NaN);
            handToFace.Add(face.Body?.HandToFace is { } hand ? (hand.Present ? 1 : 0) : float.NaN);
            armsCrossed.Add(face.Body?.ArmsCrossed is { } arms ? (arms.Present ? 1 : 0) : float.NaN);
            handConfidence.Add(face.Body?.HandToFace?.Confidence ?? float.NaN);
            armsConfidence.Add(face.Body?.ArmsCrossed?.Confidence ?? float.NaN);
            unitBaseline.Add(affect?.Units is { } kind ? (float)kind.Baseline : float.NaN);
            ita.Add(face.Skin?.Face?.Tone.Ita ?? float.NaN);
            physiology.Add(face, t);
            occlusion.Add(face.Occlusion);
        }

        public TrackSeries ToSeries()
        {
            var columns = ToArrays(expression);

            return new TrackSeries(
                trackId, [.. times], columns, [.. yaw], [.. pitch], [.. roll], [.. openness], [.. inBlink], [.. mouth], [.. segmentStarts])
            {
                Modalities = new TrackModalitySeries(
                    ToArrays(smoothed), [.. valence], [.. arousal], ToArrays(units), [.. energy], [.. lean], [.. handToFace], [.. armsCrossed], [.. ita],
                    [.. handConfidence], [.. armsConfidence], [.. unitBaseline]),
                Physiology = physiology.Build(),
                Occlusion = occlusion.Build(),
            };
        }

        private static float[][] ToArrays(List<float>[] columns)
        {
            var arrays = new float[columns.Length][];
            for (var i = 0; i < columns.Length; i++)
            {
                arrays[i] = [.. CollectionsMarshal.AsSpan(columns[i])];
            }

            return arrays;
        }

        private static List<float>[] CreateColumns(int count)
        {
            var columns = new List<float>[count];
            for (var i = 0; i < count; i++)
            {
                columns[i] = [];
            }

            return columns;
        }
    }
}
