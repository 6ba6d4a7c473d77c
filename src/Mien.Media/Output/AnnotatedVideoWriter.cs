using System.Globalization;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Media.Output;

/// <summary>
/// Writes the analysed video with the results drawn on it: face boxes and track ids, mesh points, head pose,
/// blink state and expression bars, or, when anonymising, every face pixelated and blurred (nothing else
/// identifying is drawn). Draws on the frame in place: call it last for a frame.
/// </summary>
public sealed class AnnotatedVideoWriter : IDisposable
{
    private static readonly Scalar[] TrackColours =
    [
        new(255, 140, 30), new(60, 200, 60), new(40, 110, 255), new(220, 60, 200), new(0, 210, 230), new(200, 200, 40),
    ];

    private static readonly Scalar[] ExpressionColours =
    [
        new(60, 60, 220), new(60, 140, 60), new(140, 60, 140), new(40, 200, 250), new(200, 120, 40), new(200, 200, 60), new(170, 170, 170),
    ];

    private readonly VideoWriter _writer;
    private readonly bool _anonymize;
    private readonly Size _size;
    private readonly Dictionary<int, FaceBox> _lastBoxes = [];
    private readonly string _path;
    private long _written;

    /// <summary>Opens <paramref name="path"/> (.mp4 or .avi) for frames of the given size.</summary>
    /// <exception cref="MediaException">The writer cannot be opened (bad folder, unsupported container).</exception>
    public AnnotatedVideoWriter(string path, double fps, int width, int height, bool anonymize)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        NativeLogging.EnsureConfigured();
        _path = path;
        _anonymize = anonymize;
        _size = new Size(width, height);
        FourCC fourcc = Path.GetExtension(path).Equals(".avi", StringComparison.OrdinalIgnoreCase) ? FourCC.FromString("MJPG") : FourCC.FromString("mp4v");
        _writer = new VideoWriter(path, fourcc, fps is > 0 and < 1000 ? fps : 30, _size);
        if (!_writer.IsOpened())
        {
            _writer.Dispose();
            throw new MediaException(path, "cannot be written as video (folder missing or read-only, or unsupported container: use .mp4 or .avi)");
        }
    }

    /// <summary>Draws <paramref name="analysis"/> on <paramref name="bgr"/> and appends it to the video.</summary>
    public void Write(Mat bgr, FrameAnalysis analysis)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentNullException.ThrowIfNull(analysis);
        if (_anonymize)
        {
            // Also hide where tracked faces were last seen: a face the mesh lost for a frame is still a face.
            foreach (var face in analysis.Faces)
            {
                _lastBoxes[face.TrackId] = face.Box;
            }

            // And faces not confirmed yet: blurred from the first frame they are seen in, not from when they become people.
            FaceAnonymizer.Apply(bgr, _lastBoxes.Values.Concat(analysis.Unconfirmed));
            foreach (var id in _lastBoxes.Keys.Where(id => !analysis.Faces.Any(f => f.TrackId == id)).ToArray())
            {
                _lastBoxes.Remove(id);
            }
        }

        foreach (var face in analysis.Faces)
        {
            Draw(bgr, face);
        }

        _writer.Write(bgr);
        _written++;
    }

    /// <summary>Frames written so far.</summary>
    public long FramesWritten => _written;

    private void Draw(Mat bgr, FaceObservation face)
    {
        var colour = TrackColours[(face.TrackId - 1) % TrackColours.Length];
        var thick = Math.Max(1, bgr.Width / 400);
        var rect = new Rect((int)face.Box.X, (int)face.Box.Y, (int)face.Box.Width, (int)face.Box.Height);
        Cv2.Rectangle(bgr, rect, colour, thick);
        if (!_anonymize && face.Landmarks is { } mesh)
        {
            for (var i = 0; i < mesh.Count; i += 2)
            {
                Cv2.Circle(bgr, new Point((int)mesh[i].X, (int)mesh[i].Y), 1, colour, -1);
            }
        }

        var scale = Math.Max(0.4, bgr.Width / 1400.0);
        var label = $"#{face.TrackId}";
        if (face.Pose is { } p)
        {
            label += string.Create(CultureInfo.InvariantCulture, $"  yaw {p.Yaw:0} pitch {p.Pitch:0} roll {p.Roll:0}");
        }

        if (face.Eyes is { InBlink: true })
        {
            label += "  blink";
        }

        Text(bgr, label, new Point(rect.X, Math.Max(12, rect.Y - 6)), scale, colour);
        if (face.Expression is { } e)
        {
            // Seven bars to the right of the box: probability as length.
            var barH = Math.Max(6, rect.Height / 10);
            var x0 = Math.Min(rect.Right + 6, bgr.Width - 80);
            for (var k = 0; k < 7; k++)
            {
                var y = rect.Y + (k * (barH + 2));
                var w = (int)(60 * e.Probabilities[k]);
                Cv2.Rectangle(bgr, new Rect(x0, y, 60, barH), new Scalar(40, 40, 40), -1);
                Cv2.Rectangle(bgr, new Rect(x0, y, Math.Max(1, w), barH), ExpressionColours[k], -1);
                Text(bgr, ExpressionEstimate.Labels[k], new Point(x0 + 64, y + barH - 1), scale * 0.6, Scalar.White);
            }
        }
    }

    private static void Text(Mat bgr, string text, Point at, double scale, Scalar colour)
    {
        Cv2.PutText(bgr, text, at, HersheyFonts.HersheySimplex, scale, Scalar.Black, 3, LineTypes.AntiAlias);
        Cv2.PutText(bgr, text, at, HersheyFonts.HersheySimplex, scale, colour, 1, LineTypes.AntiAlias);
    }

    /// <summary>
    /// Whether <see cref="Dispose"/> removed the file because it could not be finished (an MP4 without its index,
    /// e.g. when the disk filled): a video nobody can play is worse than none.
    /// </summary>
    public bool Unfinished { get; private set; }

    /// <summary>
    /// Closes the video; a video that never received a frame is deleted rather than left as an unplayable stub, and
    /// so is an MP4 whose index (the <c>moov</c> box, written last) did not make it to disk (<see cref="Unfinished"/>).
    /// </summary>
    public void Dispose()
    {
        _writer.Dispose();
        Unfinished = _written > 0 && Path.GetExtension(_path).Equals(".mp4", StringComparison.OrdinalIgnoreCase) && !HasMovieIndex(_path);
        if (_written == 0 || Unfinished)
        {
            try
            {
                File.Delete(_path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Nothing useful to do: the stub stays, and the caller's report says no frame was analysed.
            }
        }
    }

    /// <summary>Whether the MP4 at <paramref name="path"/> has a top-level <c>moov</c> box (walks box headers only).</summary>
    internal static bool HasMovieIndex(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            Span<byte> header = stackalloc byte[16];
            long at = 0;
            while (at + 8 <= file.Length)
            {
                file.Position = at;
                file.ReadExactly(header[..8]);
                long size = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header);
                if (size == 1 && at + 16 <= file.Length)
                {
                    file.ReadExactly(header[8..16]);
                    size = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(header[8..]);
                }
                else if (size == 0)
                {
                    size = file.Length - at;   // the box runs to the end of the file
                }

                if (header[4..8].SequenceEqual("moov"u8))
                {
                    return at + size <= file.Length;
                }

                if (size < 8)
                {
                    return false;
                }

                at += size;
            }

            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
