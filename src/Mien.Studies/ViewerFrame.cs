using System.Text.Json;

namespace Mien.Studies;

/// <summary>What a study reads of one face in one frame.</summary>
/// <param name="Expression">The seven expression probabilities (schema order), or null when expressions were off.</param>
/// <param name="Valence">Valence (estimate), or null.</param>
/// <param name="Arousal">Arousal (estimate), or null.</param>
/// <param name="GazeYaw">Gaze yaw relative to the camera axis, degrees, or null without iris points.</param>
/// <param name="GazePitch">Gaze pitch, degrees, or null.</param>
/// <param name="HeadYaw">Head yaw, degrees, or null without a mesh.</param>
/// <param name="HeadPitch">Head pitch, degrees, or null.</param>
public sealed record FaceReading(IReadOnlyList<double>? Expression, double? Valence, double? Arousal, double? GazeYaw, double? GazePitch, double? HeadYaw, double? HeadPitch);

/// <summary>One analysed frame of a viewer: its time on the viewer's clock and the viewer's face, or null when no face was found.</summary>
/// <param name="TimeS">Frame time in seconds on the viewer's clock (the live client's timestamps or the recording's time).</param>
/// <param name="Face">The viewer's face, or null.</param>
public readonly record struct ViewerFrame(double TimeS, FaceReading? Face);

/// <summary>Reads a stored frame payload (the <c>frame</c> record of the results schema) into a <see cref="ViewerFrame"/>.</summary>
public static class FramePayload
{
    /// <summary>
    /// The frame's viewer: the face with the largest box when several are seen (the person sitting at the screen is
    /// the nearest), or none.
    /// </summary>
    /// <exception cref="ArgumentException">The payload is not JSON of a frame record.</exception>
    public static ViewerFrame Parse(double timeS, string payloadJson)
    {
        ArgumentNullException.ThrowIfNull(payloadJson);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(payloadJson);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"frame payload at {timeS:0.###} s is not JSON: {e.Message}", nameof(payloadJson), e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"frame payload at {timeS:0.###} s is not a JSON object", nameof(payloadJson));
            }

            JsonElement? best = null;
            double bestArea = -1;
            if (root.TryGetProperty("faces", out var faces) && faces.ValueKind == JsonValueKind.Array)
            {
                foreach (var face in faces.EnumerateArray())
                {
                    var area = face.TryGetProperty("box", out var box) && box.ValueKind == JsonValueKind.Object ? Number(box, "w").GetValueOrDefault() * Number(box, "h").GetValueOrDefault() : 0;
                    if (area > bestArea)
                    {
                        bestArea = area;
                        best = face;
                    }
                }
            }
            else if (root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "face")
            {
                best = root;
            }

            return new ViewerFrame(timeS, best is { } f ? Read(f) : null);
        }
    }

    private static FaceReading Read(JsonElement face)
    {
        double[]? expression = null;
        if (face.TryGetProperty("expression", out var e) && e.ValueKind == JsonValueKind.Object)
        {
            expression = new double[StudyMetrics.ExpressionLabels.Count];
            for (var i = 0; i < expression.Length; i++)
            {
                expression[i] = Number(e, StudyMetrics.ExpressionLabels[i]) ?? double.NaN;
            }

            if (Array.Exists(expression, double.IsNaN))
            {
                expression = null;
            }
        }

        double? valence = null, arousal = null;
        if (face.TryGetProperty("affect", out var a) && a.ValueKind == JsonValueKind.Object)
        {
            valence = Number(a, "valence");
            arousal = Number(a, "arousal");
        }

        var gaze = face.TryGetProperty("gaze", out var g) && g.ValueKind == JsonValueKind.Object ? g : (JsonElement?)null;
        var pose = face.TryGetProperty("pose", out var p) && p.ValueKind == JsonValueKind.Object ? p : (JsonElement?)null;
        return new FaceReading(expression, valence, arousal,
            gaze is { } gz ? Number(gz, "yaw") : null, gaze is { } gp ? Number(gp, "pitch") : null,
            pose is { } py ? Number(py, "yaw") : null, pose is { } pp ? Number(pp, "pitch") : null);
    }

    private static double? Number(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d) ? d : null;
}
