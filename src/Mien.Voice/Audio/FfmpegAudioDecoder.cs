using System.Runtime.InteropServices;

namespace Mien.Voice;

/// <summary>
/// Decodes the best audio stream of any container FFmpeg reads (MP4/MOV/MKV/WebM video, MP3, FLAC, Ogg, M4A …) by
/// calling the FFmpeg 7.1 libraries that are statically linked into, and exported by, OpenCvSharp's native runtime
/// (<c>libOpenCvSharpExtern.so</c>, Lavc 61.19 / Lavf 61.7) — so nothing has to be installed.
/// </summary>
/// <remarks>
/// OpenCV's own audio path (<c>VideoCapture</c> with <c>CAP_PROP_AUDIO_STREAM</c>) was tried first: this build's
/// FFmpeg backend rejects every audio property ("unsupported parameters in .open()"), so Mien calls FFmpeg
/// directly. Only a few struct fields are read at fixed offsets (AVFormatContext.nb_streams/streams,
/// AVStream.index/codecpar/time_base/start_time, AVPacket.stream_index, AVFrame.extended_data/nb_samples/format);
/// they are the FFmpeg 6–7 layouts, are sanity-checked on every file, and the tests decode real files so an
/// OpenCvSharp upgrade that changes them fails loudly instead of producing noise.
/// </remarks>
internal static unsafe partial class FfmpegAudioDecoder
{
    private const string Library = "OpenCvSharpExtern";
    private const int MediaTypeAudio = 1;
    private const int ErrorAgain = -11;
    private const int ErrorEof = -0x20464F45; // FFERRTAG('E','O','F',' ')
    private const int ErrorStreamNotFound = -0x525453F8; // FFERRTAG(0xF8,'S','T','R')
    private const long NoPts = long.MinValue;
    private const long MaxSamples = 16_000L * 60 * 60 * 6; // six hours at the analysis rate

    public static DecodedAudio? Decode(string path)
    {
        QuietLogging();
        void* format = null;
        void* codec = null;
        void* packet = null;
        void* frame = null;
        try
        {
            Check(avformat_open_input(&format, path, null, null), path, "cannot open the file (not a media file FFmpeg knows, or unreadable)");
            Check(avformat_find_stream_info(format, null), path, "cannot read its stream information (corrupt or truncated?)");
            void* decoder = null;
            var index = av_find_best_stream(format, MediaTypeAudio, -1, -1, &decoder, 0);
            if (index == ErrorStreamNotFound)
            {
                return null; // a video without sound: a result, not an error
            }

            Check(index, path, "has an audio stream but no decoder for it in this FFmpeg build");
            var streamCount = *(uint*)((byte*)format + 44);
            var streams = *(byte***)((byte*)format + 48);
            if ((uint)index >= streamCount || streams == null)
            {
                throw Layout(path, $"stream {index} of {streamCount}");
            }

            var stream = streams[index];
            if (*(int*)(stream + 8) != index)
            {
                throw Layout(path, $"AVStream.index {*(int*)(stream + 8)} ≠ {index}");
            }

            var parameters = *(void**)(stream + 16);
            var timeBase = (Num: *(int*)(stream + 32), Den: *(int*)(stream + 36));
            var startPts = *(long*)(stream + 40);
            var start = startPts == NoPts || timeBase.Den <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(startPts * (double)timeBase.Num / timeBase.Den);

            codec = avcodec_alloc_context3(decoder);
            if (codec == null)
            {
                throw new AudioException(path, "FFmpeg could not allocate a decoder (out of memory?)");
            }

            Check(avcodec_parameters_to_context(codec, parameters), path, "has audio parameters FFmpeg rejects");
            Check(avcodec_open2(codec, decoder, null), path, "cannot open the audio decoder");
            long rate;
            Check(av_opt_get_int(codec, "ar", 0, &rate), path, "reports no sample rate");
            if (rate is < 1000 or > 768_000)
            {
                throw new AudioException(path, $"absurd audio sample rate {rate} Hz");
            }

            var channels = Channels(codec, path);
            packet = av_packet_alloc();
            frame = av_frame_alloc();
            var mono = new List<float>(checked((int)Math.Min(rate * 60, 1 << 24)));
            int read;
            while ((read = av_read_frame(format, packet)) >= 0)
            {
                var ours = *(int*)((byte*)packet + 36) == index;
                var sent = ours ? avcodec_send_packet(codec, packet) : 0;
                av_packet_unref(packet);
                if (!ours)
                {
                    continue;
                }

                // A damaged packet is skipped (as players do); the clip stays usable.
                if (sent < 0 && sent != ErrorAgain)
                {
                    continue;
                }

                Drain(codec, frame, channels, mono, path);
                if (mono.Count > MaxSamples * rate / 16_000)
                {
                    throw new AudioException(path, "audio track is longer than six hours; split it first");
                }
            }

            if (read != ErrorEof)
            {
                Check(read, path, "reading stopped with an error (truncated or corrupt file)");
            }

            avcodec_send_packet(codec, null);
            Drain(codec, frame, channels, mono, path);
            if (mono.Count == 0)
            {
                throw new AudioException(path, "the audio stream decoded to no samples (empty, truncated or corrupt)");
            }

            return new DecodedAudio([.. mono], (int)rate, channels, start);
        }
        catch (DllNotFoundException e)
        {
            throw new AudioException(path, "OpenCvSharp's native runtime (libOpenCvSharpExtern, which carries FFmpeg) is not installed with this application", e);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new AudioException(path, "this OpenCvSharp native runtime does not export the FFmpeg functions Mien needs; use WAV input", e);
        }
        finally
        {
            if (frame != null)
            {
                av_frame_free(&frame);
            }

            if (packet != null)
            {
                av_packet_free(&packet);
            }

            if (codec != null)
            {
                avcodec_free_context(&codec);
            }

            if (format != null)
            {
                avformat_close_input(&format);
            }
        }
    }

    /// <summary>
    /// FFmpeg logs at "info" unless told otherwise (OpenCV lowers it only when it opens a video): keep its lines about
    /// damaged packets off the user's terminal, as <see cref="Mien.Media.NativeLogging"/> does for video.
    /// </summary>
    private static void QuietLogging()
    {
        Mien.Media.NativeLogging.EnsureConfigured();
        try
        {
            av_log_set_level(Mien.Media.NativeLogging.Verbose ? 32 : -8); // AV_LOG_INFO : AV_LOG_QUIET
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Reported with a clear message by the decoding below.
        }
    }

    private static int Channels(void* codec, string path)
    {
        // AVChannelLayout { int order; int nb_channels; union { uint64 mask; void* map; }; void* opaque; }
        var layout = stackalloc byte[24];
        new Span<byte>(layout, 24).Clear();
        Check(av_opt_get_chlayout(codec, "ch_layout", 0, layout), path, "reports no channel layout");
        var channels = *(int*)(layout + 4);
        av_channel_layout_uninit(layout);
        if (channels is < 1 or > 64)
        {
            throw new AudioException(path, $"absurd audio channel count {channels}");
        }

        return channels;
    }

    private static void Drain(void* codec, void* frame, int channels, List<float> mono, string path)
    {
        int got;
        while ((got = avcodec_receive_frame(codec, frame)) >= 0)
        {
            var data = *(byte***)((byte*)frame + 96);
            var samples = *(int*)((byte*)frame + 112);
            var format = *(int*)((byte*)frame + 116);
            if (samples < 0 || samples > 1 << 20 || format is < 0 or > 11 || data == null)
            {
                throw Layout(path, $"frame with {samples} samples, format {format}");
            }

            Append(data, samples, format, channels, mono);
            av_frame_unref(frame);
        }

        if (got != ErrorAgain && got != ErrorEof)
        {
            Check(got, path, "the audio decoder failed");
        }
    }

    /// <summary>Mixes one decoded frame down to mono. Formats: U8, S16, S32, FLT, DBL (0–4), their planar forms (5–9), S64, S64P (10, 11).</summary>
    private static void Append(byte** data, int samples, int format, int channels, List<float> mono)
    {
        var planar = format is >= 5 and <= 9 or 11;
        var kind = format switch { >= 5 and <= 9 => format - 5, 11 => 10, _ => format };
        var size = kind switch { 0 => 1, 1 => 2, 2 or 3 => 4, _ => 8 };
        var scale = 1f / channels;
        for (var i = 0; i < samples; i++)
        {
            var sum = 0f;
            for (var c = 0; c < channels; c++)
            {
                var at = planar ? data[c] + ((long)i * size) : data[0] + ((((long)i * channels) + c) * size);
                sum += kind switch
                {
                    0 => (*at - 128) / 128f,
                    1 => *(short*)at / 32768f,
                    2 => *(int*)at / 2147483648f,
                    3 => *(float*)at,
                    4 => (float)*(double*)at,
                    _ => *(long*)at / 9.223372e18f,
                };
            }

            mono.Add(sum * scale);
        }
    }

    private static void Check(int code, string path, string what)
    {
        if (code < 0)
        {
            var buffer = stackalloc byte[256];
            var message = av_strerror(code, buffer, 256) == 0 ? Marshal.PtrToStringUTF8((nint)buffer) : $"error {code}";
            throw new AudioException(path, $"{what}: FFmpeg says \"{message}\".");
        }
    }

    private static AudioException Layout(string path, string detail) =>
        new(path, $"the FFmpeg inside OpenCvSharp's runtime does not have the expected 7.x structure layout ({detail}); audio from this file cannot be read with this build");

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int avformat_open_input(void** context, string url, void* format, void** options);

    [LibraryImport(Library)]
    private static partial int avformat_find_stream_info(void* context, void** options);

    [LibraryImport(Library)]
    private static partial int av_find_best_stream(void* context, int type, int wanted, int related, void** decoder, int flags);

    [LibraryImport(Library)]
    private static partial void* avcodec_alloc_context3(void* codec);

    [LibraryImport(Library)]
    private static partial int avcodec_parameters_to_context(void* codec, void* parameters);

    [LibraryImport(Library)]
    private static partial int avcodec_open2(void* context, void* codec, void** options);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int av_opt_get_int(void* obj, string name, int flags, long* value);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int av_opt_get_chlayout(void* obj, string name, int flags, void* layout);

    [LibraryImport(Library)]
    private static partial void av_channel_layout_uninit(void* layout);

    [LibraryImport(Library)]
    private static partial void* av_packet_alloc();

    [LibraryImport(Library)]
    private static partial void av_packet_free(void** packet);

    [LibraryImport(Library)]
    private static partial void av_packet_unref(void* packet);

    [LibraryImport(Library)]
    private static partial void* av_frame_alloc();

    [LibraryImport(Library)]
    private static partial void av_frame_free(void** frame);

    [LibraryImport(Library)]
    private static partial void av_frame_unref(void* frame);

    [LibraryImport(Library)]
    private static partial int av_read_frame(void* context, void* packet);

    [LibraryImport(Library)]
    private static partial int avcodec_send_packet(void* context, void* packet);

    [LibraryImport(Library)]
    private static partial int avcodec_receive_frame(void* context, void* frame);

    [LibraryImport(Library)]
    private static partial void avcodec_free_context(void** context);

    [LibraryImport(Library)]
    private static partial void avformat_close_input(void** context);

    [LibraryImport(Library)]
    private static partial int av_strerror(int code, byte* buffer, nuint size);

    [LibraryImport(Library)]
    private static partial void av_log_set_level(int level);
}
