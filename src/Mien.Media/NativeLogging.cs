using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mien.Media;

/// <summary>
/// Keeps OpenCV's and FFmpeg's own log lines (hundreds of "[h264 @ …] error while decoding MB" or
/// "[ WARN:0@…] global cap_ffmpeg_impl.hpp" lines on a damaged file) off the user's terminal: Mien reports every
/// problem itself, once, in words. With <c>MIEN_VERBOSE=1</c> (or <see cref="Configure"/>(true)) the libraries keep
/// their default logging for diagnosis.
/// </summary>
/// <remarks>
/// OpenCV reads these settings from the process environment when it first needs them, and
/// <c>OPENCV_IO_MAX_IMAGE_PIXELS</c> when its native library loads, so they are set with libc's <c>setenv</c>
/// (.NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach native code) as soon as
/// Mien.Media is loaded, before anything touches OpenCV. Settings the user exported are left alone.
/// </remarks>
public static partial class NativeLogging
{
    private static readonly Lock Gate = new();
    private static bool _configured;
    private static bool _applied;

    /// <summary>Whether native libraries keep their own logging (set by <see cref="Configure"/> or <c>MIEN_VERBOSE</c>).</summary>
    public static bool Verbose { get; private set; }

    /// <summary>
    /// Applies the default: quiet unless the environment variable <c>MIEN_VERBOSE</c> is set to 1/true. Idempotent;
    /// called by every opener, so hosts need not call it.
    /// </summary>
    public static void EnsureConfigured()
    {
        if (!Volatile.Read(ref _configured))
        {
            var flag = Environment.GetEnvironmentVariable("MIEN_VERBOSE");
            Configure(flag is "1" || string.Equals(flag, "true", StringComparison.OrdinalIgnoreCase));
        }

        if (!Volatile.Read(ref _applied))
        {
            ApplyToLoadedLibraries();
        }
    }

    /// <summary>
    /// Quiet (default) or verbose native logging. Call it first thing in a host (before any image or video is
    /// touched): OpenCV caches some settings at first use.
    /// </summary>
    public static void Configure(bool verbose)
    {
        lock (Gate)
        {
            Verbose = verbose;
            // The pixel cap is a backstop behind StillImage's own header check, quiet or not.
            Set("OPENCV_IO_MAX_IMAGE_PIXELS", StillImage.MaxPixels.ToString(System.Globalization.CultureInfo.InvariantCulture), overwrite: false);
            if (!verbose)
            {
                Set("OPENCV_LOG_LEVEL", "SILENT", overwrite: false);
                Set("OPENCV_FFMPEG_LOGLEVEL", "-8", overwrite: false); // AV_LOG_QUIET
            }
            else
            {
                // Verbose after quiet: undo only what Mien set, so the libraries fall back to their defaults.
                Unset("OPENCV_LOG_LEVEL", "SILENT");
                Unset("OPENCV_FFMPEG_LOGLEVEL", "-8");
            }

            Volatile.Write(ref _configured, true);
            Volatile.Write(ref _applied, false);
        }
    }

    /// <summary>
    /// The environment only counts if OpenCV reads it after it was set; when something touched OpenCV first (a host
    /// encoding images before opening a source), its cached levels are set directly instead.
    /// </summary>
    private static void ApplyToLoadedLibraries()
    {
        lock (Gate)
        {
            try
            {
                OpenCvSharp.Cv2.SetLogLevel(Verbose ? OpenCvSharp.LogLevel.INFO : OpenCvSharp.LogLevel.SILENT);
                av_log_set_level(Verbose ? 24 : -8); // AV_LOG_WARNING : AV_LOG_QUIET
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or BadImageFormatException)
            {
                // The native runtime is missing: the opener that needs it reports that, in words.
            }

            Volatile.Write(ref _applied, true);
        }
    }

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "OpenCV reads these variables when its native library loads, which may happen before any Mien.Media method runs.")]
    internal static void Initialize() => EnsureConfigured();

    private static void Set(string name, string value, bool overwrite)
    {
        try
        {
            if (overwrite || Environment.GetEnvironmentVariable(name) is null)
            {
                _ = setenv(name, value, 1);
                Environment.SetEnvironmentVariable(name, value);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not a libc platform: logging stays as the libraries default.
        }
    }

    private static void Unset(string name, string ifValue)
    {
        try
        {
            if (Environment.GetEnvironmentVariable(name) == ifValue)
            {
                _ = unsetenv(name);
                Environment.SetEnvironmentVariable(name, null);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);

    // FFmpeg is statically linked into, and exported by, OpenCvSharp's native runtime.
    [LibraryImport("OpenCvSharpExtern")]
    private static partial void av_log_set_level(int level);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int unsetenv(string name);
}
