using Mien.Results;

namespace Mien.Physiology.Pulse;

/// <summary>
/// Pulse rate of one person from a stream of skin-colour samples: every <see cref="HeartRateOptions.Step"/> it analyses
/// the last <see cref="HeartRateOptions.Window"/> and reports a rate with a signal-quality index, or withholds it and
/// says why. Driven by timestamps (frame rate may vary); all buffers are allocated up front or grow rarely, so a frame
/// costs an append and a window a few hundred microseconds.
/// </summary>
/// <remarks>
/// <para>Per window: frames whose colour jumps by more than <see cref="HeartRateOptions.JumpThreshold"/> from the previous
/// one (exposure, lights, a hand) are spliced (later frames divided by the jump, per channel) and counted as artefacts, as
/// are frames where the face moves or turns fast; the trace is resampled to a uniform rate; POS and CHROM each turn it into
/// a pulse signal, which is detrended, band-passed (0.7–3.5 Hz, zero phase) and clipped at 4 robust standard deviations
/// (single motion spikes); the spectral peak of POS gives the rate, CHROM's peak a second opinion.</para>
/// <para>Withheld (<see cref="HeartRateEstimate.BeatsPerMinute"/> null) when: too few frames, no colour variation at all (a
/// still image or frozen stream), too many artefacts, SNR below <see cref="HeartRateOptions.MinSnrDb"/>, or POS and CHROM
/// disagree by more than <see cref="HeartRateOptions.MaxMethodDisagreementBpm"/>.</para>
/// </remarks>
public sealed class HeartRateEstimator
{
    private readonly HeartRateOptions _options;
    private readonly int _uniform;
    private readonly int _projection;

    // Raw frames of the current window (ring buffer, grows by doubling when the frame rate is higher than expected).
    private RawSample[] _raw = new RawSample[512];
    private int _head;
    private int _count;
    private double? _lastEmit;

    // Workspace for one window.
    private readonly double[] _r, _g, _b, _pos, _chrom, _x, _y, _windowed, _filter, _sorted, _powers;

    // Motion regressors on the same grid (face x and y over its size, log size, yaw, pitch), band-passed like the pulse.
    private const int Regressors = 5;
    private readonly double[][] _motion;

    /// <summary>Creates an estimator for one person.</summary>
    public HeartRateEstimator(HeartRateOptions? options = null)
    {
        _options = options ?? new HeartRateOptions();
        _options.Validate();
        _uniform = (int)Math.Floor(_options.Window.TotalSeconds * _options.SampleRate) + 1;
        _projection = Math.Max(2, (int)Math.Round(_options.ProjectionWindow.TotalSeconds * _options.SampleRate));
        _r = new double[_uniform];
        _g = new double[_uniform];
        _b = new double[_uniform];
        _pos = new double[_uniform];
        _chrom = new double[_uniform];
        _x = new double[_uniform];
        _y = new double[_uniform];
        _windowed = new double[_uniform];
        _sorted = new double[_uniform];
        _filter = new double[_uniform + (2 * ((int)Math.Ceiling(_options.SampleRate / _options.MinHz) + 1))];
        _powers = new double[PulseSpectrum.GridSize(_options.MinHz, _options.MaxHz)];
        _motion = new double[Regressors][];
        for (var i = 0; i < Regressors; i++)
        {
            _motion[i] = new double[_uniform];
        }
    }

    /// <summary>The options in use.</summary>
    public HeartRateOptions Options => _options;

    /// <summary>
    /// Adds one frame's skin colour (and head pose, for motion) and returns an estimate when a window step is due,
    /// else null. Frames with too few skin pixels are left out; a gap longer than <see cref="HeartRateOptions.MaxGap"/>
    /// or time going backwards restarts the window.
    /// </summary>
    public HeartRateEstimate? Add(TimeSpan now, SkinColorSample sample, HeadPose? pose)
    {
        var t = now.TotalSeconds;
        if (_count > 0)
        {
            var last = _raw[Index(_count - 1)].T;
            if (t <= last)
            {
                if (t < last)
                {
                    Reset();
                }
                else
                {
                    return null;
                }
            }
            else if (t - last > _options.MaxGap.TotalSeconds)
            {
                Reset();
            }
        }

        if (sample.Pixels >= _options.MinPixels && float.IsFinite(sample.R + sample.G + sample.B))
        {
            Append(new RawSample(t, sample.R, sample.G, sample.B, sample.CenterX, sample.CenterY, sample.Size, pose?.Yaw ?? float.NaN, pose?.Pitch ?? float.NaN));
        }

        var window = _options.Window.TotalSeconds;
        while (_count > 0 && _raw[_head].T < t - window - 0.5)
        {
            _head = (_head + 1) % _raw.Length;
            _count--;
        }

        if (_count == 0 || t - _raw[_head].T < window - (0.5 / _options.SampleRate))
        {
            return null;
        }

        if (_lastEmit is { } emitted && t - emitted < _options.Step.TotalSeconds - 1e-6)
        {
            return null;
        }

        _lastEmit = t;
        return Estimate(t);
    }

    /// <summary>Forgets every frame (a new person or an unrelated stream).</summary>
    public void Reset()
    {
        _head = 0;
        _count = 0;
        _lastEmit = null;
    }

    private int Index(int i) => (_head + i) % _raw.Length;

    private void Append(RawSample s)
    {
        if (_count == _raw.Length)
        {
            var grown = new RawSample[_raw.Length * 2];
            for (var i = 0; i < _count; i++)
            {
                grown[i] = _raw[Index(i)];
            }

            _raw = grown;
            _head = 0;
        }

        _raw[Index(_count)] = s;
        _count++;
    }

    private HeartRateEstimate Estimate(double now)
    {
        var o = _options;
        var start = now - o.Window.TotalSeconds;
        var window = (TimeSpan.FromSeconds(start), TimeSpan.FromSeconds(now));
        var first = 0;
        while (first < _count && _raw[Index(first)].T < start - 1e-9)
        {
            first++;
        }

        var frames = _count - first;
        if (frames < o.MinFrameRate * o.Window.TotalSeconds)
        {
            return Withheld(window, null, 0, 0, "too-few-frames", $"{frames} frames with enough skin in {o.Window.TotalSeconds:0.#} s, needs ≥ {o.MinFrameRate * o.Window.TotalSeconds:0}");
        }

        // Splice illumination jumps and mark motion, walking the raw frames once; the spliced colour is resampled on the fly.
        double fr = 1, fg = 1, fb = 1;
        var artefacts = 0;
        var k = 0;
        RawSample previous = default;
        double pr = 0, pg = 0, pb = 0, pt = 0;
        for (var i = first; i < _count; i++)
        {
            var s = _raw[Index(i)];
            if (i > first)
            {
                double jr = s.R / previous.R, jg = s.G / previous.G, jb = s.B / previous.B;
                var dt = s.T - previous.T;
                var jump = Math.Max(Math.Abs(jr - 1), Math.Max(Math.Abs(jg - 1), Math.Abs(jb - 1))) > o.JumpThreshold;
                if (jump)
                {
                    (fr, fg, fb) = (fr * jr, fg * jg, fb * jb);
                }

                var size = Math.Max(1e-3, (s.Size + previous.Size) / 2);
                var speed = Math.Sqrt(((s.CenterX - previous.CenterX) * (s.CenterX - previous.CenterX)) + ((s.CenterY - previous.CenterY) * (s.CenterY - previous.CenterY))) / size / dt;
                var turn = Math.Max(Math.Abs(s.Yaw - previous.Yaw), Math.Abs(s.Pitch - previous.Pitch)) / dt;
                if (jump || speed > o.MaxFaceSpeed || turn > o.MaxAngularSpeed)
                {
                    artefacts++;
                }
            }

            var sample = s;
            var before = i == first ? s : previous;
            previous = s;
            double cr = s.R / fr, cg = s.G / fg, cb = s.B / fb;
            if (i == first)
            {
                (pr, pg, pb, pt) = (cr, cg, cb, s.T);
            }

            // Uniform grid points up to this frame: linear between the previous frame and this one (held before the first).
            for (; k < _uniform && start + (k / o.SampleRate) <= s.T + 1e-9; k++)
            {
                var tk = start + (k / o.SampleRate);
                var a = s.T > pt ? Math.Clamp((tk - pt) / (s.T - pt), 0, 1) : 1;
                _r[k] = pr + (a * (cr - pr));
                _g[k] = pg + (a * (cg - pg));
                _b[k] = pb + (a * (cb - pb));
                for (var m = 0; m < Regressors; m++)
                {
                    var from = MotionValue(before, m);
                    _motion[m][k] = from + (a * (MotionValue(sample, m) - from));
                }
            }

            (pr, pg, pb, pt) = (cr, cg, cb, s.T);
        }

        for (; k < _uniform; k++)
        {
            (_r[k], _g[k], _b[k]) = (pr, pg, pb);
            for (var m = 0; m < Regressors; m++)
            {
                _motion[m][k] = _motion[m][Math.Max(0, k - 1)];
            }
        }

        for (var m = 0; m < Regressors; m++)
        {
            SignalFilters.Detrend(_motion[m].AsSpan(0, _uniform));
            SignalFilters.BandPass(_motion[m].AsSpan(0, _uniform), o.MinHz, o.MaxHz, o.SampleRate, _filter);
        }

        var artefactShare = (float)artefacts / Math.Max(1, frames - 1);
        var n = _uniform;
        var meanG = SignalFilters.Mean(_g.AsSpan(0, n));
        if (!(SignalFilters.StandardDeviation(_g.AsSpan(0, n)) > 1e-6 * meanG))
        {
            return Withheld(window, null, 0, artefactShare, "no-variation", "the skin colour did not change at all over the window (a still image or a frozen stream)");
        }

        PulseExtraction.Pos(_r.AsSpan(0, n), _g.AsSpan(0, n), _b.AsSpan(0, n), _projection, _pos, _x, _y);
        var pos = Condition(_pos.AsSpan(0, n));
        var posPeak = PulseSpectrum.Peak(pos, o.SampleRate, o.MinHz, o.MaxHz, _windowed, _powers);
        PulseExtraction.Chrom(_r.AsSpan(0, n), _g.AsSpan(0, n), _b.AsSpan(0, n), _projection, o.SampleRate, o.MinHz, o.MaxHz, _chrom, _x, _y, _filter);
        var chrom = Condition(_chrom.AsSpan(0, n));
        var chromPeak = PulseSpectrum.Peak(chrom, o.SampleRate, o.MinHz, o.MaxHz, _windowed, _powers);
        if (posPeak is not { } peak)
        {
            return Withheld(window, null, 0, artefactShare, "no-signal", "no power in the pulse band");
        }

        var bpm = (float)(peak.Frequency * 60);
        float? chromBpm = chromPeak is { } c ? (float)(c.Frequency * 60) : null;
        var disagreement = chromBpm is { } cb2 ? Math.Abs(cb2 - bpm) : double.PositiveInfinity;
        var snr = (float)peak.SnrDb;
        var quality = Quality(peak.SnrDb, disagreement, artefactShare);
        if (artefactShare > o.MaxArtefactShare)
        {
            return Withheld(window, snr, quality, artefactShare, "artefacts", $"{artefactShare:P0} of frames moved fast or changed light, allows ≤ {o.MaxArtefactShare:P0}", bpm, chromBpm);
        }

        if (peak.SnrDb < o.MinSnrDb)
        {
            return Withheld(window, snr, quality, artefactShare, "low-quality", $"pulse SNR {peak.SnrDb:0.0} dB, needs ≥ {o.MinSnrDb:0.0} dB", bpm, chromBpm);
        }

        if (disagreement > o.MaxMethodDisagreementBpm)
        {
            return Withheld(window, snr, quality, artefactShare, "methods-disagree", $"POS {bpm:0} BPM and CHROM {(chromBpm is { } x ? x.ToString("0", System.Globalization.CultureInfo.InvariantCulture) : "none")} BPM differ by more than {o.MaxMethodDisagreementBpm:0.#}", bpm, chromBpm);
        }

        return new HeartRateEstimate(window.Item1, window.Item2, bpm, bpm, chromBpm, snr, quality, artefactShare, null);
    }

    /// <summary>
    /// Signal-quality index in [0, 1]: SNR mapped linearly from −5 dB (0) to +10 dB (1), times the agreement of the
    /// two methods (1 when equal, ½ at the allowed disagreement or beyond), times the share of clean frames.
    /// </summary>
    internal float Quality(double snrDb, double disagreementBpm, double artefactShare)
    {
        var snr = Math.Clamp((snrDb + 5) / 15, 0, 1);
        var agreement = 1 - (0.5 * Math.Clamp(disagreementBpm / _options.MaxMethodDisagreementBpm, 0, 1));
        return (float)(snr * agreement * (1 - Math.Clamp(artefactShare, 0, 1)));
    }

    /// <summary>Detrends, band-passes and clips a pulse signal in place.</summary>
    private Span<double> Condition(Span<double> x)
    {
        var o = _options;
        SignalFilters.Detrend(x);
        SignalFilters.BandPass(x, o.MinHz, o.MaxHz, o.SampleRate, _filter);
        MotionRegression.Remove(x, _motion);

        // Clip single spikes (a head jerk) at 4 robust SDs: the median absolute value of a zero-mean sinusoid is 0.71 of its amplitude.
        var sorted = _sorted.AsSpan(0, x.Length);
        for (var i = 0; i < x.Length; i++)
        {
            sorted[i] = Math.Abs(x[i]);
        }

        sorted.Sort();
        var limit = 4 * 1.4826 * sorted[x.Length / 2];
        if (limit > 0)
        {
            for (var i = 0; i < x.Length; i++)
            {
                x[i] = Math.Clamp(x[i], -limit, limit);
            }
        }

        return x;
    }

    /// <summary>Regressor <paramref name="m"/> of a frame: face x, y in face sizes, log size, yaw, pitch (radians; 0 when unknown).</summary>
    private static double MotionValue(RawSample s, int m)
    {
        var size = Math.Max(1e-3, s.Size);
        return m switch
        {
            0 => s.CenterX / size,
            1 => s.CenterY / size,
            2 => Math.Log(size),
            3 => double.IsFinite(s.Yaw) ? s.Yaw * Math.PI / 180 : 0,
            _ => double.IsFinite(s.Pitch) ? s.Pitch * Math.PI / 180 : 0,
        };
    }

    private static HeartRateEstimate Withheld((TimeSpan Start, TimeSpan End) window, float? snr, float quality, float artefactShare, string code, string message, float? candidate = null, float? chromBpm = null) =>
        new(window.Start, window.End, null, candidate, chromBpm, snr, quality, artefactShare, new PhysiologyIssue(code, message));

    private readonly record struct RawSample(double T, double R, double G, double B, double CenterX, double CenterY, double Size, double Yaw, double Pitch);
}
