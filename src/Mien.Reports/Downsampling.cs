using Mien.Results;

namespace Mien.Reports;

/// <summary>A point of a plotted line, in data units (seconds, value).</summary>
internal readonly record struct PlotPoint(double X, double Y);

/// <summary>
/// Mean expression probabilities over a group of consecutive samples; covers [<see cref="Start"/>,
/// <see cref="End"/>) seconds, with <see cref="X"/> the mean sample time.
/// </summary>
internal sealed class MeanGroup(double start, double x, float[] values)
{
    public double Start { get; } = start;

    public double End { get; set; }

    public double X { get; } = x;

    /// <summary>Mean probability per label, in <see cref="ExpressionEstimate.Labels"/> order.</summary>
    public float[] Values { get; } = values;

    /// <summary>Index of the largest mean.</summary>
    public int Dominant
    {
        get
        {
            var best = 0;
            for (var i = 1; i < Values.Length; i++)
            {
                if (Values[i] > Values[best])
                {
                    best = i;
                }
            }

            return best;
        }
    }
}

/// <summary>
/// Reduces long series to what a chart can show. Time is cut into equal buckets over the plotted range;
/// lines keep each bucket's minimum and maximum sample (in time order), so a one-frame spike survives;
/// expression stacks keep each bucket's mean, so the stack still sums to 1. Runs break at segment starts
/// (the face was absent) and at samples that were not measured (NaN), and are never joined across a break.
/// </summary>
internal static class Downsampling
{
    /// <summary>
    /// Runs of points for a line chart: every finite sample when there are at most <paramref name="maxPoints"/>,
    /// else the min and max of each of <paramref name="maxPoints"/>/2 time buckets (a run starting inside a bucket
    /// adds at most two more points).
    /// </summary>
    public static List<PlotPoint[]> MinMax(
        ReadOnlySpan<double> x, ReadOnlySpan<float> y, ReadOnlySpan<int> segmentStarts, double x0, double x1, int maxPoints)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 2);
        var finite = 0;
        foreach (var v in y)
        {
            if (float.IsFinite(v))
            {
                finite++;
            }
        }

        var buckets = maxPoints / 2;
        var collector = new LineCollector(finite > maxPoints, x0, x1, buckets);
        var nextSegment = 0;
        for (var i = 0; i < x.Length; i++)
        {
            if (nextSegment < segmentStarts.Length && segmentStarts[nextSegment] == i)
            {
                nextSegment++;
                collector.EndRun();
            }

            if (float.IsFinite(y[i]))
            {
                collector.Add(i, x[i], y[i]);
            }
            else
            {
                collector.EndRun();
            }
        }

        collector.EndRun();
        return collector.Runs;
    }

    /// <summary>
    /// Runs of mean expression groups: one group per sample when there are at most <paramref name="buckets"/>
    /// samples with an estimate, else one per time bucket. Each group extends to the start of the next one in
    /// its run; the last to its last sample plus <paramref name="frameInterval"/>.
    /// </summary>
    public static List<MeanGroup[]> ExpressionMeans(TrackSeries series, double x0, double x1, int buckets, double frameInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        var labels = ExpressionEstimate.Labels.Count;
        var x = series.Times;
        var first = series.Expression(0);
        var present = 0;
        foreach (var v in first)
        {
            if (float.IsFinite(v))
            {
                present++;
            }
        }

        var reduce = present > buckets;
        var width = (x1 - x0) / buckets;
        var runs = new List<MeanGroup[]>();
        var run = new List<MeanGroup>();
        var sums = new double[labels];
        var count = 0;
        double sumX = 0, firstX = 0, lastX = 0;
        long bucket = -1;
        var segments = series.SegmentStarts;
        var nextSegment = 0;

        for (var i = 0; i <= x.Length; i++)
        {
            var end = i == x.Length;
            var measured = !end && float.IsFinite(first[i]);
            var breakRun = !measured;
            if (!end && nextSegment < segments.Length && segments[nextSegment] == i)
            {
                nextSegment++;
                breakRun = true;
            }

            var b = !measured ? -1 : reduce ? Bucket(x[i], x0, width, buckets) : i;
            if (count > 0 && (breakRun || b != bucket))
            {
                var means = new float[labels];
                for (var k = 0; k < labels; k++)
                {
                    means[k] = (float)(sums[k] / count);
                }

                if (run.Count > 0)
                {
                    run[^1].End = firstX;
                }

                run.Add(new MeanGroup(firstX, sumX / count, means) { End = lastX + frameInterval });
                Array.Clear(sums);
                count = 0;
                sumX = 0;
            }

            if (breakRun && run.Count > 0)
            {
                runs.Add([.. run]);
                run.Clear();
            }

            if (!measured)
            {
                continue;
            }

            if (count == 0)
            {
                firstX = x[i];
                bucket = b;
            }

            for (var k = 0; k < labels; k++)
            {
                sums[k] += series.Expression(k)[i];
            }

            sumX += x[i];
            lastX = x[i];
            count++;
        }

        return runs;
    }

    private static long Bucket(double x, double x0, double width, int buckets) =>
        width > 0 ? Math.Clamp((long)Math.Floor((x - x0) / width), 0, buckets - 1) : 0;

    private sealed class LineCollector(bool reduce, double x0, double x1, int buckets)
    {
        private readonly double width = (x1 - x0) / buckets;
        private readonly List<PlotPoint> run = [];
        private long bucket = -1;
        private int minIndex = -1, maxIndex = -1;
        private PlotPoint min, max;

        public List<PlotPoint[]> Runs { get; } = [];

        public void Add(int index, double x, float y)
        {
            var point = new PlotPoint(x, y);
            if (!reduce)
            {
                run.Add(point);
                return;
            }

            var b = Bucket(x, x0, width, buckets);
            if (b != bucket || minIndex < 0)
            {
                FlushBucket();
                bucket = b;
                (minIndex, maxIndex, min, max) = (index, index, point, point);
                return;
            }

            if (y < min.Y)
            {
                (minIndex, min) = (index, point);
            }

            if (y > max.Y)
            {
                (maxIndex, max) = (index, point);
            }
        }

        public void EndRun()
        {
            FlushBucket();
            if (run.Count > 0)
            {
                Runs.Add([.. run]);
                run.Clear();
            }
        }

        private void FlushBucket()
        {
            if (minIndex < 0)
            {
                return;
            }

            if (minIndex == maxIndex)
            {
                run.Add(min);
            }
            else if (minIndex < maxIndex)
            {
                run.Add(min);
                run.Add(max);
            }
            else
            {
                run.Add(max);
                run.Add(min);
            }

            minIndex = maxIndex = -1;
            bucket = -1;
        }
    }
}
