using System.Globalization;
using Mien.Voice;

namespace Mien.Sessions;

/// <summary>
/// Audio a host pushes into a live session (a WebSocket client's microphone): mono chunks at a declared rate, each
/// stamped with the time of its first sample on the same clock as the frames. Push from any thread; the session takes
/// the chunks on its own thread between frames. The queue is bounded (<see cref="Capacity"/> of audio): when the
/// session falls behind, the oldest chunks are dropped and counted.
/// </summary>
public sealed class AudioPushSource
{
    private readonly Queue<(float[] Samples, TimeSpan Timestamp)> _queue = new();
    private readonly long _capacitySamples;
    private readonly int _maxChunk;
    private long _queued;
    private long _dropped;
    private long _received;

    /// <param name="sampleRate">Rate of every chunk, Hz (<see cref="VoiceStream.ValidateSampleRate"/>).</param>
    /// <param name="capacity">Most audio waiting for the session (default 10 s).</param>
    /// <exception cref="ArgumentOutOfRangeException">An absurd rate or capacity.</exception>
    public AudioPushSource(int sampleRate, TimeSpan? capacity = null)
    {
        VoiceStream.ValidateSampleRate(sampleRate);
        Capacity = capacity ?? TimeSpan.FromSeconds(10);
        if (Capacity < TimeSpan.FromSeconds(1) || Capacity > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), Capacity, "the audio queue must hold between 1 s and 5 min.");
        }

        SampleRate = sampleRate;
        _capacitySamples = (long)(Capacity.TotalSeconds * sampleRate);
        _maxChunk = (int)(new VoiceStreamOptions().MaxChunk.TotalSeconds * sampleRate);
    }

    /// <summary>Rate of the pushed audio, Hz.</summary>
    public int SampleRate { get; }

    /// <summary>Most audio waiting for the session.</summary>
    public TimeSpan Capacity { get; }

    /// <summary>Chunks dropped because the session fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Chunks accepted.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Queues PCM16 little-endian mono samples whose first sample is at <paramref name="timestamp"/>.</summary>
    /// <exception cref="ArgumentException">An odd byte count, an empty or too long chunk.</exception>
    public void PushPcm16(ReadOnlySpan<byte> littleEndian, TimeSpan timestamp) => Enqueue(VoiceStream.DecodePcm16(littleEndian), timestamp);

    /// <summary>Queues float mono samples (nominally in [−1, 1]) whose first sample is at <paramref name="timestamp"/>.</summary>
    /// <exception cref="ArgumentException">An empty or too long chunk, or a NaN, infinite or absurd sample.</exception>
    public void Push(ReadOnlySpan<float> samples, TimeSpan timestamp)
    {
        for (var i = 0; i < samples.Length; i++)
        {
            if (!float.IsFinite(samples[i]) || MathF.Abs(samples[i]) > VoiceStream.MaxMagnitude)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"sample {i} of the chunk is {samples[i]}: audio samples must be finite and within ±{VoiceStream.MaxMagnitude}."), nameof(samples));
            }
        }

        Enqueue(samples.ToArray(), timestamp);
    }

    private void Enqueue(float[] samples, TimeSpan timestamp)
    {
        if (samples.Length == 0 || samples.Length > _maxChunk)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"an audio chunk of {samples.Length} samples: must hold 1 to {_maxChunk} samples ({_maxChunk / SampleRate} s at {SampleRate} Hz)."), nameof(samples));
        }

        if (timestamp < TimeSpan.Zero)
        {
            throw new ArgumentException($"audio timestamp {timestamp} is negative.", nameof(timestamp));
        }

        lock (_queue)
        {
            _queue.Enqueue((samples, timestamp));
            _queued += samples.Length;
            while (_queued > _capacitySamples && _queue.Count > 1)
            {
                _queued -= _queue.Dequeue().Samples.Length;
                _dropped++;
            }

            _received++;
        }
    }

    /// <summary>Takes the next waiting chunk (the session's thread).</summary>
    internal bool TryTake(out float[] samples, out TimeSpan timestamp)
    {
        lock (_queue)
        {
            if (_queue.TryDequeue(out var chunk))
            {
                _queued -= chunk.Samples.Length;
                (samples, timestamp) = chunk;
                return true;
            }
        }

        (samples, timestamp) = ([], TimeSpan.Zero);
        return false;
    }
}
