using System.Numerics;
using Mien.Physiology.Pulse;
using Mien.Results;

namespace Mien.Physiology.Asymmetry;

/// <summary>
/// Facial asymmetry of one person over time: per frame the pose-normalised indices of <see cref="AsymmetryMeter"/>;
/// a baseline from the first <see cref="AsymmetryOptions.Baseline"/> of usable frames (also the neutral mouth-corner
/// positions that smile excursion is measured from); then a trend per <see cref="AsymmetryOptions.TrendWindow"/> with 95 %
/// confidence intervals from block means, flagged as changed only when it clears both the baseline's interval and the
/// noise margin. An indicator of what the face shows, never a diagnosis.
/// </summary>
public sealed class AsymmetryTracker
{
    /// <summary>Index names, in the order of <see cref="AsymmetryFrame"/>'s values.</summary>
    public static IReadOnlyList<string> Indices { get; } = ["mouth-corner", "eye-aperture", "brow", "nasolabial", "smile-excursion"];

    private const int Count = 5;
    private readonly AsymmetryOptions _options;
    private readonly Stretch _current = new();
    private readonly (float Mean, float Low, float High)?[] _baseline = new (float, float, float)?[Count];
    private Vector2 _baseRight;
    private Vector2 _baseLeft;
    private Vector2 _sumRight;
    private Vector2 _sumLeft;
    private int _cornerFrames;
    private bool _hasBaseline;

    /// <summary>Creates a tracker for one person.</summary>
    public AsymmetryTracker(AsymmetryOptions? options = null)
    {
        _options = options ?? new AsymmetryOptions();
        _options.Validate();
    }

    /// <summary>The options in use.</summary>
    public AsymmetryOptions Options => _options;

    /// <summary>
    /// Measures one frame from the mesh alone (no pixels: the mouth-corner and brow indices then read about a fifth of
    /// a real one-sided droop, the mesh's own scale); <paramref name="trends"/> receives the trends of a stretch that
    /// closed with it (baseline included). Use one overload per person throughout: the two scales do not mix.
    /// </summary>
    public AsymmetryFrame? Update(TimeSpan now, IReadOnlyList<Point3> mesh, HeadPose? pose, List<AsymmetryTrend> trends)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentNullException.ThrowIfNull(trends);
        return Update(now, AsymmetryMeter.Measure(mesh), pose, trends, imageEvidence: false);
    }

    /// <summary>
    /// Measures one frame with the image's evidence: the mouth-corner and brow indices follow what the pixels show
    /// around both corners and brows (<see cref="MirroredPatch"/>), not only the mesh. A frame whose two sides did not
    /// match (occlusion, glare) reports the mesh's value for that index but leaves it out of the trends, which are on
    /// the image's scale.
    /// </summary>
    public AsymmetryFrame? Update(TimeSpan now, IReadOnlyList<Point3> mesh, HeadPose? pose, List<AsymmetryTrend> trends, BgrImage image)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentNullException.ThrowIfNull(trends);
        return Update(now, AsymmetryMeter.Measure(mesh, image), pose, trends, imageEvidence: true);
    }

    private AsymmetryFrame? Update(TimeSpan now, AsymmetryMeasure? measure, HeadPose? pose, List<AsymmetryTrend> trends, bool imageEvidence)
    {
        if (measure is not { } m)
        {
            return null;
        }

        var reliable = pose is { } p && Math.Abs(p.Yaw) <= _options.MaxYaw && Math.Abs(p.Pitch) <= _options.MaxPitch;
        float? smile = null;
        if (_hasBaseline)
        {
            smile = 100 * (Vector2.Distance(m.LeftCorner, _baseLeft) - Vector2.Distance(m.RightCorner, _baseRight));
        }

        var frame = new AsymmetryFrame(m.MouthCorner, m.EyeAperture, m.Brow, m.Nasolabial, smile, reliable);
        if (!reliable)
        {
            return frame;
        }

        if (!_hasBaseline)
        {
            _sumRight += m.RightCorner;
            _sumLeft += m.LeftCorner;
            _cornerFrames++;
        }

        // A stretch closes at the first frame at or past its length; that frame opens the next stretch.
        var t = now.TotalSeconds;
        var length = (_hasBaseline ? _options.TrendWindow : _options.Baseline).TotalSeconds;
        if (t - _current.Start >= length)
        {
            Close(trends);
            if (_hasBaseline && smile is null)
            {
                smile = 100 * (Vector2.Distance(m.LeftCorner, _baseLeft) - Vector2.Distance(m.RightCorner, _baseRight));
                frame = frame with { SmileExcursion = smile };
            }
        }

        var mouth = imageEvidence && !m.MouthFromImage ? float.NaN : m.MouthCorner;
        var brow = imageEvidence && !m.BrowFromImage ? float.NaN : m.Brow;
        _current.Add(t, [mouth, m.EyeAperture, brow, m.Nasolabial, smile ?? float.NaN], _options.Block.TotalSeconds);

        return frame;
    }

    /// <summary>Closes the open stretch early (end of stream) if it holds at least three blocks; its trends go to <paramref name="trends"/>.</summary>
    public void Complete(List<AsymmetryTrend> trends)
    {
        ArgumentNullException.ThrowIfNull(trends);
        if (_current.Blocks >= 3)
        {
            Close(trends);
        }
    }

    private void Close(List<AsymmetryTrend> trends)
    {
        var (start, end) = (TimeSpan.FromSeconds(_current.Start), TimeSpan.FromSeconds(_current.End));
        for (var i = 0; i < Count; i++)
        {
            if (_current.Interval(i) is not { } ci)
            {
                continue;
            }

            var baseline = _baseline[i];
            var margin = i == 1 ? _options.MinApertureChange : _options.MinChange;
            var changed = baseline is { } b
                && Math.Abs(ci.Mean - b.Mean) >= margin
                && (ci.Low > b.High || ci.High < b.Low);
            trends.Add(new AsymmetryTrend(Indices[i], start, end, ci.Mean, ci.Low, ci.High, baseline?.Mean, changed));
            if (!_hasBaseline || (i == Count - 1 && _baseline[i] is null))
            {
                _baseline[i] = ci;
            }
        }

        if (!_hasBaseline && _cornerFrames > 0)
        {
            (_baseRight, _baseLeft) = (_sumRight / _cornerFrames, _sumLeft / _cornerFrames);
            _hasBaseline = true;
        }

        _current.Reset();
    }

    /// <summary>Block means of each index over one stretch.</summary>
    private sealed class Stretch
    {
        private readonly List<float>[] _blockMeans = [[], [], [], [], []];
        private readonly double[] _sums = new double[Count];
        private readonly int[] _counts = new int[Count];
        private double _blockStart = double.NaN;

        public double Start { get; private set; } = double.NaN;

        public double End { get; private set; }

        public int Blocks => _blockMeans[0].Count + (_counts[0] > 0 ? 1 : 0);

        public void Add(double t, ReadOnlySpan<float> values, double block)
        {
            if (double.IsNaN(Start))
            {
                (Start, _blockStart) = (t, t);
            }

            if (t - _blockStart >= block)
            {
                FlushBlock();
                _blockStart = t;
            }

            End = t;
            for (var i = 0; i < Count; i++)
            {
                if (float.IsFinite(values[i]))
                {
                    _sums[i] += values[i];
                    _counts[i]++;
                }
            }
        }

        /// <summary>Mean and 95 % interval from the block means (Student t), or null with fewer than three blocks.</summary>
        public (float Mean, float Low, float High)? Interval(int index)
        {
            FlushBlock();
            var means = _blockMeans[index];
            var n = means.Count;
            if (n < 3)
            {
                return null;
            }

            double sum = 0;
            foreach (var v in means)
            {
                sum += v;
            }

            var mean = sum / n;
            double ss = 0;
            foreach (var v in means)
            {
                ss += (v - mean) * (v - mean);
            }

            var half = StudentT975(n - 1) * Math.Sqrt(ss / (n - 1) / n);
            return ((float)mean, (float)(mean - half), (float)(mean + half));
        }

        public void Reset()
        {
            foreach (var list in _blockMeans)
            {
                list.Clear();
            }

            Array.Clear(_sums);
            Array.Clear(_counts);
            Start = double.NaN;
            _blockStart = double.NaN;
        }

        private void FlushBlock()
        {
            for (var i = 0; i < Count; i++)
            {
                if (_counts[i] > 0)
                {
                    _blockMeans[i].Add((float)(_sums[i] / _counts[i]));
                }

                _sums[i] = 0;
                _counts[i] = 0;
            }
        }

        /// <summary>97.5 % quantile of Student's t (table to 30 degrees of freedom, then the normal's 1.96 plus a 1/df correction).</summary>
        private static double StudentT975(int df) => df switch
        {
            <= 1 => 12.706,
            2 => 4.303,
            3 => 3.182,
            4 => 2.776,
            5 => 2.571,
            <= 7 => 2.41,
            <= 10 => 2.27,
            <= 15 => 2.16,
            <= 20 => 2.09,
            <= 30 => 2.05,
            _ => 1.96 + (2.4 / df),
        };
    }
}
