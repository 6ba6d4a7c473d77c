using System.Buffers;
using System.Text.Json;
using Mien.Results;

namespace Mien.Reports;

/// <summary>
/// Writes faces.jsonl (JSON Lines, UTF-8): one typed record a line — a <c>"type":"face"</c> record per face per
/// frame, a <c>"type":"frame"</c> record for a frame in which no face was found (so every analysed frame has a
/// line), and <c>"type":"event"</c> records (track, segment, fused, speech and path events). Each frame is written
/// with one write and flushed, so a crash or Ctrl+C never loses a frame that was already analysed (the file ends
/// at a frame boundary). Every field is described in docs/output-format.md. Not thread-safe.
/// </summary>
/// <remarks>
/// <para>A face line (property names camelCase, enumerated values kebab-case, times in seconds, angles in
/// degrees, boxes in frame pixels; measurements that could not be made are <c>null</c>; <c>source</c> only when
/// the writer was given one; <c>landmarks</c> only when present, as <c>[x, y, z]</c> triples):</para>
/// <code>
/// {"type":"face","source":"clip.mp4","frame":300,"time":10.01,"track":1,"box":{"x":512.3,"y":200.1,"w":180,"h":181.5},"detectionScore":0.9871,
///  "meshConfidence":0.999,"pose":{"yaw":-3.25,"pitch":1.5,"roll":0.75},"gaze":{"yaw":-1.2,"pitch":0.4},
///  "eyes":{"leftAspectRatio":0.29,"rightAspectRatio":0.3,"openness":0.98,"inBlink":false},"mouthOpening":0.12,
///  "expression":{"anger":0.01,"disgust":0,"fear":0.02,"happiness":0.9,"sadness":0.01,"surprise":0.01,"neutral":0.05}}
/// </code>
/// <para>A frame without faces: <c>{"type":"frame","source":"clip.mp4","frame":301,"time":10.043,"faces":0}</c>.
/// An event line: <c>{"type":"event","event":"track-started","source":"clip.mp4","track":1,"time":0.033}</c>.</para>
/// </remarks>
public sealed class JsonlWriter : IDisposable
{
    private readonly Stream stream;
    private readonly bool leaveOpen;
    private readonly ArrayBufferWriter<byte> buffer = new(16 * 1024);
    private readonly Utf8JsonWriter json;
    private readonly string? source;
    private bool disposed;

    /// <summary>Creates a writer over <paramref name="stream"/>.</summary>
    /// <param name="stream">Where lines go; written once and flushed per frame.</param>
    /// <param name="leaveOpen">Whether <see cref="Dispose"/> leaves the stream open.</param>
    /// <param name="source">
    /// The input's name written as <c>source</c> on every line (a file name, never a local path: see
    /// <c>AnalysisSession.SourceName</c>), or null to leave the field out.
    /// </param>
    public JsonlWriter(Stream stream, bool leaveOpen = false, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("the stream is not writable", nameof(stream));
        }

        this.stream = stream;
        this.leaveOpen = leaveOpen;
        this.source = source;
        json = new Utf8JsonWriter(buffer);
    }

    /// <summary>Creates (or truncates) the file at <paramref name="path"/>; others may read it while it grows.</summary>
    /// <param name="path">The file.</param>
    /// <param name="source">The input's name for the <c>source</c> field, or null.</param>
    public static JsonlWriter Create(string path, string? source = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new JsonlWriter(FrameBoundaryStream.Create(path), source: source);
    }

    /// <summary>
    /// Writes one face line per face of <paramref name="frame"/>, or one frame line with <c>"faces":0</c> when it has
    /// none, and flushes.
    /// </summary>
    public void WriteFrame(FrameAnalysis frame) => WriteFrame(frame, emptyFrameLine: true);

    /// <summary>The face lines of <paramref name="frame"/> only (live and REST frame messages carry them in an array).</summary>
    internal void WriteFaces(FrameAnalysis frame) => WriteFrame(frame, emptyFrameLine: false);

    private void WriteFrame(FrameAnalysis frame, bool emptyFrameLine)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (frame.Faces.Count == 0 && !emptyFrameLine)
        {
            return;
        }

        try
        {
            if (frame.Faces.Count == 0)
            {
                json.WriteStartObject();
                Head("frame");
                json.WriteNumber("frame", frame.FrameIndex);
                json.WriteNumber("time", Precision.Seconds(frame.Timestamp));
                json.WriteNumber("faces", 0);
                json.WriteEndObject();
                EndLine();
            }

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
        WriteLine(w =>
        {
            EventHead(trackEvent.Kind switch
            {
                TrackEventKind.Started => "track-started",
                TrackEventKind.Ended => "track-ended",
                TrackEventKind.PersonLinked => "person-link",
                _ => throw new ArgumentOutOfRangeException(nameof(trackEvent), trackEvent.Kind, "unknown track event kind"),
            });
            w.WriteNumber("track", trackEvent.TrackId);
            w.WriteNumber("time", Precision.Seconds(trackEvent.Timestamp));
            if (trackEvent.Link is { } link)
            {
                w.WriteNumber("person", link.Person);
                w.WriteBoolean("linked", link.Linked);
                w.WriteNumberOrNull("similarity", link.Similarity is { } s ? Precision.Ratio(s) : null);
                if (link.Candidate is { } candidate)
                {
                    w.WriteNumber("candidate", candidate);
                }
                else
                {
                    w.WriteNull("candidate");
                }

                w.WriteNumber("threshold", Precision.Ratio(link.Threshold));
                if (link.Subject is { } subject)
                {
                    // Only present when the host passed consenting enrolled subjects (cross-session identity).
                    w.WriteString("subject", subject);
                    w.WriteNumberOrNull("subjectSimilarity", link.SubjectSimilarity is { } ss ? Precision.Ratio(ss) : null);
                }

                if (link.Liveness is { } liveness)
                {
                    // Only when the analysis requires liveness before naming anyone.
                    w.WriteString("liveness", liveness);
                    if (link.LivenessReason is { } reason)
                    {
                        w.WriteString("livenessReason", reason);
                    }
                }
            }

            w.WriteEndObject();
        });
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
        if (leaveOpen && stream is not FrameBoundaryStream { Failed: true })
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
        Head("face");
        w.WriteNumber("frame", frame.FrameIndex);
        w.WriteNumber("time", Precision.Seconds(frame.Timestamp));
        w.WriteNumber("track", face.TrackId);
        if (face.Person is { } person)
        {
            w.WriteNumber("person", person);
        }

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

        if (face.Occlusion is { } occlusion)
        {
            WriteOcclusion(w, occlusion);
        }

        if (face.Affect is { } affect)
        {
            WriteAffect(w, affect);
        }

        if (face.Body is { } body)
        {
            WriteBody(w, body, face.BodyPose);
        }

        if (face.Skin is { } skin)
        {
            WriteSkin(w, skin);
        }

        if (face.Physiology is { } physiology)
        {
            WritePhysiology(w, physiology);
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

    private static void WriteOcclusion(Utf8JsonWriter w, FaceOcclusion occlusion)
    {
        w.WriteStartObject("occlusion");
        w.WriteNumberOrNull("mouthNose", Precision.Ratio(occlusion.MouthNose));
        w.WriteNumberOrNull("eyes", Precision.Ratio(occlusion.Eyes));
        w.WriteBoolean("mouthNoseCovered", occlusion.MouthNoseCovered);
        w.WriteBoolean("eyesCovered", occlusion.EyesCovered);
        if (occlusion.Issue is { } issue)
        {
            w.WriteString("issue", issue);
        }

        if (occlusion.Withheld.Count > 0)
        {
            w.WriteStartArray("withheld");
            foreach (var item in occlusion.Withheld)
            {
                w.WriteStringValue(item);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private static void WriteAffect(Utf8JsonWriter w, AffectFrame affect)
    {
        w.WriteStartObject("affect");
        w.WriteNumberOrNull("reliability", Precision.Ratio(affect.Reliability));
        if (affect.Expression is { } smoothed)
        {
            w.WriteString("dominant", smoothed.Dominant);
            w.WriteStartObject("smoothed");
            for (var i = 0; i < ExpressionEstimate.Labels.Count; i++)
            {
                w.WriteNumberOrNull(ExpressionEstimate.Labels[i], Precision.Ratio(smoothed.Probabilities[i]));
            }

            w.WriteEndObject();
        }

        if (affect.Affect is { } va)
        {
            w.WriteNumberOrNull("valence", Precision.Ratio(va.Valence));
            w.WriteNumberOrNull("arousal", Precision.Ratio(va.Arousal));
            w.WriteNumberOrNull("confidence", Precision.Ratio(va.Confidence));
        }

        if (affect.Units is { } units)
        {
            w.WriteStartObject("actionUnits");
            for (var i = 0; i < ActionUnits.Codes.Count; i++)
            {
                w.WriteNumberOrNull(ActionUnits.Codes[i], Precision.Ratio(units.Intensities[i]));
            }

            w.WriteBoolean("baselineReady", units.BaselineReady);
            w.WriteString("baseline", Kebab(units.Baseline));
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteBody(Utf8JsonWriter w, BodyCues body, BodyPose? pose)
    {
        w.WriteStartObject("body");
        w.WriteBoolean("upperBodyVisible", body.UpperBodyVisible);
        if (body.Reason is { } reason)
        {
            w.WriteString("reason", reason);
        }

        Cue(w, "lean", body.Lean);
        Cue(w, "headTilt", body.HeadTilt);
        Cue(w, "shoulderTilt", body.ShoulderTilt);
        Cue(w, "shouldersRaised", body.ShouldersRaised);
        Cue(w, "movementEnergy", body.MovementEnergy);
        Cue(w, "fidgeting", body.Fidgeting);
        if (body.HandToFace is { } hand)
        {
            w.WriteStartObject("handToFace");
            w.WriteBoolean("present", hand.Present);
            w.WriteString("hands", Kebab(hand.Hands));
            w.WriteNumberOrNull("confidence", Precision.Ratio(hand.Confidence));
            w.WriteEndObject();
        }

        if (body.ArmsCrossed is { } arms)
        {
            w.WriteStartObject("armsCrossed");
            w.WriteBoolean("present", arms.Present);
            w.WriteNumberOrNull("confidence", Precision.Ratio(arms.Confidence));
            w.WriteEndObject();
        }

        if (body.Affect is { } bodyAffect)
        {
            w.WriteNumberOrNull("arousal", Precision.Ratio(bodyAffect.Arousal));
            w.WriteNumberOrNull("arousalConfidence", Precision.Ratio(bodyAffect.Confidence));
        }

        if (pose is not null)
        {
            w.WriteStartObject("keypoints");
            foreach (var k in pose.Keypoints)
            {
                w.WriteStartArray(k.Name);
                w.WriteNumberValueOrNull(Precision.Pixels(k.X));
                w.WriteNumberValueOrNull(Precision.Pixels(k.Y));
                w.WriteNumberValueOrNull(Precision.Ratio(k.Score));
                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void Cue(Utf8JsonWriter w, string name, BodyCue? cue)
    {
        if (cue is { } c)
        {
            w.WriteStartObject(name);
            w.WriteNumberOrNull("value", Precision.Ratio(c.Value));
            w.WriteNumberOrNull("confidence", Precision.Ratio(c.Confidence));
            w.WriteEndObject();
        }
    }

    /// <summary>
    /// <c>"physiology"</c>: <c>heartRate</c> on frames that close a pulse window (<c>bpm</c> null when withheld, with
    /// <c>issue</c>), <c>gestures</c> that ended, <c>asymmetry</c> indices (% of face height; left minus right) and trends
    /// when a stretch closes, <c>driver</c> indicators with the driver profile.
    /// </summary>
    private static void WritePhysiology(Utf8JsonWriter w, PhysiologyFrame physiology)
    {
        w.WriteStartObject("physiology");
        if (physiology.HeartRate is { } hr)
        {
            w.WriteStartObject("heartRate");
            w.WriteNumberOrNull("bpm", hr.BeatsPerMinute is { } bpm ? Precision.Degrees(bpm) : null);
            w.WriteNumberOrNull("candidateBpm", hr.CandidateBeatsPerMinute is { } candidate ? Precision.Degrees(candidate) : null);
            w.WriteNumberOrNull("chromBpm", hr.ChromBeatsPerMinute is { } chrom ? Precision.Degrees(chrom) : null);
            w.WriteNumberOrNull("quality", Precision.Ratio(hr.Quality));
            w.WriteNumberOrNull("snrDb", hr.SnrDb is { } snr ? Precision.Degrees(snr) : null);
            w.WriteNumberOrNull("artefactShare", Precision.Ratio(hr.ArtefactShare));
            w.WriteNumberOrNull("windowStart", Precision.Seconds(hr.WindowStart));
            if (hr.Issue is { } issue)
            {
                w.WriteString("issue", issue.Code);
                w.WriteString("message", issue.Message);
            }

            w.WriteEndObject();
        }

        if (physiology.Gestures.Count > 0)
        {
            w.WriteStartArray("gestures");
            foreach (var g in physiology.Gestures)
            {
                w.WriteStartObject();
                w.WriteString("kind", g.Kind == HeadGestureKind.Nod ? "nod" : "shake");
                w.WriteNumberOrNull("start", Precision.Seconds(g.Start));
                w.WriteNumberOrNull("end", Precision.Seconds(g.End));
                w.WriteNumber("swings", g.HalfCycles);
                w.WriteNumberOrNull("amplitude", Precision.Degrees(g.AmplitudeDegrees));
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        if (physiology.Asymmetry is { } a)
        {
            w.WriteStartObject("asymmetry");
            w.WriteNumberOrNull("mouthCorner", Precision.Degrees(a.MouthCorner));
            w.WriteNumberOrNull("eyeAperture", Precision.Degrees(a.EyeAperture));
            w.WriteNumberOrNull("brow", Precision.Degrees(a.Brow));
            w.WriteNumberOrNull("nasolabial", Precision.Degrees(a.Nasolabial));
            w.WriteNumberOrNull("smileExcursion", a.SmileExcursion is { } se ? Precision.Degrees(se) : null);
            w.WriteBoolean("reliable", a.Reliable);
            w.WriteEndObject();
        }

        if (physiology.AsymmetryTrends.Count > 0)
        {
            w.WriteStartArray("asymmetryTrends");
            foreach (var t in physiology.AsymmetryTrends)
            {
                w.WriteStartObject();
                w.WriteString("index", t.Index);
                w.WriteNumberOrNull("start", Precision.Seconds(t.Start));
                w.WriteNumberOrNull("end", Precision.Seconds(t.End));
                w.WriteNumberOrNull("mean", Precision.Degrees(t.Mean));
                w.WriteNumberOrNull("low", Precision.Degrees(t.Low));
                w.WriteNumberOrNull("high", Precision.Degrees(t.High));
                w.WriteNumberOrNull("baseline", t.Baseline is { } b ? Precision.Degrees(b) : null);
                w.WriteBoolean("changed", t.Changed);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        if (physiology.Driver is { } d)
        {
            w.WriteStartObject("driver");
            w.WriteNumberOrNull("perclos", Precision.Ratio(d.Perclos));
            w.WriteNumberOrNull("eyesClosedFor", Precision.Seconds(d.EyesClosedFor));
            w.WriteNumber("longClosures", d.LongClosures);
            w.WriteNumberOrNull("meanBlinkMs", d.MeanBlinkMs is { } mb ? Precision.Pixels(mb) : null);
            w.WriteNumber("yawns", d.Yawns);
            w.WriteNumber("nods", d.Nods);
            w.WriteNumberOrNull("gazeAwayFor", Precision.Seconds(d.GazeAwayFor));
            w.WriteString("level", Kebab(d.Level));
            if (d.Causes.Count > 0)
            {
                w.WriteStartArray("causes");
                foreach (var c in d.Causes)
                {
                    w.WriteStringValue(c);
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteSkin(Utf8JsonWriter w, SkinFrame skin)
    {
        w.WriteStartObject("skin");
        w.WriteBoolean("usable", skin.Quality.IsUsable);
        w.WriteNumberOrNull("qualityWeight", Precision.Ratio(skin.Quality.Weight));
        if (skin.Quality.Colour is { } colour)
        {
            w.WriteString("colourReference", Kebab(colour.Reference));
            if (colour.Note is { } note)
            {
                w.WriteString("colourReferenceNote", note);
            }
            else
            {
                w.WriteNumberOrNull("colourExposure", Precision.Ratio(colour.Exposure));
                w.WriteNumberOrNull("colourCastRed", Precision.Ratio(colour.RedCast));
                w.WriteNumberOrNull("colourCastBlue", Precision.Ratio(colour.BlueCast));
            }
        }

        if (skin.Quality.Reasons.Count > 0)
        {
            w.WriteStartArray("reasons");
            foreach (var r in skin.Quality.Reasons)
            {
                w.WriteStartObject();
                w.WriteString("code", r.Code);
                w.WriteString("message", r.Message);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        if (skin.Face is { } face)
        {
            Tone(w, face.Tone);
            w.WriteNumberOrNull("roughness", Precision.Ratio(face.Roughness));
            w.WriteNumberOrNull("foreheadLineDensity", face.ForeheadLineDensity is { } fl ? Precision.Ratio(fl) : null);
            w.WriteNumberOrNull("underEyeLineDensity", face.UnderEyeLineDensity is { } ul ? Precision.Ratio(ul) : null);
            w.WriteNumberOrNull("erythemaIndex", Precision.Ratio(face.ErythemaIndex));
            w.WriteNumber("spotCount", face.SpotCount);
            w.WriteNumberOrNull("spotAreaPercent", Precision.Ratio(face.SpotAreaPercent));
            w.WriteNumberOrNull("shinePercent", Precision.Ratio(face.ShineFraction));
            w.WriteNumberOrNull("underEyeDarkness", face.UnderEyeDarkness is { } d ? Precision.Ratio(d) : null);
        }

        // An array of regions named by value (kebab-case, as in skin.json), not an object keyed by region.
        w.WriteStartArray("regions");
        foreach (var r in skin.Regions)
        {
            w.WriteStartObject();
            w.WriteString("region", Kebab(r.Region));
            w.WriteNumber("usablePixels", r.UsablePixels);
            if (r.Issue is { } issue)
            {
                w.WriteString("issue", issue.Code);
            }

            if (r.Tone is { } tone)
            {
                Tone(w, tone);
            }

            w.WriteNumberOrNull("roughness", r.Roughness is { } ro ? Precision.Ratio(ro) : null);
            w.WriteNumberOrNull("lineDensity", r.LineDensity is { } li ? Precision.Ratio(li) : null);
            w.WriteNumberOrNull("erythemaIndex", r.ErythemaIndex is { } er ? Precision.Ratio(er) : null);
            w.WriteNumberOrNull("spotCount", r.SpotCount);
            w.WriteNumberOrNull("shinePercent", r.ShineFraction is { } sh ? Precision.Ratio(sh) : null);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Tone(Utf8JsonWriter w, SkinTone tone)
    {
        w.WriteNumberOrNull("L", Precision.Ratio(tone.Median.L));
        w.WriteNumberOrNull("a", Precision.Ratio(tone.Median.A));
        w.WriteNumberOrNull("b", Precision.Ratio(tone.Median.B));
        w.WriteNumberOrNull("ita", Precision.Degrees(tone.Ita));
        w.WriteString("itaCategory", Kebab(tone.Category));
        w.WriteNumber("monk", tone.Monk);
        w.WriteNumberOrNull("monkConfidence", Precision.Ratio(tone.MonkConfidence));
    }

    /// <summary>Writes a fused face/voice/body window as an event line, with each source's weight and estimate.</summary>
    public void WriteFused(TrackFusedAffect fused)
    {
        ArgumentNullException.ThrowIfNull(fused);
        WriteLine(w =>
        {
            var f = fused.Affect;
            EventHead("fused-affect");
            w.WriteNumber("track", fused.TrackId);
            w.WriteNumber("start", Precision.Seconds(f.Start));
            w.WriteNumber("end", Precision.Seconds(f.End));
            w.WriteNumberOrNull("valence", Precision.Ratio(f.Affect.Valence));
            w.WriteNumberOrNull("arousal", Precision.Ratio(f.Affect.Arousal));
            w.WriteNumberOrNull("confidence", Precision.Ratio(f.Affect.Confidence));
            if (f.Expression is { } expression)
            {
                w.WriteStartObject("expression");
                for (var i = 0; i < ExpressionEstimate.Labels.Count; i++)
                {
                    w.WriteNumberOrNull(ExpressionEstimate.Labels[i], Precision.Ratio(expression[i]));
                }

                w.WriteEndObject();
            }

            // "modalities", not "sources": every line's "source" is the input file.
            w.WriteStartArray("modalities");
            foreach (var c in f.Contributions)
            {
                w.WriteStartObject();
                w.WriteString("modality", Kebab(c.Source));
                w.WriteNumberOrNull("weight", Precision.Ratio(c.Weight));
                if (c.Affect is { } va)
                {
                    w.WriteNumberOrNull("valence", float.IsFinite(va.Valence) ? Precision.Ratio(va.Valence) : null);
                    w.WriteNumberOrNull("arousal", Precision.Ratio(va.Arousal));
                    w.WriteNumberOrNull("confidence", Precision.Ratio(va.Confidence));
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>Writes a transcript utterance as an event line: its words, VADER's scores, who it was attributed to and the valence cue fusion got.</summary>
    public void WriteUtterance(UtteranceResult utterance)
    {
        ArgumentNullException.ThrowIfNull(utterance);
        WriteLine(w =>
        {
            EventHead("utterance");
            w.WriteNumber("index", utterance.Index);
            w.WriteNumber("start", Precision.Seconds(utterance.Start));
            w.WriteNumber("end", Precision.Seconds(utterance.End));
            if (utterance.TrackId is { } id)
            {
                w.WriteNumber("track", id);
            }
            else
            {
                w.WriteNull("track");
            }

            w.WriteString("attribution", utterance.Attribution);
            w.WriteString("text", utterance.Text);
            if (utterance.Speaker is { } speaker)
            {
                w.WriteString("speaker", speaker);
            }

            w.WriteStartObject("sentiment");
            w.WriteNumberOrNull("neg", Precision.Ratio(utterance.Negative));
            w.WriteNumberOrNull("neu", Precision.Ratio(utterance.Neutral));
            w.WriteNumberOrNull("pos", Precision.Ratio(utterance.Positive));
            w.WriteNumberOrNull("compound", Precision.Ratio(utterance.Compound));
            w.WriteEndObject();
            w.WriteNumberOrNull("valence", Precision.Ratio(utterance.Valence));
            w.WriteNumberOrNull("confidence", Precision.Ratio(utterance.Confidence));
            w.WriteEndObject();
        });
    }

    /// <summary>Writes a speech segment of the audio track as an event line: prosody, the voice estimate and who it was attributed to.</summary>
    public void WriteSpeech(SpeechResult speech)
    {
        ArgumentNullException.ThrowIfNull(speech);
        WriteLine(w =>
        {
            var p = speech.Prosody;
            EventHead("speech");
            w.WriteNumber("start", Precision.Seconds(speech.Start));
            w.WriteNumber("end", Precision.Seconds(speech.End));
            if (speech.TrackId is { } id)
            {
                w.WriteNumber("track", id);
            }
            else
            {
                w.WriteNull("track");
            }

            w.WriteNumberOrNull("mouthAudioCorrelation", speech.MouthAudioCorrelation is { } c ? Precision.Ratio(c) : null);
            w.WriteNumberOrNull("arousal", Precision.Ratio(speech.Arousal));
            w.WriteNumberOrNull("valence", Precision.Ratio(speech.Valence));
            w.WriteNumberOrNull("confidence", Precision.Ratio(speech.Confidence));
            w.WriteStartObject("prosody");
            w.WriteNumberOrNull("voicedFraction", Finite(p.VoicedFraction));
            w.WriteNumberOrNull("f0MeanHz", Finite(p.F0MeanHz));
            w.WriteNumberOrNull("f0SdSemitones", Finite(p.F0SdSemitones));
            w.WriteNumberOrNull("f0RangeSemitones", Finite(p.F0RangeSemitones));
            w.WriteNumberOrNull("loudnessMeanDb", Finite(p.LoudnessMeanDb));
            w.WriteNumberOrNull("loudnessSdDb", Finite(p.LoudnessSdDb));
            w.WriteNumberOrNull("speakingRate", Finite(p.SpeakingRate));
            w.WriteNumberOrNull("jitterPercent", Finite(p.JitterPercent));
            w.WriteNumberOrNull("shimmerPercent", Finite(p.ShimmerPercent));
            w.WriteNumberOrNull("hnrDb", Finite(p.HnrDb));
            w.WriteNumberOrNull("alphaRatioDb", Finite(p.AlphaRatioDb));
            w.WriteNumberOrNull("spectralSlopeDbPerOctave", Finite(p.SpectralSlopeDbPerOctave));
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    // Unvoiced segments have no F0 (NaN): written as null, never as an invalid JSON number.
    private static double? Finite(float value) => float.IsFinite(value) ? Precision.Ratio(value) : null;

    /// <summary>Writes a stretch of a person's offline most likely expression path as an event line.</summary>
    public void WriteRun(ExpressionRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        WriteLine(w =>
        {
            EventHead("expression-path");
            w.WriteNumber("track", run.TrackId);
            w.WriteString("expression", run.Expression);
            w.WriteNumber("start", Precision.Seconds(run.Start));
            w.WriteNumber("end", Precision.Seconds(run.End));
            w.WriteEndObject();
        });
    }

    /// <summary>Writes a closed expression segment as an event line.</summary>
    public void WriteSegment(TrackSegment segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        WriteLine(w =>
        {
            var s = segment.Segment;
            EventHead("expression-segment");
            w.WriteNumber("track", segment.TrackId);
            w.WriteString("expression", s.Expression);
            w.WriteNumber("onset", Precision.Seconds(s.Onset));
            w.WriteNumber("apex", Precision.Seconds(s.Apex));
            w.WriteNumber("offset", Precision.Seconds(s.Offset));
            w.WriteNumber("duration", Precision.Seconds(s.Duration));
            w.WriteNumberOrNull("peakIntensity", Precision.Ratio(s.PeakIntensity));
            w.WriteNumberOrNull("meanValence", Precision.Ratio(s.MeanValence));
            w.WriteNumberOrNull("meanArousal", Precision.Ratio(s.MeanArousal));
            w.WriteBoolean("unitsAttributed", s.UnitsAttributed);
            w.WriteStartArray("actionUnits");
            foreach (var u in s.TopUnits)
            {
                w.WriteStartObject();
                w.WriteString("code", u.Code);
                w.WriteNumberOrNull("meanIntensity", Precision.Ratio(u.MeanIntensity));
                w.WriteNumberOrNull("aboveBaseline", Precision.Ratio(u.AboveBaseline));
                w.WriteNumberOrNull("share", Precision.Ratio(u.Share));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>Starts a record: its type first, then the input's name when known.</summary>
    private void Head(string type)
    {
        json.WriteString("type", type);
        if (source is not null)
        {
            json.WriteString("source", source);
        }
    }

    /// <summary>Starts an event record: <c>"type":"event"</c>, its kind, then the input's name when known.</summary>
    private void EventHead(string kind)
    {
        json.WriteStartObject();
        json.WriteString("type", "event");
        json.WriteString("event", kind);
        if (source is not null)
        {
            json.WriteString("source", source);
        }
    }

    /// <summary>An enumerated value as every Mien JSON output writes it: kebab-case (<c>RightCheek</c> → <c>right-cheek</c>).</summary>
    internal static string Kebab<T>(T value)
        where T : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    /// <summary>Writes one event line with <paramref name="write"/> and flushes it to the stream (events are rare: a closure is fine).</summary>
    private void WriteLine(Action<Utf8JsonWriter> write)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        try
        {
            write(json);
            EndLine();
            Commit();
        }
        finally
        {
            json.Reset();
            buffer.ResetWrittenCount();
        }
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
