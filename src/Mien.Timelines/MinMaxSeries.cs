namespace Mien.Timelines;

/// <summary>One sample of a series: a time in seconds and a value.</summary>
/// <param name="Time">Seconds from the start of the recording.</param>
/// <param name="Value">The measured value.</param>
public readonly record struct TimePoint(double Time, double Value);

/// <summary>
/// A series reduced while it streams in, to at most <c>maxPoints</c> points over a fixed time range: the range is cut
/// into <c>maxPoints / 2</c> equal buckets and each bucket keeps its lowest and its highest sample (in time order).
/// Every extreme therefore survives — the global minimum and maximum, and every local peak as wide as a bucket —
/// which is what a chart of an hour of data needs (averaging would flatten a one-second smile into nothing).
/// Until more than <c>maxPoints</c> samples have arrived the samples are kept as they are, so short series are exact.
/// </summary>
/// <remarks>Memory is bounded by <c>maxPoints</c> whatever the input length; samples may arrive in any order.</remarks>
public sealed class MinMaxSeries
{
    private readonly double _from;
    private readonly double _to;
    private readonly int _maxPoints;
    private List<TimePoint>? _raw = [];
    private TimePoint[]? _min;
    private TimePoint[]? _max;
    private bool[]? _used;

    /// <summary>Creates an empty series over [<paramref name="from"/>, <paramref name="to"/>] seconds.</summary>
    /// <param name="from">Start of the range (seconds).</param>
    /// <param name="to">End of the range (seconds), not before <paramref name="from"/>.</param>
    /// <param name="maxPoints">Most points <see cref="ToPoints"/> returns (2 or more).</param>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not finite, <paramref name="to"/> is before <paramref name="from"/>, or <paramref name="maxPoints"/> is below 2.</exception>
    public MinMaxSeries(double from, double to, int maxPoints)
    {
        if (!double.IsFinite(from) || !double.IsFinite(to) || to < from)
        {
            throw new ArgumentOutOfRangeException(nameof(to), $"range [{from}, {to}]: both ends must be finite and to must not be before from");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 2);
        _from = from;
        _to = to;
        _maxPoints = maxPoints;
    }

    /// <summary>Samples accepted (inside the range, finite).</summary>
    public long Count { get; private set; }

    /// <summary>Sum of the accepted values (for means over the range).</summary>
    public double Sum { get; private set; }

    /// <summary>Adds a sample; samples outside the range or not finite are ignored (a missing measurement is not a zero).</summary>
    public void Add(double time, double value)
    {
        if (!double.IsFinite(time) || !double.IsFinite(value) || time < _from || time > _to)
        {
            return;
        }

        Count++;
        Sum += value;
        var point = new TimePoint(time, value);
        if (_raw is not null)
        {
            _raw.Add(point);
            if (_raw.Count <= _maxPoints)
            {
                return;
            }

            // Past the budget: from now on only each bucket's extremes are kept.
            var buckets = _maxPoints / 2;
            _min = new TimePoint[buckets];
            _max = new TimePoint[buckets];
            _used = new bool[buckets];
            var raw = _raw;
            _raw = null;
            foreach (var p in raw)
            {
                Fold(p);
            }

            return;
        }

        Fold(point);
    }

    /// <summary>The reduced series in time order: at most the <c>maxPoints</c> given at construction.</summary>
    public IReadOnlyList<TimePoint> ToPoints()
    {
        if (_raw is not null)
        {
            var copy = _raw.ToArray();
            // Stable by time: samples may have arrived out of order.
            Array.Sort(copy, static (a, b) => a.Time.CompareTo(b.Time));
            return copy;
        }

        var points = new List<TimePoint>(_maxPoints);
        for (var i = 0; i < _used!.Length; i++)
        {
            if (!_used[i])
            {
                continue;
            }

            var (low, high) = (_min![i], _max![i]);
            if (low == high)
            {
                points.Add(low);
            }
            else if (low.Time <= high.Time)
            {
                points.Add(low);
                points.Add(high);
            }
            else
            {
                points.Add(high);
                points.Add(low);
            }
        }

        return points;
    }

    private void Fold(TimePoint p)
    {
        var buckets = _used!.Length;
        var span = _to - _from;
        var index = span <= 0 ? 0 : (int)Math.Min(buckets - 1, Math.Floor((p.Time - _from) / span * buckets));
        if (!_used[index])
        {
            _used[index] = true;
            _min![index] = p;
            _max![index] = p;
            return;
        }

        // Ties keep the earliest sample, so the output does not depend on arrival order for equal values at one time.
        if (p.Value < _min![index].Value || (p.Value == _min[index].Value && p.Time < _min[index].Time))
        {
            _min[index] = p;
        }

        if (p.Value > _max![index].Value || (p.Value == _max[index].Value && p.Time < _max[index].Time))
        {
            _max[index] = p;
        }
    }
}
