using Mien.Results;

namespace Mien.Affect;

/// <summary>
/// Settings of the geometry gate on the HMM's evidence rate (<see cref="HmmOptions.MotionGate"/>): how fast the
/// classifier's evidence counts depends on how much the face's geometry has just moved.
/// </summary>
/// <remarks>
/// Consecutive frames of a face that does not move are nearly the same image, so the classifier's outputs on them are
/// strongly correlated: while the geometry is still, a flicker of the per-frame label is mostly the classifier
/// re-reading the same face, and counting it as fresh evidence makes the filter flicker too. When the geometry moves
/// (an expression's onset moves the brows, lids, cheeks, lips or jaw), each frame brings new information. The gate
/// measures motion as D = Σ |AUₖ − mₖ| over the action units except AU45 (blinks are not expression changes), mₖ an
/// exponential moving average of AUₖ with time constant <see cref="Memory"/>, and sets the evidence rate to
/// ρ = <see cref="StillRate"/> + (<see cref="MovingRate"/> − <see cref="StillRate"/>)·S(<see cref="StillBelow"/>,
/// <see cref="MovingAbove"/>, D), S a smoothstep. Frames without action units (no mesh) use
/// <see cref="HmmOptions.EvidenceRate"/>. Defaults chosen on the development clips only (docs/temporal.md).
/// </remarks>
public sealed record EvidenceGateOptions
{
    /// <summary>Evidence rate per second while the face's geometry is still (D ≤ <see cref="StillBelow"/>). Default 2/s.</summary>
    public float StillRate { get; init; } = 2f;

    /// <summary>Evidence rate per second while it moves (D ≥ <see cref="MovingAbove"/>). Default 15/s (the ungated rate).</summary>
    public float MovingRate { get; init; } = 15f;

    /// <summary>Summed deviation of the action units (FACS 0–5 units) at or below which the face counts as still. Default 0.5.</summary>
    public float StillBelow { get; init; } = 0.5f;

    /// <summary>Summed deviation at or above which the face counts as moving. Default 2.</summary>
    public float MovingAbove { get; init; } = 2f;

    /// <summary>Time constant of the moving average the deviation is measured from. Default 0.5 s.</summary>
    public TimeSpan Memory { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the option, value and constraint when a setting is invalid.</summary>
    public void Validate()
    {
        if (!(StillRate is > 0 and <= 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(StillRate), StillRate, $"{nameof(EvidenceGateOptions)}.{nameof(StillRate)} must be within (0, 1000] per second");
        }

        if (!(MovingRate is > 0 and <= 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(MovingRate), MovingRate, $"{nameof(EvidenceGateOptions)}.{nameof(MovingRate)} must be within (0, 1000] per second");
        }

        if (!(StillBelow >= 0) || !float.IsFinite(StillBelow))
        {
            throw new ArgumentOutOfRangeException(nameof(StillBelow), StillBelow, $"{nameof(EvidenceGateOptions)}.{nameof(StillBelow)} must be finite and ≥ 0");
        }

        if (!(MovingAbove > StillBelow) || !float.IsFinite(MovingAbove))
        {
            throw new ArgumentOutOfRangeException(nameof(MovingAbove), MovingAbove, $"{nameof(EvidenceGateOptions)}.{nameof(MovingAbove)} must be finite and above {nameof(StillBelow)} ({StillBelow})");
        }

        if (!(Memory > TimeSpan.Zero) || Memory > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(Memory), Memory, $"{nameof(EvidenceGateOptions)}.{nameof(Memory)} must be within (0, 1 min]");
        }
    }
}

/// <summary>
/// The motion measure of <see cref="EvidenceGateOptions"/> for one track: fixed-size state (one moving average per
/// action unit), no allocation per frame.
/// </summary>
internal sealed class EvidenceGate(EvidenceGateOptions options)
{
    private static readonly int BlinkIndex = IndexOf("AU45");
    private readonly float[] _average = new float[ActionUnits.Codes.Count];
    private readonly double _memorySeconds = options.Memory.TotalSeconds;
    private TimeSpan? _last;

    /// <summary>Deviation D of the latest frame from the moving average (0 on the first frame).</summary>
    public float Motion { get; private set; }

    /// <summary>Feeds one frame's action units and returns the evidence rate for it.</summary>
    public float Rate(TimeSpan timestamp, ActionUnits units)
    {
        var values = units.Intensities;
        if (_last is not { } last)
        {
            for (var k = 0; k < _average.Length; k++)
            {
                _average[k] = values[k];
            }

            Motion = 0;
        }
        else
        {
            // The deviation is taken before the average moves, so a step in the geometry reads at full size on its first frame.
            var follow = (float)(1 - Math.Exp(-Math.Max(0, (timestamp - last).TotalSeconds) / _memorySeconds));
            var deviation = 0f;
            for (var k = 0; k < _average.Length; k++)
            {
                var v = float.IsFinite(values[k]) ? values[k] : _average[k];
                if (k != BlinkIndex)
                {
                    deviation += MathF.Abs(v - _average[k]);
                }

                _average[k] += follow * (v - _average[k]);
            }

            Motion = deviation;
        }

        _last = timestamp;
        return options.StillRate + ((options.MovingRate - options.StillRate) * FaceReliability.Smoothstep(options.StillBelow, options.MovingAbove, Motion));
    }

    /// <summary>Forgets the history.</summary>
    public void Reset()
    {
        _last = null;
        Motion = 0;
    }

    private static int IndexOf(string code)
    {
        for (var i = 0; i < ActionUnits.Codes.Count; i++)
        {
            if (ActionUnits.Codes[i] == code)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"action unit {code} is not among {nameof(ActionUnits)}.{nameof(ActionUnits.Codes)}");
    }
}
