using FsCheck;
using FsCheck.Xunit;
using Mien.Results;

namespace Mien.Body.Tests;

public sealed class BodyPoseScheduleTests
{
    private static BodyPose Pose(FaceBox face) =>
        new([.. BodyParts.Names.Select((n, i) => new Keypoint(n, face.CenterX + i, face.CenterY + (10 * i), 0.5f))], face, 1, 1, face.SquareScaled(6));

    [Fact]
    public void Runs_every_nth_frame_and_holds_the_pose_moved_with_the_face_in_between()
    {
        var schedule = new BodyPoseSchedule(everyNthFrame: 3);
        var face = new FaceBox(100, 100, 80, 100);
        var runs = 0;
        for (var frame = 0; frame < 12; frame++)
        {
            var moved = face with { X = face.X + frame }; // 1 px per frame: below the shift threshold
            if (schedule.ShouldEstimate(moved))
            {
                schedule.Record(Pose(moved));
                runs++;
                continue;
            }

            var held = schedule.Hold(moved)!;
            Assert.Equal(moved, held.Face);
            Assert.Equal(moved.CenterX, held[BodyParts.Nose].X, 3);
        }

        Assert.Equal(4, runs);
    }

    [Fact]
    public void A_fast_head_movement_triggers_a_fresh_estimate()
    {
        var schedule = new BodyPoseSchedule(everyNthFrame: 10);
        var face = new FaceBox(100, 100, 80, 100);
        schedule.Record(Pose(face));
        Assert.False(schedule.ShouldEstimate(face with { X = 110 }));
        Assert.True(schedule.ShouldEstimate(face with { X = 130 }));
        Assert.True(schedule.ShouldEstimate(face with { Height = 130 }));
    }

    [Property]
    public void Association_is_a_confidence_in_zero_one(NormalFloat x, NormalFloat y, NormalFloat s)
    {
        var face = new FaceBox(50, 60, 40, 50);
        var k = BodyParts.Names.Select((n, i) => new Keypoint(n, (float)x.Get + i, (float)y.Get - i, Math.Clamp(MathF.Abs((float)s.Get), 0, 1))).ToArray();
        var a = BodyParts.Associate(k, face);
        Assert.InRange(a, 0, 1);
    }

    [Property]
    public void Line_angles_fold_into_minus_ninety_to_ninety(NormalFloat degrees)
    {
        var d = (float)(degrees.Get % 10000);
        var folded = BodyLanguageAnalyzer.NormaliseLine(d);
        Assert.InRange(folded, -90f, 90f);
        var turns = (d - folded) / 180;
        Assert.True(MathF.Abs(turns - MathF.Round(turns)) < 1e-3f, $"{d} folded to {folded}");
    }

    [Property(MaxTest = 200)]
    public void Cues_never_leave_their_ranges_whatever_the_keypoints(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var analyzer = new BodyLanguageAnalyzer();
        var face = new FaceBox(200, 100, 80, 100);
        for (var f = 0; f < 10; f++)
        {
            var k = BodyParts.Names.Select(n => new Keypoint(n, 100 + (random.NextSingle() * 300), 50 + (random.NextSingle() * 400), random.NextSingle())).ToArray();
            var pose = new BodyPose(k, face, null, BodyParts.Associate(k, face), face.SquareScaled(6));
            var c = analyzer.Update(TimeSpan.FromMilliseconds(40 * f), pose, face);
            Assert.Equal(c.UpperBodyVisible, c.Reason is null);
            foreach (var cue in new[] { c.Lean, c.HeadTilt, c.ShoulderTilt, c.ShouldersRaised, c.MovementEnergy, c.Fidgeting })
            {
                if (cue is { } v)
                {
                    Assert.True(float.IsFinite(v.Value));
                    Assert.InRange(v.Confidence, 0, 1);
                }
            }

            if (c.Lean is { } lean)
            {
                Assert.InRange(lean.Value, -1, 1);
            }

            if (c.Affect is { } affect)
            {
                Assert.InRange(affect.Arousal, -1, 1);
                Assert.InRange(affect.Confidence, 0, 1);
            }
        }
    }

    [Fact]
    public void Options_errors_name_the_option_and_the_constraint()
    {
        var e = Assert.Throws<ArgumentException>(() => new BodyLanguageAnalyzer(new BodyLanguageOptions { MinKeypointScore = 1.5f }));
        Assert.Contains("MinKeypointScore = 1.5", e.Message, StringComparison.Ordinal);
        var m = Assert.Throws<ArgumentException>(() => new MoveNetOptions { CropFaceHeights = 1 }.Validate());
        Assert.Contains("CropFaceHeights", m.Message, StringComparison.Ordinal);
    }
}
