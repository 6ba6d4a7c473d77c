using System.Buffers;
using System.Text.Json;
using Mien.Results;

namespace Mien.Reports;

/// <summary>
/// Writes one JSON object per face per frame (JSON Lines, UTF-8), and track events, to a stream. Each frame
/// is written with one write and flushed, so a crash or Ctrl+C never loses a frame that was already
/// analysed (the file ends at a frame boundary). Not thread-safe.
/// </summary>
/// <remarks>
/// <para>A face line (property names camelCase, times in seconds, angles in degrees, boxes in frame pixels;
/// measurements that could not be made are <c>null</c>; <c>landmarks</c> appears only when present, as
/// <c>[x, y, z]</c> triples):</para>
/// <code>
/// {"frame":300,"time":10.01,"track":1,"box":{"x":512.3,"y":200.1,"w":180,"h":181.5},"detectionScore":0.9871,
///  "meshConfidence":0.999,"pose":{"yaw":-3.25,"pitch":1.5,"roll":0.75},"gaze":{"yaw":-1.2,"pitch":0.4},
///  "eyes":{"leftAspectRatio":0.29,"rightAspectRatio":0.3,"openness":0.98,"inBlink":false},"mouthOpening":0.12,
///  "expression":{"anger":0.01,"disgust":0,"fear":0.02,"happiness":0.9,"sadness":0.01,"surprise":0.01,"neutral":0.05}}
/// </code>
/// <para>An event line: <c>{"event":"track-started","track":1,"time":0.033}</c> (or <c>"track-ended"</c>).</para>
/// </remarks>
public sealed class JsonlWriter : IDisposable
{
    private readonly Stream stream;
    private readonly bool leaveOpen;
    private readonly ArrayBufferWriter<byte> buffer = new(16 * 1024);
    private readonly Utf8JsonWriter json;
    private bool disposed;

    /// <summary>Creates a writer over <paramref name="stream"/>.</summary>
    /// <param name="stream">Where lines go; written once and flushed per frame.</param>
    /// <param name="leaveOpen">Whether <see cref="Dispose"/> leaves the stream open.</param>
    public JsonlWriter(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("the stream is not writable", nameof(stream));
        }

        this.stream = stream;
        this.leaveOpen = leaveOpen;
        json = new Utf8JsonWriter(buffer);
    }

    /// <summary>Creates (or truncates) the file at <paramref name="path"/>; others may read it while it grows.</summary>
    public static JsonlWriter Create(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new JsonlWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read));
    }

    /// <summary>Writes one line per face of <paramref name="frame"/> and flushes (nothing for a frame without faces).</summary>
    public void WriteFrame(FrameAnalysis frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (frame.Faces.Count == 0)
        {
            return;
        }

        try
        {
            foreach (var face in frame.Faces)
            {
                WriteFace(frame, face);
                EndLine();
            }

            Commit();
        }
        finally
        {
            json.Reset();
            buffer.ResetWrittenCount();
        }
    }

    /// <summary>Writes a <c>track-started</c> or <c>track-ended</c> line and flushes.</summary>
    public void WriteEvent(TrackEvent trackEvent)
    {
        ArgumentNullException.ThrowIfNull(trackEvent);
        ObjectDisposedException.ThrowIf(disposed, this);
        try
        {
            json.WriteStartObject();
            json.WriteString("event", trackEvent.Kind switch
            {
                TrackEventKind.Started => "track-started",
                TrackEventKind.Ended => "track-ended",
                _ => throw new ArgumentOutOfRangeException(nameof(trackEvent), trackEvent.Kind, "unknown track event kind"),
            });
            json.WriteNumber("track", trackEvent.TrackId);
            json.WriteNumber("time", Precision.Seconds(trackEvent.Timestamp));
            json.WriteEndObject();
            EndLine();
            Commit();
        }
        finally
        {
            json.Reset();
            buffer.ResetWrittenCount();
        }
    }

    /// <summary>Flushes and closes the stream (unless it was to be left open).</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        json.Dispose();
        if (leaveOpen)
        {
            stream.Flush();
        }
        else
        {
            stream.Dispose();
        }
    }

    private void WriteFace(FrameAnalysis frame, FaceObservation face)
    {
        var w = json;
        w.WriteStartObject();
        w.WriteNumber("frame", frame.FrameIndex);
        w.WriteNumber("time", Precision.Seconds(frame.Timestamp));
        w.WriteNumber("track", face.TrackId);

        w.WriteStartObject("box");
        w.WriteNumberOrNull("x", Precision.Pixels(face.Box.X));
        w.WriteNumberOrNull("y", Precision.Pixels(face.Box.Y));
        w.WriteNumberOrNull("w", Precision.Pixels(face.Box.Width));
        w.WriteNumberOrNull("h", Precision.Pixels(face.Box.Height));
        w.WriteEndObject();

        w.WriteNumberOrNull("detectionScore", Precision.Ratio(face.DetectionScore));
        w.WriteNumberOrNull("meshConfidence", face.MeshConfidence is { } mesh ? Precision.Ratio(mesh) : null);

        if (face.Pose is { } pose)
        {
            w.WriteStartObject("pose");
            w.WriteNumberOrNull("yaw", Precision.Degrees(pose.Yaw));
            w.WriteNumberOrNull("pitch", Precision.Degrees(pose.Pitch));
            w.WriteNumberOrNull("roll", Precision.Degrees(pose.Roll));
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("pose");
        }

        if (face.Gaze is { } gaze)
        {
            w.WriteStartObject("gaze");
            w.WriteNumberOrNull("yaw", Precision.Degrees(gaze.Yaw));
            w.WriteNumberOrNull("pitch", Precision.Degrees(gaze.Pitch));
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("gaze");
        }

        if (face.Eyes is { } eyes)
        {
            w.WriteStartObject("eyes");
            w.WriteNumberOrNull("leftAspectRatio", Precision.Ratio(eyes.LeftAspectRatio));
            w.WriteNumberOrNull("rightAspectRatio", Precision.Ratio(eyes.RightAspectRatio));
            w.WriteNumberOrNull("openness", Precision.Ratio(eyes.Openness));
            w.WriteBoolean("inBlink", eyes.InBlink);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("eyes");
        }

        w.WriteNumberOrNull("mouthOpening", face.MouthOpening is { } mouth ? Precision.Ratio(mouth) : null);

        if (face.Expression is { } expression)
        {
            w.WriteStartObject("expression");
            for (var i = 0; i < ExpressionEstimate.Labels.Count; i++)
            {
                w.WriteNumberOrNull(ExpressionEstimate.Labels[i], Precision.Ratio(expression.Probabilities[i]));
            }

            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("expression");
        }

        if (face.Landmarks is { } landmarks)
        {
            w.WriteStartArray("landmarks");
            foreach (var p in landmarks)
            {
                w.WriteStartArray();
                w.WriteNumberValueOrNull(Precision.Pixels(p.X));
                w.WriteNumberValueOrNull(Precision.Pixels(p.Y));
                w.WriteNumberValueOrNull(Precision.Pixels(p.Z));
                w.WriteEndArray();
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    // One JSON value per line: commit the object to the buffer, add the newline, and reset the writer so
    // the next object is again a top-level value.
    private void EndLine()
    {
        json.Flush();
        buffer.GetSpan(1)[0] = (byte)'\n';
        buffer.Advance(1);
        json.Reset();
    }

    private void Commit()
    {
        stream.Write(buffer.WrittenSpan);
        stream.Flush();
    }
}
