using System.Runtime.InteropServices;
using Mien.Results;

namespace Mien.Faces.Geometry;

/// <summary>
/// Smooths one track's landmarks over time: a <see cref="OneEuroFilter"/> on every coordinate (x, y and z of
/// each point) with one set of parameters. Allocation-free per frame; not thread-safe; one per track.
/// </summary>
public sealed class LandmarkSmoother
{
    private readonly OneEuroOptions _options;
    private readonly float[] _value;
    private readonly float[] _speed;
    private bool _started;
    private TimeSpan _last;

    /// <summary>Creates a smoother for meshes of <paramref name="pointCount"/> points (468 or 478 usually).</summary>
    public LandmarkSmoother(int pointCount, OneEuroOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pointCount);
        _options = options ?? new OneEuroOptions();
        _options.Validate();
        PointCount = pointCount;
        _value = new float[pointCount * 3];
        _speed = new float[pointCount * 3];
    }

    /// <summary>Points per mesh.</summary>
    public int PointCount { get; }

    /// <summary>
    /// Filters the mesh observed at <paramref name="timestamp"/> into <paramref name="smoothed"/> (which may be the
    /// same memory as <paramref name="mesh"/>). The first mesh after construction or <see cref="Reset"/> passes unchanged;
    /// a repeated timestamp returns the previous output.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length is not <see cref="PointCount"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The timestamp is earlier than the previous one (call <see cref="Reset"/> after a seek).</exception>
    public void Smooth(TimeSpan timestamp, ReadOnlySpan<Point3> mesh, Span<Point3> smoothed)
    {
        if (mesh.Length != PointCount || smoothed.Length != PointCount)
        {
            throw new ArgumentException($"meshes of {PointCount} points expected, got {mesh.Length} in and {smoothed.Length} out");
        }

        var input = MemoryMarshal.Cast<Point3, float>(mesh);
        var output = MemoryMarshal.Cast<Point3, float>(smoothed);
        if (!_started)
        {
            input.CopyTo(_value);
            Array.Clear(_speed);
            (_started, _last) = (true, timestamp);
            input.CopyTo(output);
            return;
        }

        var dt = (float)(timestamp - _last).TotalSeconds;
        ArgumentOutOfRangeException.ThrowIfNegative(dt, nameof(timestamp) + " − previous timestamp");
        _last = timestamp;
        var value = _value.AsSpan();
        var speed = _speed.AsSpan(0, value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            OneEuroFilter.Step(_options, dt, input[i], ref value[i], ref speed[i]);
        }

        value.CopyTo(output);
    }

    /// <summary>Forgets the past (after a seek or when the track was lost): the next mesh passes unchanged.</summary>
    public void Reset() => _started = false;
}
