using System.Numerics.Tensors;

namespace Mien.Identity;

/// <summary>
/// The best few descriptors of one track and their quality-weighted mean: a bounded buffer (fixed arrays, no
/// allocation per frame) that keeps the highest-quality faces seen so far, so one blurred or turned frame cannot
/// drag the template, and a long track costs no more than a short one.
/// </summary>
public sealed class TrackTemplate
{
    private readonly float[] _vectors;
    private readonly float[] _weights;
    private readonly float[] _mean;
    private bool _dirty;

    /// <summary>Creates an empty template of <paramref name="dimensions"/>-long descriptors holding at most <paramref name="capacity"/> of them.</summary>
    public TrackTemplate(int dimensions, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 256);
        Dimensions = dimensions;
        Capacity = capacity;
        _vectors = new float[dimensions * capacity];
        _weights = new float[capacity];
        _mean = new float[dimensions];
    }

    /// <summary>Descriptor length.</summary>
    public int Dimensions { get; }

    /// <summary>Most descriptors kept.</summary>
    public int Capacity { get; }

    /// <summary>Descriptors held.</summary>
    public int Count { get; private set; }

    /// <summary>Descriptors offered so far (accepted or not).</summary>
    public int Offered { get; private set; }

    /// <summary>Sum of the kept descriptors' qualities.</summary>
    public float TotalQuality
    {
        get
        {
            var sum = 0f;
            for (var i = 0; i < Count; i++)
            {
                sum += _weights[i];
            }

            return sum;
        }
    }

    /// <summary>
    /// Offers a descriptor of quality <paramref name="quality"/> (&gt; 0); it is normalised and kept when there is room
    /// or it beats the worst kept one. Returns whether it was kept.
    /// </summary>
    public bool Add(ReadOnlySpan<float> descriptor, float quality)
    {
        if (descriptor.Length != Dimensions)
        {
            throw new ArgumentException($"descriptor of {descriptor.Length} values; this template holds {Dimensions}", nameof(descriptor));
        }

        if (!(quality > 0) || !float.IsFinite(quality))
        {
            throw new ArgumentOutOfRangeException(nameof(quality), quality, "a kept face's quality must be a positive finite number");
        }

        Offered++;
        var slot = Count;
        if (Count == Capacity)
        {
            slot = 0;
            for (var i = 1; i < Capacity; i++)
            {
                if (_weights[i] < _weights[slot])
                {
                    slot = i;
                }
            }

            if (_weights[slot] >= quality)
            {
                return false;
            }
        }
        else
        {
            Count++;
        }

        var target = _vectors.AsSpan(slot * Dimensions, Dimensions);
        descriptor.CopyTo(target);
        FaceEmbedder.Normalise(target);
        _weights[slot] = quality;
        _dirty = true;
        return true;
    }

    /// <summary>The quality-weighted mean of the kept (unit) descriptors, renormalised; empty when nothing is kept. Valid until the next <see cref="Add"/>.</summary>
    public ReadOnlySpan<float> Mean()
    {
        if (Count == 0)
        {
            return [];
        }

        if (_dirty)
        {
            Array.Clear(_mean);
            for (var i = 0; i < Count; i++)
            {
                TensorPrimitives.MultiplyAdd(_vectors.AsSpan(i * Dimensions, Dimensions), _weights[i], _mean, _mean);
            }

            FaceEmbedder.Normalise(_mean);
            _dirty = false;
        }

        return _mean;
    }

    /// <summary>Forgets every descriptor.</summary>
    public void Clear()
    {
        Count = 0;
        Offered = 0;
        Array.Clear(_weights);
        _dirty = true;
    }
}
