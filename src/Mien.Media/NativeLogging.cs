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

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int unsetenv(string name);
}
