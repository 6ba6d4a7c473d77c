using System.Globalization;
using Mien.Results;

namespace Mien.Reports;

/// <summary>
/// Writes one CSV row per face per frame with the fields of <see cref="JsonlWriter"/> flattened (landmarks
/// omitted): a fixed header (<see cref="Header"/>), invariant culture (dot decimals), LF line ends, and an
/// empty cell for every measurement that could not be made. The header is written on construction and each
/// frame is flushed, so a crash or Ctrl+C never loses a frame that was already analysed. Not thread-safe.
/// </summary>
/// <remarks>Every cell is a number, <c>true</c>/<c>false</c> or empty, so no cell ever needs quoting.</remarks>
public sealed class CsvWriter : IDisposable
{
    private readonly TextWriter writer;
    private readonly bool leaveOpen;
    private bool disposed;

    /// <summary>Creates a writer over <paramref name="writer"/> and writes the header.</summary>
    /// <param name="writer">Where rows go; flushed per frame.</param>
    /// <param name="leaveOpen">Whether <see cref="Dispose"/> leaves the writer open.</param>
    public CsvWriter(TextWriter writer, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(writer);
        this.writer = writer;
        this.leaveOpen = leaveOpen;
        writer.Write(string.Join(',', Header));
        writer.Write('\n');
        writer.Flush();
    }

    /// <summary>
    /// Column names in order: frame index, time (s), track, box (px), detection score, mesh confidence,
    /// head pose (°), gaze (°), eye aspect ratios, openness, inBlink, mouth opening, then the seven
    /// expression probabilities in <see cref="ExpressionEstimate.Labels"/> order; then the temporal model's
    /// smoothed dominant expression and its probability, valence, arousal, frame reliability, the action unit
    /// intensities in <see cref="ActionUnits.Codes"/> order; body cues (lean, head tilt, shoulder tilt, shoulders
    /// raised, movement energy, fidgeting, hand-to-face, arms crossed) on frames with a body pose; and face-level
    /// skin values (usable, ITA°, Monk, erythema index, roughness, shine) on frames where skin was measured; then
    /// physiology: pulse rate (BPM, empty when withheld), its quality, SNR and withholding code on frames that close a
    /// pulse window, the gesture that ended (nod/shake), the asymmetry indices, and the driver indicators (profile on).
    /// </summary>
    public static IReadOnlyList<string> Header { get; } =
    [
        "frame", "time", "track", "x", "y", "w", "h", "detectionScore", "meshConfidence",
        "yaw", "pitch", "roll", "gazeYaw", "gazePitch",
        "leftAspectRatio", "rightAspectRatio", "openness", "inBlink", "mouthOpening",
        .. ExpressionEstimate.Labels,
        "smoothedExpression", "smoothedConfidence", "valence", "arousal", "reliability",
        .. ActionUnits.Codes,
        "lean", "headTilt", "shoulderTilt", "shouldersRaised", "movementEnergy", "fidgeting", "handToFace", "armsCrossed",
        "skinUsable", "ita", "monk", "erythemaIndex", "roughness", "shine",
        "heartRate", "heartRateQuality", "heartRateSnrDb", "heartRateIssue", "gesture",
        "asymMouthCorner", "asymEyeAperture", "asymBrow", "asymNasolabial", "asymSmileExcursion", "asymReliable",
        "perclos", "eyesClosedFor", "longClosures", "yawns", "drowsyNods", "gazeAwayFor", "alertLevel",
    ];

    /// <summary>Creates (or truncates) the UTF-8 file at <paramref name="path"/>; others may read it while it grows.</summary>
    public static CsvWriter Create(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        return new CsvWriter(new StreamWriter(stream, new System.Text.UTF8Encoding(false)));
    }

    /// <summary>Writes one row per face of <paramref name="frame"/> and flushes (nothing for a frame without faces).</summary>
    public void WriteFrame(FrameAnalysis frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (frame.Faces.Count == 0)
        {
            return;
        }

        foreach (var face in frame.Faces)
        {
            WriteRow(frame, face);
        }

        writer.Flush();
    }

    /// <summary>Flushes and closes the writer (unless it was to be left open).</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (leaveOpen)
        {
            writer.Flush();
        }
        else
        {
            writer.Dispose();
        }
    }

    private void WriteRow(FrameAnalysis frame, FaceObservation face)
    {
        Integer(frame.FrameIndex, first: true);
        Cell(Precision.Seconds(frame.Timestamp));
        Integer(face.TrackId);
        Cell(Precision.Pixels(face.Box.X));
        Cell(Precision.Pixels(face.Box.Y));
        Cell(Precision.Pixels(face.Box.Width));
        Cell(Precision.Pixels(face.Box.Height));
        Cell(Precision.Ratio(face.DetectionScore));
        Cell(face.MeshConfidence is { } mesh ? Precision.Ratio(mesh) : null);

        var pose = face.Pose;
        Cell(pose is { } p1 ? Precision.Degrees(p1.Yaw) : null);
        Cell(pose is { } p2 ? Precision.Degrees(p2.Pitch) : null);
        Cell(pose is { } p3 ? Precision.Degrees(p3.Roll) : null);

        var gaze = face.Gaze;
        Cell(gaze is { } g1 ? Precision.Degrees(g1.Yaw) : null);
        Cell(gaze is { } g2 ? Precision.Degrees(g2.Pitch) : null);

        var eyes = face.Eyes;
        Cell(eyes is { } e1 ? Precision.Ratio(e1.LeftAspectRatio) : null);
        Cell(eyes is { } e2 ? Precision.Ratio(e2.RightAspectRatio) : null);
        Cell(eyes is { } e3 ? Precision.Ratio(e3.Openness) : null);
        writer.Write(',');
        if (eyes is { } e4)
        {
            writer.Write(e4.InBlink ? "true" : "false");
        }

        Cell(face.MouthOpening is { } mouth ? Precision.Ratio(mouth) : null);

        for (var i = 0; i < ExpressionEstimate.Labels.Count; i++)
        {
            Cell(face.Expression is { } expression ? Precision.Ratio(expression.Probabilities[i]) : null);
        }

        var affect = face.Affect;
        Text(affect?.Expression?.Dominant);
        Cell(affect?.Expression is { } smoothed ? Precision.Ratio(smoothed.Confidence) : null);
        Cell(affect?.Affect is { } va1 ? Precision.Ratio(va1.Valence) : null);
        Cell(affect?.Affect is { } va2 ? Precision.Ratio(va2.Arousal) : null);
        Cell(affect is not null ? Precision.Ratio(affect.Reliability) : null);
        for (var i = 0; i < ActionUnits.Codes.Count; i++)
        {
            Cell(affect?.Units is { } units ? Precision.Ratio(units.Intensities[i]) : null);
        }

        var body = face.Body;
        Cell(Cue(body?.Lean));
        Cell(body?.HeadTilt is { } tilt ? Precision.Degrees(tilt.Value) : null);
        Cell(body?.ShoulderTilt is { } shoulders ? Precision.Degrees(shoulders.Value) : null);
        Cell(Cue(body?.ShouldersRaised));
        Cell(Cue(body?.MovementEnergy));
        Cell(Cue(body?.Fidgeting));
        Text(body?.HandToFace is { } hand ? (hand.Present ? hand.Hands.ToString().ToLowerInvariant() : "none") : null);
        Text(body?.ArmsCrossed is { } arms ? (arms.Present ? "true" : "false") : null);

        var skin = face.Skin;
        Text(skin is null ? null : skin.Quality.IsUsable ? "true" : "false");
        Cell(skin?.Face is { } f1 ? Precision.Degrees(f1.Tone.Ita) : null);
        Cell(skin?.Face is { } f2 ? f2.Tone.Monk : null);
        Cell(skin?.Face is { } f3 ? Precision.Ratio(f3.ErythemaIndex) : null);
        Cell(skin?.Face is { } f4 ? Precision.Ratio(f4.Roughness) : null);
        Cell(skin?.Face is { } f5 ? Precision.Ratio(f5.ShineFraction) : null);

        var physiology = face.Physiology;
        var hr = physiology?.HeartRate;
        Cell(hr?.BeatsPerMinute is { } bpm ? Precision.Degrees(bpm) : null);
        Cell(hr is not null ? Precision.Ratio(hr.Quality) : null);
        Cell(hr?.SnrDb is { } snr ? Precision.Degrees(snr) : null);
        Text(hr?.Issue?.Code);
        Text(physiology?.Gestures.Count > 0 ? (physiology.Gestures[^1].Kind == HeadGestureKind.Nod ? "nod" : "shake") : null);
        var asymmetry = physiology?.Asymmetry;
        Cell(asymmetry is not null ? Precision.Degrees(asymmetry.MouthCorner) : null);
        Cell(asymmetry is not null ? Precision.Degrees(asymmetry.EyeAperture) : null);
        Cell(asymmetry is not null ? Precision.Degrees(asymmetry.Brow) : null);
        Cell(asymmetry is not null ? Precision.Degrees(asymmetry.Nasolabial) : null);
        Cell(asymmetry?.SmileExcursion is { } smile ? Precision.Degrees(smile) : null);
        Text(asymmetry is null ? null : asymmetry.Reliable ? "true" : "false");
        var driver = physiology?.Driver;
        Cell(driver is not null ? Precision.Ratio(driver.Perclos) : null);
        Cell(driver is not null ? Precision.Seconds(driver.EyesClosedFor) : null);
        Cell(driver?.LongClosures);
        Cell(driver?.Yawns);
        Cell(driver?.Nods);
        Cell(driver is not null ? Precision.Seconds(driver.GazeAwayFor) : null);
        Text(driver?.Level.ToString().ToLowerInvariant());

        writer.Write('\n');
    }

    private static double? Cue(BodyCue? cue) => cue is { } c ? Precision.Ratio(c.Value) : null;

    /// <summary>A cell of plain text (labels and flags only: never commas or quotes).</summary>
    private void Text(string? value)
    {
        writer.Write(',');
        if (value is not null)
        {
            writer.Write(value);
        }
    }

    private void Integer(long value, bool first = false)
    {
        if (!first)
        {
            writer.Write(',');
        }

        Span<char> text = stackalloc char[24];
        value.TryFormat(text, out var written, default, CultureInfo.InvariantCulture);
        writer.Write(text[..written]);
    }

    private void Cell(double? value)
    {
        writer.Write(',');
        if (value is { } v && double.IsFinite(v))
        {
            Span<char> text = stackalloc char[32];
            v.TryFormat(text, out var written, default, CultureInfo.InvariantCulture);
            writer.Write(text[..written]);
        }
    }
}
