using System.Buffers.Binary;
using System.Globalization;
using System.Numerics.Tensors;

namespace Mien.Voice;

/// <summary>Limits of a <see cref="VoiceStream"/> (a live stream must hold flat memory however long it runs).</summary>
public sealed record VoiceStreamOptions
{
    /// <summary>Longest chunk one push may carry (10 s); longer is refused.</summary>
    public TimeSpan MaxChunk { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest speech segment (30 s): an unbroken monologue is cut there so the audio held stays bounded (the file path never cuts).</summary>
    public TimeSpan MaxSegment { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How much of the 100 Hz energy envelope is kept for speaker attribution (60 s).</summary>
    public TimeSpan EnvelopeWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A jump in the chunk timestamps beyond the audio received is filled with this much silence at most (2 s); the clock skips the rest.</summary>
    public TimeSpan MaxGapFill { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Throws <see cref="ArgumentException"/> naming the option, its value and the limit.</summary>
    public void Validate()
    {
        Check(nameof(MaxChunk), MaxChunk, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1));
        Check(nameof(MaxSegment), MaxSegment, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        Check(nameof(EnvelopeWindow), EnvelopeWindow, MaxSegment, TimeSpan.FromMinutes(10));
        Check(nameof(MaxGapFill), MaxGapFill, TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(1));
    }

    private static void Check(string name, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name} = {value.TotalSeconds} s: must be between {min.TotalSeconds} s and {max.TotalSeconds} s."), name);
        }
    }
}

/// <summary>
/// The voice pipeline for audio that arrives in chunks (a live microphone): chunks of mono PCM at a declared rate are
/// resampled to 16 kHz, Silero VAD runs window by window with its state carried across chunks, and each speech
/// segment is measured (prosody, arousal/valence against this stream's own speaker baseline) as soon as it has
/// closed. On the same audio it reports the same segments and figures as <see cref="VoiceAnalyzer.Analyze"/>, however
/// the audio is cut into chunks (the resampler, the VAD windows and the segmentation rules are the file path's own),
/// except that a segment longer than <see cref="VoiceStreamOptions.MaxSegment"/> is cut. Memory is flat: only the audio of
/// the segment still open and a bounded envelope window are kept. Not thread-safe: one stream per source, fed
/// from one thread; streams share the analyzer's loaded VAD network.
/// </summary>
public sealed class VoiceStream : IDisposable
{
    /// <summary>Lowest accepted input rate, Hz.</summary>
    public const int MinSampleRate = 8_000;

    /// <summary>Highest accepted input rate, Hz.</summary>
    public const int MaxSampleRate = 192_000;

    /// <summary>Largest magnitude a float sample may have (24 dB over full scale): beyond is not audio.</summary>
    public const float MaxMagnitude = 16;

    private const int Rate = AudioClip.AnalysisRate;
    private const int Window = VoiceActivityDetector.Window;
    private const int Hop = ProsodyAnalyzer.Hop;

    // Prosody's pitch search reads up to 230 samples past a segment's last frame: wait for them before measuring.
    private const int Lookahead = 512;

    private readonly VoiceStreamOptions _options;
    private readonly VadRunner _vad;
    private readonly VadSegmenter _segmenter;
    private readonly ProsodyAnalyzer _prosody = new();
    private readonly SpeakerBaseline _baseline = new();
    private readonly StreamingResampler? _resampler;
    private readonly int _maxChunk;
    private readonly List<(long Start, long End)> _spans = [];
    private readonly Queue<(long Start, long End)> _ready = new();
    private readonly float[] _envelope;
    private float[] _scratch;
    private float[] _audio;
    private long _audioBase;
    private int _audioCount;
    private long _vadPosition;
    private long _envelopeBlocks;
    private long _envelopeFirst;
    private long _inputSamples;
    private TimeSpan _shift;
    private bool _completed;

    internal VoiceStream(VadRunner vad, VadOptions vadOptions, int sampleRate, TimeSpan start, VoiceStreamOptions? options)
    {
        ValidateSampleRate(sampleRate);
        options ??= new VoiceStreamOptions();
        options.Validate();
        _options = options;
        _vad = vad;
        _segmenter = new VadSegmenter(vadOptions, options.MaxSegment);
        SampleRate = sampleRate;
        Start = start;
        _maxChunk = (int)Math.Ceiling(options.MaxChunk.TotalSeconds * sampleRate);
        _resampler = sampleRate == Rate ? null : new StreamingResampler(sampleRate, Rate);
        _scratch = new float[_resampler?.MaxOutput(Math.Min(_maxChunk, sampleRate)) ?? 0];
        _audio = new float[4 * Rate];
        _envelope = new float[(int)Math.Ceiling(options.EnvelopeWindow.TotalSeconds * AudioEnvelope.Rate)];
    }

    /// <summary>Rate of the pushed audio, Hz.</summary>
    public int SampleRate { get; }

    /// <summary>Time of the first sample (the caller's clock, e.g. the first chunk's timestamp).</summary>
    public TimeSpan Start { get; }

    /// <summary>Time just after the last sample received.</summary>
    public TimeSpan Clock => Start + _shift + TimeSpan.FromSeconds(_inputSamples / (double)SampleRate);

    /// <summary>
    /// Speech before this time has all been reported: no segment still to come starts earlier. Consumers that
    /// combine voice with other signals (fusion) may close their windows up to here.
    /// </summary>
    public TimeSpan Settled => At(_ready.Count > 0 ? Math.Min(_ready.Peek().Start, _segmenter.Settled) : _segmenter.Settled);

    /// <summary>Samples of 16 kHz audio currently held (open segment, lookahead, resampler tail): bounded by the options.</summary>
    public int HeldSamples => _audioCount;

    /// <summary>Segments reported so far.</summary>
    public int Segments => _baseline.Segments;

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> unless <paramref name="sampleRate"/> is between
    /// <see cref="MinSampleRate"/> and <see cref="MaxSampleRate"/> and a rate the resampler handles with a small filter
    /// (16000 / gcd(rate, 16000) ≤ 640: 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 96000 … Hz).
    /// </summary>
    public static void ValidateSampleRate(int sampleRate)
    {
        if (sampleRate is < MinSampleRate or > MaxSampleRate)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, $"sample rate {sampleRate} Hz: must be between {MinSampleRate} and {MaxSampleRate} Hz.");
        }

        if (Resampler.Phases(sampleRate, Rate) > 640)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate,
                $"sample rate {sampleRate} Hz is not a standard rate (16000 / gcd({sampleRate}, 16000) = {Resampler.Phases(sampleRate, Rate)} filter phases, limit 640); use e.g. 8000, 16000, 22050, 44100 or 48000 Hz.");
        }
    }

    /// <summary>
    /// Appends mono samples (nominally in [−1, 1]) at <see cref="SampleRate"/> and returns the segments that closed.
    /// </summary>
    /// <exception cref="ArgumentException">The chunk is longer than <see cref="VoiceStreamOptions.MaxChunk"/> or holds a NaN, infinite or absurd sample; nothing of it is used.</exception>
    public IReadOnlyList<VoiceSegment> Push(ReadOnlySpan<float> samples)
    {
        CheckOpen();
        CheckChunk(samples.Length);
        for (var i = 0; i < samples.Length; i++)
        {
            if (!float.IsFinite(samples[i]) || MathF.Abs(samples[i]) > MaxMagnitude)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"sample {i} of the chunk is {samples[i]}: audio samples must be finite and within ±{MaxMagnitude} (full scale is ±1); the chunk was not used."), nameof(samples));
            }
        }

        return Append(samples);
    }

    /// <summary>
    /// Appends samples stamped with the time of their first sample: a gap after the audio received so far (a client
    /// that lost audio) is filled with silence up to <see cref="VoiceStreamOptions.MaxGapFill"/> and the clock skips
    /// the rest; a chunk stamped earlier than expected (jitter) simply continues the audio.
    /// </summary>
    public IReadOnlyList<VoiceSegment> Push(ReadOnlySpan<float> samples, TimeSpan timestamp)
    {
        CheckOpen();
        var gap = timestamp - Clock;
        if (gap <= TimeSpan.FromMilliseconds(50))
        {
            return Push(samples);
        }

        CheckChunk(samples.Length);
        var result = new List<VoiceSegment>();
        var fill = (long)(Math.Min(gap.TotalSeconds, _options.MaxGapFill.TotalSeconds) * SampleRate);
        var zeros = new float[Math.Min(fill, SampleRate)];
        for (var left = fill; left > 0; left -= zeros.Length)
        {
            result.AddRange(Append(zeros.AsSpan(0, (int)Math.Min(left, zeros.Length))));
        }

        var skipped = timestamp - Clock;
        if (skipped > TimeSpan.Zero)
        {
            // Times of what follows move on; the envelope before the jump no longer lines up, so it starts again.
            _shift += skipped;
            _envelopeFirst = _envelopeBlocks;
        }

        result.AddRange(Push(samples));
        return result;
    }

    /// <summary>Appends PCM16 little-endian mono samples (as a WebSocket client sends them) and returns the segments that closed.</summary>
    /// <exception cref="ArgumentException">An odd byte count, or a chunk longer than <see cref="VoiceStreamOptions.MaxChunk"/>.</exception>
    public IReadOnlyList<VoiceSegment> PushPcm16(ReadOnlySpan<byte> littleEndian, TimeSpan? timestamp = null)
    {
        var samples = DecodePcm16(littleEndian);
        return timestamp is { } t ? Push(samples, t) : Push(samples);
    }

    /// <summary>PCM16 little-endian bytes as float samples in [−1, 1) (the WAV reader's scale).</summary>
    /// <exception cref="ArgumentException">An odd byte count.</exception>
    public static float[] DecodePcm16(ReadOnlySpan<byte> littleEndian)
    {
        if (littleEndian.Length % 2 != 0)
        {
            throw new ArgumentException($"PCM16 audio of {littleEndian.Length} bytes is not a whole number of 2-byte samples.", nameof(littleEndian));
        }

        var samples = new float[littleEndian.Length / 2];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = BinaryPrimitives.ReadInt16LittleEndian(littleEndian[(2 * i)..]) / 32768f;
        }

        return samples;
    }

    /// <summary>The audio ended: closes and measures what is still open. The stream takes no more audio after this.</summary>
    public IReadOnlyList<VoiceSegment> Complete()
    {
        if (_completed)
        {
            return [];
        }

        _completed = true;
        if (_resampler is not null)
        {
            EnsureScratch(_resampler.MaxOutput(0));
            AppendResampled(_scratch.AsSpan(0, _resampler.Finish(_scratch)));
        }

        var received = _audioBase + _audioCount;
        Run();
        if (_vadPosition < received)
        {
            // The last partial window, zero-padded, as the file path does.
            var p = _vad.Next(_audio.AsSpan((int)(_vadPosition - _audioBase), (int)(received - _vadPosition)));
            _segmenter.Push(p, _spans, partial: true);
            _vadPosition = received;
        }

        _segmenter.Finish(received, _spans);
        foreach (var span in _spans)
        {
            _ready.Enqueue(span);
        }

        _spans.Clear();
        var result = new List<VoiceSegment>();
        while (_ready.TryDequeue(out var span))
        {
            result.Add(Measure(span));
        }

        return result;
    }

    /// <summary>The recent 100 Hz energy envelope (up to <see cref="VoiceStreamOptions.EnvelopeWindow"/>), for speaker attribution.</summary>
    public AudioEnvelope Envelope()
    {
        var first = Math.Max(_envelopeFirst, _envelopeBlocks - _envelope.Length);
        var values = new float[_envelopeBlocks - first];
        for (var b = first; b < _envelopeBlocks; b++)
        {
            values[b - first] = _envelope[b % _envelope.Length];
        }

        return new AudioEnvelope(At(first * Hop), values);
    }

    private void CheckOpen() => ObjectDisposedException.ThrowIf(_completed, this);

    private void CheckChunk(int length)
    {
        if (length > _maxChunk)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"an audio chunk of {length} samples ({length / (double)SampleRate:F2} s at {SampleRate} Hz) exceeds the limit of {_maxChunk} samples ({_options.MaxChunk.TotalSeconds} s); send shorter chunks."), "samples");
        }
    }

    private IReadOnlyList<VoiceSegment> Append(ReadOnlySpan<float> samples)
    {
        _inputSamples += samples.Length;
        if (_resampler is null)
        {
            AppendResampled(samples);
        }
        else
        {
            EnsureScratch(_resampler.MaxOutput(samples.Length));
            AppendResampled(_scratch.AsSpan(0, _resampler.Push(samples, _scratch)));
        }

        Run();
        if (_ready.Count == 0)
        {
            return [];
        }

        var received = _audioBase + _audioCount;
        var result = new List<VoiceSegment>();
        while (_ready.TryPeek(out var span) && span.End + Lookahead <= received)
        {
            result.Add(Measure(_ready.Dequeue()));
        }

        Compact();
        return result;
    }

    /// <summary>Runs the VAD and the envelope over every complete window / block received.</summary>
    private void Run()
    {
        var received = _audioBase + _audioCount;
        while (_vadPosition + Window <= received)
        {
            var p = _vad.Next(_audio.AsSpan((int)(_vadPosition - _audioBase), Window));
            _segmenter.Push(p, _spans);
            _vadPosition += Window;
        }

        while ((_envelopeBlocks + 1) * Hop <= received)
        {
            var block = _audio.AsSpan((int)((_envelopeBlocks * Hop) - _audioBase), Hop);
            _envelope[_envelopeBlocks % _envelope.Length] = MathF.Sqrt(TensorPrimitives.SumOfSquares(block) / Hop);
            _envelopeBlocks++;
        }

        foreach (var span in _spans)
        {
            _ready.Enqueue(span);
        }

        _spans.Clear();
        Compact();
    }

    private VoiceSegment Measure((long Start, long End) span)
    {
        // From the segment's start to all audio held: pitch tracking reads past the end as the file path does.
        var all = _audio.AsSpan((int)(span.Start - _audioBase), (int)(_audioBase + _audioCount - span.Start));
        var prosody = _prosody.Analyze(all, 0, (int)(span.End - span.Start));
        _baseline.Observe(prosody);
        return new VoiceSegment(new SpeechSegment(At(span.Start), At(span.End)), prosody, VoiceAffectEstimator.Estimate(prosody, _baseline));
    }

    private TimeSpan At(long sample) => Start + _shift + TimeSpan.FromSeconds(sample / (double)Rate);

    private void AppendResampled(ReadOnlySpan<float> samples)
    {
        if (_audioCount + samples.Length > _audio.Length)
        {
            Compact(force: true);
            if (_audioCount + samples.Length > _audio.Length)
            {
                Array.Resize(ref _audio, Math.Max(2 * _audio.Length, _audioCount + samples.Length));
            }
        }

        samples.CopyTo(_audio.AsSpan(_audioCount));
        _audioCount += samples.Length;
    }

    /// <summary>Drops audio nothing can need any more (before the open segment, the VAD window and the envelope block).</summary>
    private void Compact(bool force = false)
    {
        var keep = Math.Min(Math.Min(_segmenter.Settled, _vadPosition), _envelopeBlocks * Hop);
        if (_ready.TryPeek(out var first))
        {
            keep = Math.Min(keep, first.Start);
        }

        var drop = (int)Math.Clamp(keep - _audioBase, 0, _audioCount);
        if (drop == 0 || (!force && drop < _audio.Length / 2))
        {
            return;
        }

        _audio.AsSpan(drop, _audioCount - drop).CopyTo(_audio);
        _audioCount -= drop;
        _audioBase += drop;
    }

    private void EnsureScratch(int length)
    {
        if (_scratch.Length < length)
        {
            _scratch = new float[length];
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _completed = true;
        _vad.Dispose();
    }
}
