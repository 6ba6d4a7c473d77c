using Mien.Results;

namespace Mien.Affect;

/// <summary>Settings of <see cref="HmmExpressionFilter"/>.</summary>
public sealed record HmmOptions
{
    /// <summary>
    /// FER2013 training-set class frequencies (anger 3995, disgust 436, fear 4097, happiness 7215, sadness 4830,
    /// surprise 3171, neutral 4965 of 28,709 images): the prior the emotion CNN learned, in label order.
    /// </summary>
    public static IReadOnlyList<float> Fer2013TrainPriors { get; } =
        [3995 / 28709f, 436 / 28709f, 4097 / 28709f, 7215 / 28709f, 4830 / 28709f, 3171 / 28709f, 4965 / 28709f];

    /// <summary>Mean time an expression state lasts before the chain may jump (τ); stay probability over Δt is exp(−Δt/τ). Default 2 s.</summary>
    public TimeSpan MeanDwell { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Priors of the per-frame classifier (what its probabilities must be divided by to become likelihoods). Default FER2013 train.</summary>
    public IReadOnlyList<float> ClassifierPriors { get; init; } = Fer2013TrainPriors;

    /// <summary>
    /// How much of the classifier prior to divide out, in [0, 1] (likelihood ∝ p / prior^β). 1 is the textbook
    /// posterior-to-likelihood conversion; below 1 keeps rare classes (disgust: 1.5 % prior) from being inflated by
    /// small, noisy probabilities. Default 0.5.
    /// </summary>
    public float PriorCorrection { get; init; } = 0.5f;

    /// <summary>
    /// Evidence rate ρ per second at reliability 1: a frame's likelihood is raised to γ·reliability with
    /// γ = min(1, ρ·Δt), Δt the time since the previous frame (1/30 s for the first). Counting evidence per second
    /// rather than per frame keeps the filter's behaviour independent of the frame rate, and ρ below the frame
    /// rate discounts the strong correlation between consecutive frames, which a first-order HMM would otherwise
    /// count as independent evidence. Default 15 per second (chosen on development clips, docs/temporal.md).
    /// With <see cref="MotionGate"/> on, the causal filter uses this rate only on frames without action units; the
    /// offline <see cref="ExpressionPathDecoder"/> always uses it.
    /// </summary>
    public float EvidenceRate { get; init; } = 15f;

    /// <summary>
    /// Geometry gate of the causal filter's evidence rate: evidence counts slowly while the face's action units are
    /// still and fast while they move (<see cref="EvidenceGateOptions"/>). Null = off (every frame at
    /// <see cref="EvidenceRate"/>, the filter before issue 14). On by default.
    /// </summary>
    public EvidenceGateOptions? MotionGate { get; init; } = new();

    /// <summary>Output calibration temperature T (output ∝ posterior^(1/T)). Default 1 (see docs/temporal.md for the fit).</summary>
    public float OutputTemperature { get; init; } = 1f;

    /// <summary>
    /// Hysteresis of the reported <see cref="FilteredExpression.Dominant"/> class: it changes only when another class's
    /// probability exceeds the held class's by more than this margin (0 = plain argmax). The probabilities themselves
    /// are not affected. Default 0.1.
    /// </summary>
    public float SwitchMargin { get; init; } = 0.1f;

    /// <summary>Where the chain goes when it jumps (stationary distribution), label order; null = uniform.</summary>
    public IReadOnlyList<float>? JumpDistribution { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the option, value and constraint when a setting is invalid.</summary>
    public void Validate()
    {
        if (!(MeanDwell > TimeSpan.Zero))
        {
            throw new ArgumentOutOfRangeException(nameof(MeanDwell), MeanDwell, $"{nameof(HmmOptions)}.{nameof(MeanDwell)} must be positive");
        }

        CheckDistribution(ClassifierPriors, nameof(ClassifierPriors));
        if (JumpDistribution is not null)
        {
            CheckDistribution(JumpDistribution, nameof(JumpDistribution));
        }

        if (!(PriorCorrection is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(PriorCorrection), PriorCorrection, $"{nameof(HmmOptions)}.{nameof(PriorCorrection)} must be within [0, 1]");
        }

        if (!(EvidenceRate is > 0 and <= 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(EvidenceRate), EvidenceRate, $"{nameof(HmmOptions)}.{nameof(EvidenceRate)} must be within (0, 1000] per second");
        }

        if (!(SwitchMargin is >= 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(SwitchMargin), SwitchMargin, $"{nameof(HmmOptions)}.{nameof(SwitchMargin)} must be within [0, 1)");
        }

        if (!(OutputTemperature is > 0.05f and <= 20))
        {
            throw new ArgumentOutOfRangeException(nameof(OutputTemperature), OutputTemperature, $"{nameof(HmmOptions)}.{nameof(OutputTemperature)} must be within (0.05, 20]");
        }

        MotionGate?.Validate();
    }

    private static void CheckDistribution(IReadOnlyList<float>? values, string name)
    {
        if (values is null || values.Count != ExpressionEstimate.Labels.Count)
        {
            throw new ArgumentOutOfRangeException(name, values?.Count, $"{nameof(HmmOptions)}.{name} must hold {ExpressionEstimate.Labels.Count} values in label order");
        }

        foreach (var v in values)
        {
            if (!(v > 0) || !float.IsFinite(v))
            {
                throw new ArgumentOutOfRangeException(name, v, $"{nameof(HmmOptions)}.{name} values must be positive and finite");
            }
        }
    }
}

/// <summary>
/// The default temporal expression model: a hidden Markov model over the seven expression classes, run as a
/// causal forward filter (one instance per track).
/// </summary>
/// <remarks>
/// <para><b>Transition</b> (continuous time): over a gap Δt between frames the chain stays with probability
/// s = exp(−Δt/τ) and otherwise jumps to class j with probability π<sub>j</sub> (uniform by default):
/// P(j | i) = s·δ<sub>ij</sub> + (1 − s)·π<sub>j</sub>. This family is closed under composition (two steps of
/// Δt equal one of 2Δt), so dropped frames and variable rates need no special case, and the prediction costs O(K).</para>
/// <para><b>Emission</b>: the CNN's probabilities p are posteriors under its training prior q, so p/q is
/// proportional to the likelihood. The filter uses e<sub>c</sub> = (p<sub>c</sub> / q<sub>c</sub><sup>β</sup>)<sup>γ·r</sup>,
/// with β = <see cref="HmmOptions.PriorCorrection"/>, γ = min(1, ρ·Δt) and r the frame's reliability: r = 0 makes e
/// constant, i.e. a pure prediction step. ρ is <see cref="HmmOptions.EvidenceRate"/>, or, with
/// <see cref="HmmOptions.MotionGate"/> on and action units measured, a rate between a low one for a still face and a
/// high one for a moving face (<see cref="EvidenceGateOptions"/>).</para>
/// <para><b>Output</b>: the forward posterior α, tempered by <see cref="HmmOptions.OutputTemperature"/> and renormalised.
/// The reported dominant class has hysteresis (<see cref="HmmOptions.SwitchMargin"/>): it is the most probable class
/// unless the previously reported one is within the margin of it.</para>
/// <para>Probabilities are floored at 1e-6 before the logarithm so one overconfident frame cannot zero a class forever.</para>
/// </remarks>
public sealed class HmmExpressionFilter : IExpressionSequenceModel
{
    private const int K = 7;
    private const float Floor = 1e-6f;
    private readonly HmmOptions _options;
    private readonly float[] _logPriorScale = new float[K];
    private readonly float[] _jump = new float[K];
    private readonly double[] _alpha = new double[K];
    private readonly double _tauSeconds;
    private readonly EvidenceGate? _gate;
    private TimeSpan? _last;
    private int _held = -1;

    /// <summary>Creates a filter starting from the jump distribution.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is invalid (the message names it).</exception>
    public HmmExpressionFilter(HmmOptions? options = null)
    {
        _options = options ?? new HmmOptions();
        _options.Validate();
        _tauSeconds = _options.MeanDwell.TotalSeconds;
        _gate = _options.MotionGate is { } gate ? new EvidenceGate(gate) : null;
        var jumpSum = 0f;
        for (var c = 0; c < K; c++)
        {
            _logPriorScale[c] = _options.PriorCorrection * MathF.Log(_options.ClassifierPriors[c]);
            _jump[c] = _options.JumpDistribution?[c] ?? 1f;
            jumpSum += _jump[c];
        }

        for (var c = 0; c < K; c++)
        {
            _jump[c] /= jumpSum;
        }

        Reset();
    }

    /// <summary>The settings in use.</summary>
    public HmmOptions Options => _options;

    /// <inheritdoc />
    public FilteredExpression Update(TemporalInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Probabilities.Count != K)
        {
            throw new ArgumentException($"expected {K} probabilities, got {input.Probabilities.Count}", nameof(input));
        }

        if (_last is { } last && input.Timestamp < last)
        {
            throw new ArgumentException($"timestamps must not decrease: {input.Timestamp} after {last}", nameof(input));
        }

        // Prediction over the elapsed time (the first frame starts from the jump distribution).
        var dt = _last is { } previous ? (input.Timestamp - previous).TotalSeconds : double.PositiveInfinity;
        _last = input.Timestamp;
        var stay = Math.Exp(-dt / _tauSeconds);
        for (var c = 0; c < K; c++)
        {
            _alpha[c] = (stay * _alpha[c]) + ((1 - stay) * _jump[c]);
        }

        // Correction, in log space relative to the best class so the exponent cannot overflow.
        var rate = _gate is not null && input.Units is { } units ? _gate.Rate(input.Timestamp, units) : _options.EvidenceRate;
        var perFrame = Math.Min(1.0, rate * (double.IsFinite(dt) ? dt : 1.0 / 30));
        var weight = perFrame * (float.IsFinite(input.Reliability) ? Math.Clamp(input.Reliability, 0f, 1f) : 0f);
        if (weight > 0)
        {
            Span<double> log = stackalloc double[K];
            var max = double.NegativeInfinity;
            for (var c = 0; c < K; c++)
            {
                var p = input.Probabilities[c];
                var lp = MathF.Log(float.IsFinite(p) ? Math.Max(p, Floor) : Floor) - _logPriorScale[c];
                log[c] = weight * lp;
                max = Math.Max(max, log[c]);
            }

            for (var c = 0; c < K; c++)
            {
                _alpha[c] *= Math.Exp(log[c] - max);
            }
        }

        Normalise(_alpha);
        var output = Output();
        var best = 0;
        for (var c = 1; c < K; c++)
        {
            if (output[c] > output[best])
            {
                best = c;
            }
        }

        if (_held < 0 || output[best] > output[_held] + _options.SwitchMargin)
        {
            _held = best;
        }

        return new FilteredExpression(output, ExpressionEstimate.Labels[_held], output[_held]);
    }

    /// <inheritdoc />
    public void Reset()
    {
        _last = null;
        _held = -1;
        _gate?.Reset();
        for (var c = 0; c < K; c++)
        {
            _alpha[c] = _jump[c];
        }
    }

    /// <summary>Motion D the evidence gate measured on the latest frame (0 without gate or action units; for tests and diagnostics).</summary>
    internal float Motion => _gate?.Motion ?? 0;

    /// <summary>The untempered forward posterior (for tests and diagnostics).</summary>
    internal IReadOnlyList<double> Posterior => _alpha;

    private float[] Output()
    {
        var result = new float[K];
        var inverseT = 1.0 / _options.OutputTemperature;
        double sum = 0;
        for (var c = 0; c < K; c++)
        {
            var v = inverseT == 1.0 ? _alpha[c] : Math.Pow(Math.Max(_alpha[c], 1e-300), inverseT);
            result[c] = (float)v;
            sum += v;
        }

        for (var c = 0; c < K; c++)
        {
            result[c] = (float)(result[c] / sum);
        }

        return result;
    }

    private static void Normalise(Span<double> values)
    {
        double sum = 0;
        foreach (var v in values)
        {
            sum += v;
        }

        if (!(sum > 0) || !double.IsFinite(sum))
        {
            values.Fill(1.0 / values.Length);
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            values[i] /= sum;
        }
    }
}
