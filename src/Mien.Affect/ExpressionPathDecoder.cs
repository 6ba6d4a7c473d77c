using Mien.Results;

namespace Mien.Affect;

/// <summary>One frame of a recorded track for offline decoding: time, the classifier's probabilities and the frame's reliability.</summary>
/// <param name="Time">Presentation time (not decreasing).</param>
/// <param name="Probabilities">Per-frame class probabilities in <see cref="ExpressionEstimate.Labels"/> order.</param>
/// <param name="Reliability">Frame reliability in [0, 1] (0 = no evidence from this frame).</param>
public readonly record struct PathFrame(TimeSpan Time, IReadOnlyList<float> Probabilities, float Reliability);

/// <summary>
/// Offline counterpart of <see cref="HmmExpressionFilter"/> for recordings: the single most likely sequence of
/// expression classes of a whole track (Viterbi decoding) under the same continuous-time HMM, emission and
/// reliability weighting. Because it sees the frames after each change as well as before, a change is placed where
/// the evidence turns rather than where a causal filter becomes sure of it: brief excursions vanish without the
/// onset lag a causal filter pays for the same stability. Use it for files; live streams need the causal filter.
/// Pure; O(frames × 7²) time, one byte per frame and class of back-pointers.
/// </summary>
public static class ExpressionPathDecoder
{
    private const int K = 7;
    private const float Floor = 1e-6f;

    /// <summary>The most likely class per frame (indices into <see cref="ExpressionEstimate.Labels"/>), same length as <paramref name="frames"/>.</summary>
    /// <exception cref="ArgumentException">A frame has the wrong number of probabilities, or time goes backwards.</exception>
    public static int[] Decode(IReadOnlyList<PathFrame> frames, HmmOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        options ??= new HmmOptions();
        options.Validate();
        if (frames.Count == 0)
        {
            return [];
        }

        Span<double> logPrior = stackalloc double[K];
        Span<double> logJump = stackalloc double[K];
        var jumpSum = 0.0;
        for (var c = 0; c < K; c++)
        {
            logPrior[c] = options.PriorCorrection * Math.Log(options.ClassifierPriors[c]);
            jumpSum += options.JumpDistribution?[c] ?? 1f;
        }

        for (var c = 0; c < K; c++)
        {
            logJump[c] = Math.Log((options.JumpDistribution?[c] ?? 1f) / jumpSum);
        }

        var back = new byte[frames.Count * K];
        Span<double> delta = stackalloc double[K];
        Span<double> next = stackalloc double[K];
        Span<double> emission = stackalloc double[K];
        var tau = options.MeanDwell.TotalSeconds;
        for (var t = 0; t < frames.Count; t++)
        {
            var frame = frames[t];
            if (frame.Probabilities.Count != K)
            {
                throw new ArgumentException($"frame {t}: expected {K} probabilities, got {frame.Probabilities.Count}", nameof(frames));
            }

            var dt = t == 0 ? 1.0 / 30 : (frame.Time - frames[t - 1].Time).TotalSeconds;
            if (dt < 0)
            {
                throw new ArgumentException($"frame {t}: time {frame.Time} is before the previous frame's {frames[t - 1].Time}", nameof(frames));
            }

            var weight = Math.Min(1.0, options.EvidenceRate * dt) * (float.IsFinite(frame.Reliability) ? Math.Clamp(frame.Reliability, 0f, 1f) : 0f);
            for (var c = 0; c < K; c++)
            {
                var p = frame.Probabilities[c];
                emission[c] = weight * (Math.Log(float.IsFinite(p) ? Math.Max(p, Floor) : Floor) - logPrior[c]);
            }

            if (t == 0)
            {
                for (var c = 0; c < K; c++)
                {
                    delta[c] = logJump[c] + emission[c];
                }

                continue;
            }

            // P(j | i) = s·[i = j] + (1 − s)·π_j, as in the forward filter.
            var stay = Math.Exp(-dt / tau);
            for (var c = 0; c < K; c++)
            {
                var best = double.NegativeInfinity;
                var arg = 0;
                for (var i = 0; i < K; i++)
                {
                    var transition = ((1 - stay) * Math.Exp(logJump[c])) + (i == c ? stay : 0);
                    var score = delta[i] + Math.Log(Math.Max(transition, 1e-300));
                    if (score > best)
                    {
                        best = score;
                        arg = i;
                    }
                }

                next[c] = best + emission[c];
                back[(t * K) + c] = (byte)arg;
            }

            // Keep scores near zero: only differences matter, and long tracks would otherwise drift towards -∞.
            var max = double.NegativeInfinity;
            foreach (var v in next)
            {
                max = Math.Max(max, v);
            }

            for (var c = 0; c < K; c++)
            {
                delta[c] = next[c] - max;
            }
        }

        var path = new int[frames.Count];
        var state = 0;
        for (var c = 1; c < K; c++)
        {
            if (delta[c] > delta[state])
            {
                state = c;
            }
        }

        for (var t = frames.Count - 1; t >= 0; t--)
        {
            path[t] = state;
            if (t > 0)
            {
                state = back[(t * K) + state];
            }
        }

        return path;
    }
}
