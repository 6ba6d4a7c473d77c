using System.Collections.ObjectModel;

namespace Mien.Results;

/// <summary>
/// Builds a <see cref="TrackSummary"/> per track from frames as they stream by, keeping a fixed-size
/// accumulator per track (never the frames themselves).
/// </summary>
/// <remarks>
/// <para>Definitions, so that the numbers can be reproduced from the JSONL export:</para>
/// <list type="bullet">
/// <item><see cref="TrackSummary.MeanExpression"/> averages over the frames that have an expression estimate;
/// <see cref="TrackSummary.DominantExpression"/> is the label with the highest mean and
/// <see cref="TrackSummary.DominantShare"/> the share of those frames in which it was the top label.</item>
/// <item>A blink is a rising edge of <see cref="EyeState.InBlink"/> between two frames in which the eyes were
/// measured (frames without eye state in between are skipped, so a blink seen on both sides of a short
/// dropout counts once). A track whose first measured frame is already inside a blink does not count it:
/// its start was not seen.</item>
/// <item>Eye time is the sum of the steps between consecutive analysed frames in which the track's eyes were
/// measured in both, ignoring steps over one second (dropped frames). <see cref="TrackSummary.BlinksPerMinute"/>
/// is blinks over eye time, or null when the eye time is below the minimum given to the constructor
/// (a rate over a few seconds says nothing).</item>
/// <item><see cref="TrackSummary.MeanPose"/> is the circular mean of each angle (atan2 of the mean sine and
/// cosine), which equals the plain mean for the small angles of a face looking at the camera and stays right
/// for roll near ±180°.</item>
/// </list>
/// <para>Frames must be added in presentation order, every analysed frame including those without faces
/// (they tell the builder that a track was absent). Not thread-safe.</para>
/// </remarks>
public sealed class TrackSummaryBuilder
{
    private static readonly int LabelCount = ExpressionEstimate.Labels.Count;

    private readonly Dictionary<int, TrackAccumulator> tracks = [];
    private readonly TimeSpan minimumEyeTime;
    private long sequence = -1;
    private TimeSpan previousTimestamp;

    /// <summary>Creates a builder that reports a blink rate once the eyes were measurable for 10 seconds.</summary>
    public TrackSummaryBuilder()
        : this(TimeSpan.FromSeconds(10))
    {
    }

    /// <summary>Creates a builder.</summary>
    /// <param name="minimumEyeTimeForRate">Eye time below which <see cref="TrackSummary.BlinksPerMinute"/> is null.</param>
    public TrackSummaryBuilder(TimeSpan minimumEyeTimeForRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumEyeTimeForRate, TimeSpan.Zero);
        minimumEyeTime = minimumEyeTimeForRate;
    }

    /// <summary>Number of tracks seen so far.</summary>
    public int TrackCount => tracks.Count;

    /// <summary>Adds one analysed frame.</summary>
    /// <exception cref="ArgumentException">The frame is earlier than the previous one.</exception>
    public void Add(FrameAnalysis frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (sequence >= 0 && frame.Timestamp < previousTimestamp)
        {
            throw new ArgumentException(
                $"frame {frame.FrameIndex} at {frame.Timestamp} is earlier than the previous frame at {previousTimestamp}; add frames in presentation order",
                nameof(frame));
        }

        var step = sequence >= 0 ? frame.Timestamp - previousTimestamp : TimeSpan.Zero;
        var continuous = step <= FrameContinuity.MaxStep;
        sequence++;
        previousTimestamp = frame.Timestamp;

        foreach (var face in frame.Faces)
        {
            if (!tracks.TryGetValue(face.TrackId, out var track))
            {
                track = new TrackAccumulator(face.TrackId, frame.Timestamp);
                tracks.Add(face.TrackId, track);
            }
            else if (track.LastSequence == sequence)
            {
                continue; // the same track twice in one frame: the first observation wins
            }

            track.Add(face, frame.Timestamp, sequence, continuous ? step : null);
        }
    }

    /// <summary>Summaries of every track seen so far, by track id. The builder can keep accepting frames.</summary>
    public IReadOnlyList<TrackSummary> Build()
    {
        var result = new List<TrackSummary>(tracks.Count);
        foreach (var track in tracks.Values)
        {
            result.Add(track.ToSummary(minimumEyeTime));
        }

        result.Sort((a, b) => a.TrackId.CompareTo(b.TrackId));
        return result;
    }

    private sealed class TrackAccumulator(int trackId, TimeSpan firstSeen)
    {
        private readonly TimeSpan firstSeen = firstSeen;
        private readonly double[] expressionSums = new double[LabelCount];
        private readonly int[] topLabelCounts = new int[LabelCount];
        private TimeSpan lastSeen = firstSeen;
        private int frames;
        private int expressionFrames;
        private int blinks;
        private bool? lastInBlink;
        private long lastEyeSequence = -2;
        private double eyeSeconds;
        private double yawSin, yawCos, pitchSin, pitchCos, rollSin, rollCos;
        private int poseFrames;
        private double mouthSum;
        private int mouthFrames;

        public long LastSequence { get; private set; } = -2;

        public void Add(FaceObservation face, TimeSpan timestamp, long sequence, TimeSpan? continuousStep)
        {
            frames++;
            lastSeen = timestamp;
            LastSequence = sequence;

            if (face.Expression is { } expression)
            {
                expressionFrames++;
                var probabilities = expression.Probabilities;
                var top = 0;
                for (var i = 0; i < LabelCount; i++)
                {
                    expressionSums[i] += probabilities[i];
                    if (probabilities[i] > probabilities[top])
                    {
                        top = i;
                    }
                }

                topLabelCounts[top]++;
            }

            if (face.Eyes is { } eyes)
            {
                if (lastEyeSequence == sequence - 1 && continuousStep is { } step)
                {
                    eyeSeconds += step.TotalSeconds;
                }

                if (eyes.InBlink && lastInBlink == false)
                {
                    blinks++;
                }

                lastInBlink = eyes.InBlink;
                lastEyeSequence = sequence;
            }

            if (face.Pose is { } pose && float.IsFinite(pose.Yaw) && float.IsFinite(pose.Pitch) && float.IsFinite(pose.Roll))
            {
                poseFrames++;
                AddAngle(pose.Yaw, ref yawSin, ref yawCos);
                AddAngle(pose.Pitch, ref pitchSin, ref pitchCos);
                AddAngle(pose.Roll, ref rollSin, ref rollCos);
            }

            if (face.MouthOpening is { } mouth && float.IsFinite(mouth))
            {
                mouthFrames++;
                mouthSum += mouth;
            }
        }

        public TrackSummary ToSummary(TimeSpan minimumEyeTime)
        {
            var means = new Dictionary<string, float>(LabelCount);
            string? dominant = null;
            var share = 0f;
            if (expressionFrames > 0)
            {
                var best = 0;
                for (var i = 0; i < LabelCount; i++)
                {
                    means[ExpressionEstimate.Labels[i]] = (float)(expressionSums[i] / expressionFrames);
                    if (expressionSums[i] > expressionSums[best])
                    {
                        best = i;
                    }
                }

                dominant = ExpressionEstimate.Labels[best];
                share = topLabelCounts[best] / (float)expressionFrames;
            }

            float? perMinute = eyeSeconds > 0 && eyeSeconds >= minimumEyeTime.TotalSeconds
                ? (float)(blinks / (eyeSeconds / 60.0))
                : null;

            HeadPose? meanPose = poseFrames > 0
                ? new HeadPose(MeanAngle(yawSin, yawCos), MeanAngle(pitchSin, pitchCos), MeanAngle(rollSin, rollCos))
                : null;

            float? meanMouth = mouthFrames > 0 ? (float)(mouthSum / mouthFrames) : null;

            return new TrackSummary(
                trackId,
                firstSeen,
                lastSeen,
                frames,
                new ReadOnlyDictionary<string, float>(means),
                dominant,
                share,
                blinks,
                perMinute,
                meanPose,
                meanMouth);
        }

        private static void AddAngle(float degrees, ref double sin, ref double cos)
        {
            var radians = degrees * (Math.PI / 180);
            sin += Math.Sin(radians);
            cos += Math.Cos(radians);
        }

        private static float MeanAngle(double sin, double cos) => (float)(Math.Atan2(sin, cos) * (180 / Math.PI));
    }
}
