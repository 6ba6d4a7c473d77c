using System.Globalization;
using Mien.Results;

namespace Mien.Reports;

/// <summary>
/// Writes faces.csv: one row per face per frame with the fields of <see cref="JsonlWriter"/> flattened (landmarks
/// and body keypoints omitted), and one row with <c>faces</c> = 0, <c>success</c> = false and empty face cells for
/// a frame in which no face was found, so every analysed frame has a row. A fixed header (<see cref="Header"/>),
/// invariant culture (dot decimals), LF line ends, an empty cell for every measurement that could not be made.
/// The header is written on construction and each frame is flushed, so a crash or Ctrl+C never loses a frame
/// that was already analysed. Every column is described in docs/output-format.md. Not thread-safe.
/// </summary>
/// <remarks>
/// Cells are numbers, <c>true</c>/<c>false</c>, kebab-case labels or empty; only <c>source</c> (a file name) may
/// need quoting, which follows RFC 4180.
/// </remarks>
public sealed class CsvWriter : IDisposable
{
    private readonly TextWriter writer;
    private readonly bool leaveOpen;
    private readonly string sourceCell;
    private bool disposed;

    /// <summary>The file's stream when this writer created it: a failed write cuts it back to the last whole frame.</summary>
    private FrameBoundaryStream? _boundary;

    /// <summary>Creates a writer over <paramref name="writer"/> and writes the header.</summary>
    /// <param name="writer">Where rows go; flushed per frame.</param>
    /// <param name="leaveOpen">Whether <see cref="Dispose"/> leaves the writer open.</param>
    /// <param name="source">The input's name for the <c>source</c> column (a file name, never a local path), or null for an empty cell.</param>
    public CsvWriter(TextWriter writer, bool leaveOpen = false, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        this.writer = writer;
        this.leaveOpen = leaveOpen;
        sourceCell = Quote(source ?? "");
        writer.Write(string.Join(',', Header));
        writer.Write('\n');
        writer.Flush();
    }

    /// <summary>
    /// Column names in order: source, frame index, time (s), faces in the frame, track, success; box (px), detection
    /// score, mesh confidence, head pose (°), gaze (°), eye aspect ratios, openness, inBlink, mouth opening, then the
    /// seven expression probabilities in <see cref="ExpressionEstimate.Labels"/> order; then the temporal model's
    /// smoothed dominant expression and its probability, valence, arousal and their confidence, frame reliability,
    /// the action units' baseline and intensities in <see cref="ActionUnits.Codes"/> order; body cues each followed by
    /// its confidence on frames with a body pose; and face-level skin values on frames where skin was measured; then
    /// physiology: pulse rate (BPM, empty when withheld), its quality, SNR and withholding code on frames that close a
    /// pulse window, the gesture that ended (nod/shake), the asymmetry indices, and the driver indicators (profile on);
    /// last the occlusion estimate (covered shares, flags, and the estimates withheld because of it), appended so
    /// readers of the earlier columns by position are unaffected.
    /// </summary>
    public static IReadOnlyList<string> Header { get; } =
    [
        "source", "frame", "time", "faces", "track", "success",
        "x", "y", "w", "h", "detectionScore", "meshConfidence",
        "yaw", "pitch", "roll", "gazeYaw", "gazePitch",
        "leftAspectRatio", "rightAspectRatio", "openness", "inBlink", "mouthOpening",
        .. ExpressionEstimate.Labels,
        "smoothedExpression", "smoothedConfidence", "valence", "arousal", "affectConfidence", "reliability",
        "auBaseline", .. ActionUnits.Codes,
        "lean", "leanConfidence", "headTilt", "headTiltConfidence", "shoulderTilt", "shoulderTiltConfidence",
        "shouldersRaised", "shouldersRaisedConfidence", "movementEnergy", "movementEnergyConfidence",
        "fidgeting", "fidgetingConfidence", "handToFace", "handToFaceConfidence", "armsCrossed", "armsCrossedConfidence",
        "skinUsable", "skinQualityWeight", "skinColourReference", "ita", "itaCategory", "monk", "monkConfidence", "erythemaIndex", "roughness", "shinePercent",
        "heartRate", "heartRateQuality", "heartRateSnrDb", "heartRateIssue", "gesture",
        "asymMouthCorner", "asymEyeAperture", "asymBrow", "asymNasolabial", "asymSmileExcursion", "asymReliable",
        "perclos", "eyesClosedFor", "longClosures", "yawns", "drowsyNods", "gazeAwayFor", "alertLevel",
        "occlusionMouthNose", "occlusionEyes", "mouthNoseCovered", "eyesCovered", "occlusionWithheld",
    ];

    /// <summary>Creates (or truncates) the UTF-8 file at <paramref name="path"/>; others may read it while it grows.</summary>
    /// <param name="path">The file.</param>
    /// <param name="source">The input's name for the <c>source</c> column, or null.</param>
    public static CsvWriter Create(string path, string? source = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = FrameBoundaryStream.Create(path);
        return new CsvWriter(new StreamWriter(stream, new System.Text.UTF8Encoding(false)), source: source) { _boundary = stream };
    }

    /// <summary>
    /// Writes one row per face of <paramref name="frame"/>, or one row with <c>faces</c> = 0 and empty face cells when
    /// it has none, and flushes.
    /// </summary>
    public void WriteFrame(FrameAnalysis frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (frame.Faces.Count == 0)
        {
            Start(frame);
            Text(null);
            Text("false");
            for (var i = 6; i < Header.Count; i++)
            {
                writer.Write(',');
            }

            writer.Write('\n');
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
        if (_boundary is { Failed: true })
        {
            // The rows after the last whole frame are still in the text writer's buffer: drop them, keep the file as cut.
            _boundary.Abandon();
        }

        if (leaveOpen)
        {
            writer.Flush();
        }
        else
        {
            writer.Dispose();
        }
    }

    /// <summary>The first four cells every row has: source, frame, time, faces.</summary>
    private void Start(FrameAnalysis frame)
    {
        writer.Write(sourceCell);
        Integer(frame.FrameIndex);
        Cell(Precision.Seconds(frame.Timestamp));
        Integer(frame.Faces.Count);
    }

    private void WriteRow(FrameAnalysis frame, FaceObservation face)
    {
        Start(frame);
        Integer(face.TrackId);

        // Success as in OpenFace: the face's mesh was measured (pose, eyes and mouth follow from it).
        Text(face.Pose is not null ? "true" : "false");
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
        Cell(affect?.Affect is { } va3 ? Precision.Ratio(va3.Confidence) : null);
        Cell(affect is not null ? Precision.Ratio(affect.Reliability) : null);
        Text(affect?.Units is { } u ? JsonlWriter.Kebab(u.Baseline) : null);
        for (var i = 0; i < ActionUnits.Codes.Count; i++)
        {
            Cell(affect?.Units is { } units ? Precision.Ratio(units.Intensities[i]) : null);
        }

        var body = face.Body;
        CueCells(body?.Lean);
        CueCells(body?.HeadTilt);
        CueCells(body?.ShoulderTilt);
        CueCells(body?.ShouldersRaised);
        CueCells(body?.MovementEnergy);
        CueCells(body?.Fidgeting);
        Text(body?.HandToFace is { } hand ? (hand.Present ? JsonlWriter.Kebab(hand.Hands) : "none") : null);
        Cell(body?.HandToFace is { } hc ? Precision.Ratio(hc.Confidence) : null);
        Text(body?.ArmsCrossed is { } arms ? (arms.Present ? "true" : "false") : null);
        Cell(body?.ArmsCrossed is { } ac ? Precision.Ratio(ac.Confidence) : null);

        var skin = face.Skin;
        Text(skin is null ? null : skin.Quality.IsUsable ? "true" : "false");
        Cell(skin is null ? null : Precision.Ratio(skin.Quality.Weight));
        Text(skin?.Quality.Colour is { } colour ? JsonlWriter.Kebab(colour.Reference) : null);
        Cell(skin?.Face is { } f1 ? Precision.Degrees(f1.Tone.Ita) : null);
        Text(skin?.Face is { } fc ? JsonlWriter.Kebab(fc.Tone.Category) : null);
        Cell(skin?.Face is { } f2 ? f2.Tone.Monk : null);
        Cell(skin?.Face is { } fm ? Precision.Ratio(fm.Tone.MonkConfidence) : null);
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
        Text(driver is null ? null : JsonlWriter.Kebab(driver.Level));

        var occlusion = face.Occlusion;
        Cell(occlusion is not null ? Precision.Ratio(occlusion.MouthNose) : null);
        Cell(occlusion is not null ? Precision.Ratio(occlusion.Eyes) : null);
        Text(occlusion is null ? null : occlusion.MouthNoseCovered ? "true" : "false");
        Text(occlusion is null ? null : occlusion.EyesCovered ? "true" : "false");

        // Several labels in one cell: ';' keeps the cell free of the CSV's own comma.
        Text(occlusion is { Withheld.Count: > 0 } o ? string.Join(';', o.Withheld) : null);

        writer.Write('\n');
    }

    /// <summary>A body cue's value and, beside it, its confidence (the JSONL writes the same rounding).</summary>
    private void CueCells(BodyCue? cue)
    {
        Cell(cue is { } c ? Precision.Ratio(c.Value) : null);
        Cell(cue is { } d ? Precision.Ratio(d.Confidence) : null);
    }

    /// <summary>RFC 4180: a cell with a comma, quote or line break is quoted, its quotes doubled.</summary>
    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    /// <summary>A cell of plain text (labels and flags only: never commas or quotes).</summary>
    private void Text(string? value)
    {
        writer.Write(',');
        if (value is not null)
        {
            writer.Write(value);
        }
    }

    private void Integer(long value)
    {
        writer.Write(',');

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
