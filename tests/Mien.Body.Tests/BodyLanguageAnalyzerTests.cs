using Mien.Results;
using Mien.Testing;
using Xunit.Abstractions;

namespace Mien.Body.Tests;

/// <summary>
/// Cue logic on real MoveNet keypoints: the poses of a real video (<c>single_face.mp4</c>, a man talking to a
/// webcam, shoulders at the bottom of the frame) and of the group photos. Where a cue needs a posture the
/// data does not show (a lean, a shrug, a hand at the face, crossed arms), the real pose is edited and the
/// edit is named in the test: those tests are synthetic geometry on real bodies.
/// </summary>
[Collection(RealBodiesCollection.Name)]
public sealed class BodyLanguageAnalyzerTests(RealBodies bodies, ITestOutputHelper output)
{
    private static readonly TimeSpan Frame = TimeSpan.FromMilliseconds(40);

    /// <summary>The first real pose with a visible upper body: from the video when the shared data is there, else from the photos.</summary>
    private VideoPose FirstVisible()
    {
        foreach (var v in bodies.Video)
        {
            if (new BodyLanguageAnalyzer().Update(v.Time, v.Pose, v.Face).UpperBodyVisible)
            {
                return v;
            }
        }

        // Without ../shared/data (users' machines): the first group-photo person with a visible upper body.
        foreach (var f in bodies.Faces)
        {
            var pose = bodies.Estimator.Estimate(bodies.Image(f.Image), f.Box)!;
            if (new BodyLanguageAnalyzer().Update(TimeSpan.Zero, pose, f.Box).UpperBodyVisible)
            {
                return new VideoPose(TimeSpan.Zero, f.Box, pose);
            }
        }

        throw new InvalidOperationException("no real pose shows an upper body");
    }

    private static BodyPose Edit(BodyPose pose, params (int Part, float X, float Y, float Score)[] edits)
    {
        var k = pose.Keypoints.ToArray();
        foreach (var (part, x, y, score) in edits)
        {
            k[part] = k[part] with { X = x, Y = y, Score = score };
        }

        return pose with { Keypoints = k };
    }

    private static float MeanEnergy(IEnumerable<(TimeSpan T, BodyPose Pose, FaceBox Face)> frames, out int counted, BodyLanguageOptions? options = null)
    {
        var analyzer = new BodyLanguageAnalyzer(options);
        double sum = 0;
        counted = 0;
        foreach (var (t, pose, face) in frames)
        {
            var cues = analyzer.Update(t, pose, face);
            if (t > TimeSpan.FromSeconds(1) && cues.MovementEnergy is { } e)
            {
                sum += e.Value;
                counted++;
            }
        }

        return counted == 0 ? float.NaN : (float)(sum / counted);
    }

    [SharedDataFact("videos/single_face.mp4")]
    public void A_talking_person_moves_more_than_the_same_frame_repeated_and_speed_is_per_second()
    {
        var real = MeanEnergy(bodies.Video.Select(v => (v.Time, v.Pose, v.Face)), out var n);
        var first = FirstVisible();
        var still = MeanEnergy(bodies.Video.Select(v => (v.Time, first.Pose, first.Face)), out _);

        // The same frames shown at a quarter of the speed: every keypoint moves the same distance in 4× the time.
        // Without the keypoint smoothing (whose factor depends on the frame interval) speeds must scale exactly.
        var raw = new BodyLanguageOptions { PositionSmoothing = TimeSpan.Zero };
        var unsmoothed = MeanEnergy(bodies.Video.Select(v => (v.Time, v.Pose, v.Face)), out _, raw);
        var slow = MeanEnergy(bodies.Video.Select(v => (v.Time * 4, v.Pose, v.Face)), out _, raw);

        // Every second frame only (as when frames are dropped): timestamps keep the unit.
        var halfRate = MeanEnergy(bodies.Video.Where((_, i) => i % 2 == 0).Select(v => (v.Time, v.Pose, v.Face)), out _);
        output.WriteLine($"{bodies.Video.Count} frames, {n} with energy: real {real:0.000}, still {still:0.000}, unsmoothed {unsmoothed:0.000}, 4× slower {slow:0.000}, half rate {halfRate:0.000} shoulder widths/s");
        Assert.True(n > bodies.Video.Count / 2, $"energy measured on only {n} of {bodies.Video.Count} frames");
        Assert.Equal(0, still);
        Assert.InRange(real, 0.03f, 2f);
        Assert.InRange(unsmoothed / slow, 3.6f, 4.4f);
        Assert.True(unsmoothed > real, "smoothing keypoints should remove part of MoveNet's jitter");
        Assert.InRange(halfRate / real, 0.6f, 1.5f);
    }

    [SharedDataFact("videos/single_face.mp4")]
    public void Cues_on_a_real_video_stay_in_range_and_wrists_out_of_frame_give_no_hand_cues()
    {
        var analyzer = new BodyLanguageAnalyzer();
        var visible = 0;
        foreach (var v in bodies.Video)
        {
            var c = analyzer.Update(v.Time, v.Pose, v.Face);
            if (!c.UpperBodyVisible)
            {
                Assert.NotNull(c.Reason);
                continue;
            }

            visible++;
            Assert.InRange(c.Lean!.Value.Value, -1, 1);
            Assert.InRange(c.ShoulderTilt!.Value.Value, -20, 20); // he sits upright
            Assert.InRange(c.HeadTilt!.Value.Value, -25, 25);

            // His hands are below the frame: MoveNet's wrists there are guesses in the padding, so nothing is said.
            if (v.Pose[BodyParts.LeftWrist].Score < 0.3f && v.Pose[BodyParts.RightWrist].Score < 0.3f)
            {
                Assert.Null(c.HandToFace);
                Assert.Null(c.ArmsCrossed);
            }
        }

        output.WriteLine($"upper body visible in {visible} of {bodies.Video.Count} frames");
        Assert.True(visible >= bodies.Video.Count * 0.8, $"upper body visible in only {visible} of {bodies.Video.Count} frames");
    }

    [Fact]
    public void Growing_the_face_against_the_shoulders_reads_as_leaning_in_and_shrinking_as_leaning_away()
    {
        // Synthetic edit of a real pose: the face box is scaled about its centre after 4 s of the same posture.
        var v = FirstVisible();
        foreach (var (scale, expected) in new[] { (1.25f, 1f), (0.8f, -1f), (1f, 0f) })
        {
            var analyzer = new BodyLanguageAnalyzer();
            var t = TimeSpan.Zero;
            for (; t < TimeSpan.FromSeconds(4); t += Frame)
            {
                analyzer.Update(t, v.Pose, v.Face);
            }

            var face = v.Face;
            var grown = new FaceBox(face.CenterX - (face.Width * scale / 2), face.CenterY - (face.Height * scale / 2), face.Width * scale, face.Height * scale);
            var cues = analyzer.Update(t, v.Pose with { Face = grown }, grown);
            output.WriteLine($"face ×{scale}: lean {cues.Lean}");
            Assert.True(cues.UpperBodyVisible, cues.Reason);
            Assert.InRange(cues.Lean!.Value.Value, expected - 0.1f, expected + 0.1f);
            Assert.True(cues.Lean!.Value.Confidence > 0.2f);
        }
    }

    [Fact]
    public void Lifting_the_shoulders_towards_the_eyes_reads_as_raised_shoulders()
    {
        // Synthetic edit of a real pose: both shoulders lifted by 20 % of their distance below the eye line.
        var v = FirstVisible();
        var analyzer = new BodyLanguageAnalyzer();
        var t = TimeSpan.Zero;
        for (; t < TimeSpan.FromSeconds(4); t += Frame)
        {
            Assert.InRange(analyzer.Update(t, v.Pose, v.Face).ShouldersRaised!.Value.Value, -1e-3f, 1e-3f);
        }

        var eyeY = (v.Pose[BodyParts.LeftEye].Y + v.Pose[BodyParts.RightEye].Y) / 2;
        var (ls, rs) = (v.Pose[BodyParts.LeftShoulder], v.Pose[BodyParts.RightShoulder]);
        var shrug = Edit(v.Pose, (BodyParts.LeftShoulder, ls.X, ls.Y - (0.2f * (ls.Y - eyeY)), ls.Score), (BodyParts.RightShoulder, rs.X, rs.Y - (0.2f * (rs.Y - eyeY)), rs.Score));
        var cues = analyzer.Update(t, shrug, v.Face);
        output.WriteLine($"shrug: {cues.ShouldersRaised}");
        Assert.InRange(cues.ShouldersRaised!.Value.Value, 0.15f, 0.25f);
    }

    [Fact]
    public void A_wrist_at_the_face_is_hand_to_face_with_the_right_hand_named()
    {
        // Real group-photo poses with a visible upper body; then (synthetic) a wrist moved onto the chin.
        var tested = 0;
        foreach (var face in bodies.Faces)
        {
            var pose = bodies.Estimator.Estimate(bodies.Image(face.Image), face.Box)!;
            var analyzer = new BodyLanguageAnalyzer();
            var cues = analyzer.Update(TimeSpan.Zero, pose, face.Box);
            if (!cues.UpperBodyVisible)
            {
                continue;
            }

            output.WriteLine($"{face.Image} #{face.TrackId}: {cues.HandToFace}, arms crossed {cues.ArmsCrossed}");
            if (pose[BodyParts.LeftWrist].Score >= 0.3f && pose[BodyParts.RightWrist].Score >= 0.3f)
            {
                // Real negatives: nobody in these photos holds a hand to the face (checked by eye on the overlays).
                Assert.False(cues.HandToFace!.Value.Present, $"{face.Image} #{face.TrackId}: hand-to-face reported");
            }

            var chin = (X: face.Box.CenterX, Y: face.Box.Y + face.Box.Height);
            var lw = pose[BodyParts.LeftWrist];
            var right = analyzer.Update(Frame, Edit(pose, (BodyParts.RightWrist, chin.X, chin.Y, 0.8f), (BodyParts.LeftWrist, lw.X, Math.Max(lw.Y, face.Box.Y + (3 * face.Box.Height)), lw.Score)), face.Box).HandToFace!.Value;
            Assert.Equal((true, Hands.Right), (right.Present, right.Hands));
            var both = analyzer.Update(Frame * 2, Edit(pose, (BodyParts.RightWrist, chin.X, chin.Y, 0.8f), (BodyParts.LeftWrist, chin.X + 10, chin.Y, 0.6f)), face.Box).HandToFace!.Value;
            Assert.Equal((true, Hands.Both), (both.Present, both.Hands));
            Assert.True(both.Confidence > 0.3f);
            tested++;
        }

        Assert.True(tested >= 8, $"only {tested} real poses with a visible upper body");
    }

    [Fact]
    public void Wrists_at_the_opposite_elbows_read_as_arms_crossed_and_the_real_photos_show_none()
    {
        var tested = 0;
        foreach (var face in bodies.Faces)
        {
            var pose = bodies.Estimator.Estimate(bodies.Image(face.Image), face.Box)!;
            var cues = new BodyLanguageAnalyzer().Update(TimeSpan.Zero, pose, face.Box);
            if (!cues.UpperBodyVisible)
            {
                continue;
            }

            // Nobody in these photos has crossed arms (checked by eye on the overlays).
            Assert.False(cues.ArmsCrossed?.Present ?? false, $"{face.Image} #{face.TrackId}: arms crossed reported");
            var (ls, rs) = (pose[BodyParts.LeftShoulder], pose[BodyParts.RightShoulder]);
            var width = MathF.Abs(ls.X - rs.X);

            // Synthetic: elbows a shoulder width below each shoulder, each wrist just inside the opposite elbow.
            var drop = 1.1f * width;
            var (lex, ley, rex, rey) = (ls.X, ls.Y + drop, rs.X, rs.Y + drop);
            var inward = MathF.Sign(ls.X - rs.X) * 0.2f * width;
            var crossed = Edit(
                pose,
                (BodyParts.LeftElbow, lex, ley, 0.7f),
                (BodyParts.RightElbow, rex, rey, 0.7f),
                (BodyParts.LeftWrist, rex + inward, rey - (0.1f * width), 0.6f),
                (BodyParts.RightWrist, lex - inward, ley + (0.1f * width), 0.6f));
            var flag = new BodyLanguageAnalyzer().Update(TimeSpan.Zero, crossed, face.Box).ArmsCrossed!.Value;
            Assert.True(flag.Present, $"{face.Image} #{face.TrackId}: crossed arms not seen");
            Assert.InRange(flag.Confidence, 0.3f, 1f);

            // Same arms, wrists back on their own side: not crossed.
            var open = Edit(crossed, (BodyParts.LeftWrist, lex + inward, ley + width, 0.6f), (BodyParts.RightWrist, rex - inward, rey + width, 0.6f));
            Assert.False(new BodyLanguageAnalyzer().Update(TimeSpan.Zero, open, face.Box).ArmsCrossed!.Value.Present);
            tested++;
        }

        Assert.True(tested >= 8, $"only {tested} real people with a visible upper body");
    }

    [Fact]
    public void Hands_jiggling_while_the_torso_is_still_is_fidgeting_and_not_when_the_whole_body_moves()
    {
        // Synthetic motion of a real pose: both wrists oscillate ±0.1 shoulder widths at 4 Hz for 4 s.
        var v = FirstVisible();
        var pose = Edit(v.Pose, (BodyParts.LeftWrist, v.Pose[BodyParts.LeftShoulder].X, v.Pose[BodyParts.LeftShoulder].Y + 150, 0.7f), (BodyParts.RightWrist, v.Pose[BodyParts.RightShoulder].X, v.Pose[BodyParts.RightShoulder].Y + 150, 0.7f));
        var width = MathF.Abs(pose[BodyParts.LeftShoulder].X - pose[BodyParts.RightShoulder].X);
        float Run(float bodySpeed)
        {
            var analyzer = new BodyLanguageAnalyzer();
            BodyCues? last = null;
            for (var t = TimeSpan.Zero; t < TimeSpan.FromSeconds(4); t += Frame)
            {
                var s = (float)t.TotalSeconds;
                var jiggle = 0.1f * width * MathF.Sin(2 * MathF.PI * 4 * s);
                var shift = bodySpeed * width * s;
                var k = pose.Keypoints.Select((p, i) => p with { X = p.X + shift + (i is BodyParts.LeftWrist or BodyParts.RightWrist ? jiggle : 0) }).ToArray();
                var face = v.Face with { X = v.Face.X + shift };
                last = analyzer.Update(t, pose with { Keypoints = k, Face = face }, face);
            }

            output.WriteLine($"body speed {bodySpeed}: fidgeting {last!.Fidgeting}, energy {last.MovementEnergy}");
            return last.Fidgeting!.Value.Value;
        }

        var seated = Run(0);
        var walking = Run(1);
        Assert.True(seated > 0.5f, $"fidgeting {seated:0.00} shoulder widths/s for a 4 Hz ±0.1 jiggle");
        Assert.True(walking < seated * 0.2f, $"fidgeting {walking:0.00} while the whole body moves vs {seated:0.00} seated");
    }

    [Fact]
    public void Time_going_backwards_or_a_long_gap_restarts_motion_without_a_spike()
    {
        var v = FirstVisible();
        var analyzer = new BodyLanguageAnalyzer();
        analyzer.Update(TimeSpan.FromSeconds(10), v.Pose, v.Face);
        var moved = v.Pose with { Keypoints = v.Pose.Keypoints.Select(p => p with { X = p.X + 40 }).ToArray() };
        var back = analyzer.Update(TimeSpan.FromSeconds(5), moved, v.Face with { X = v.Face.X + 40 });
        var gap = analyzer.Update(TimeSpan.FromSeconds(20), v.Pose, v.Face);
        Assert.Null(back.MovementEnergy);
        Assert.Null(gap.MovementEnergy);
    }
}
