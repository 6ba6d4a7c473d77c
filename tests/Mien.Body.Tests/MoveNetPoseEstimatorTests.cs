using Mien.Results;
using OpenCvSharp;
using Xunit.Abstractions;

namespace Mien.Body.Tests;

/// <summary>MoveNet's pre- and post-processing on real people: keypoints must land on the right body parts, in frame pixels.</summary>
[Collection(RealBodiesCollection.Name)]
public sealed class MoveNetPoseEstimatorTests(RealBodies bodies, ITestOutputHelper output)
{
    private static bool Inside(Keypoint p, FaceBox box, float grow)
    {
        var (hw, hh) = (box.Width * grow / 2, box.Height * grow / 2);
        return Math.Abs(p.X - box.CenterX) <= hw && Math.Abs(p.Y - box.CenterY) <= hh;
    }

    [Fact]
    public void Head_keypoints_land_in_each_persons_face_box_and_shoulders_below_it_in_group_photos()
    {
        Assert.True(bodies.Faces.Count >= 20, $"expected the 6 group photos and the collage to give at least 20 faces, got {bodies.Faces.Count}");
        int headInside = 0, associated = 0, wrongPerson = 0, shouldersSeen = 0, shouldersBelowAndOrdered = 0;
        foreach (var face in bodies.Faces)
        {
            var pose = bodies.Estimator.Estimate(bodies.Image(face.Image), face.Box, face.TrackId)!;
            Assert.Equal(face.TrackId, pose.TrackId);
            var (nose, le, re) = (pose[BodyParts.Nose], pose[BodyParts.LeftEye], pose[BodyParts.RightEye]);
            var headIn = Inside(nose, face.Box, 1f) && Inside(le, face.Box, 1f) && Inside(re, face.Box, 1f) && le.X > re.X;
            if (pose.AssociationConfidence >= 0.5f)
            {
                // Everyone in these photos faces the camera: their left eye is on the image's right.
                associated++;
                headInside += headIn ? 1 : 0;
            }
            else if (pose.AssociationConfidence < 0.3f)
            {
                // Low association must mean MoveNet followed someone else: the nose is not on this face.
                Assert.False(Inside(nose, face.Box, 1f), $"{face.Image} #{face.TrackId}: association {pose.AssociationConfidence:0.00} but the nose is on the face");
                wrongPerson++;
            }

            var (ls, rs) = (pose[BodyParts.LeftShoulder], pose[BodyParts.RightShoulder]);
            if (ls.Score >= 0.3f && rs.Score >= 0.3f && BodyLanguageAnalyzer.ImplausibleShoulders(ls, rs, face.Box) is null)
            {
                shouldersSeen++;
                shouldersBelowAndOrdered += ls.Y > face.Box.Y + face.Box.Height * 0.8f && rs.Y > face.Box.Y + face.Box.Height * 0.8f && ls.X > rs.X ? 1 : 0;
            }

            output.WriteLine($"{face.Image} #{face.TrackId}: assoc {pose.AssociationConfidence:0.00}, nose {nose.Score:0.00}, shoulders {ls.Score:0.00}/{rs.Score:0.00}");
        }

        output.WriteLine($"head inside {headInside}/{bodies.Faces.Count}, associated {associated}, shoulders {shouldersBelowAndOrdered}/{shouldersSeen}");
        Assert.Equal(associated, headInside);
        Assert.True(associated >= bodies.Faces.Count * 0.8, $"association ≥ 0.5 for {associated} of {bodies.Faces.Count} faces");
        Assert.True(wrongPerson >= 1, "crowded photos should contain at least one crop where MoveNet follows a neighbour (low association)");
        Assert.True(shouldersSeen >= bodies.Faces.Count / 2, $"plausible visible shoulders for only {shouldersSeen} of {bodies.Faces.Count} people");
        Assert.Equal(shouldersSeen, shouldersBelowAndOrdered);
    }

    [Fact]
    public void Mirroring_the_image_mirrors_the_keypoints_and_swaps_left_and_right()
    {
        var compared = 0;
        foreach (var face in bodies.Faces.Take(12))
        {
            var image = bodies.Image(face.Image);
            using var flipped = new Mat();
            Cv2.Flip(image, flipped, FlipMode.Y);
            var mirroredBox = face.Box with { X = image.Width - face.Box.X - face.Box.Width };
            var pose = bodies.Estimator.Estimate(image, face.Box)!;
            var mirrored = bodies.Estimator.Estimate(flipped, mirroredBox)!;
            foreach (var k in (int[])[BodyParts.Nose, BodyParts.LeftEye, BodyParts.RightEye, BodyParts.LeftShoulder, BodyParts.RightShoulder])
            {
                // The person's left keypoint in the mirror image is their right one in the original.
                var swapped = k == BodyParts.Nose ? k : k % 2 == 1 ? k + 1 : k - 1;
                var (a, b) = (pose[swapped], mirrored[k]);
                if (a.Score < 0.4f || b.Score < 0.4f)
                {
                    continue;
                }

                var dx = (image.Width - b.X) - a.X;
                var dy = b.Y - a.Y;
                Assert.True(MathF.Sqrt((dx * dx) + (dy * dy)) < 0.2f * face.Box.Height, $"{face.Image} #{face.TrackId} {BodyParts.Names[k]}: mirrored ({b.X:0}, {b.Y:0}) vs original {BodyParts.Names[swapped]} ({a.X:0}, {a.Y:0})");
                compared++;
            }
        }

        Assert.True(compared >= 30, $"only {compared} keypoints were confident in both images");
    }

    [Fact]
    public void Keypoints_stay_put_in_the_frame_when_the_crop_moves_or_runs_past_the_border()
    {
        var face = bodies.Faces.First(f => f.Image == "sample3.jpg");
        var image = bodies.Image(face.Image);
        var h = face.Box.Height;
        var reference = bodies.Estimator.Estimate(image, face.Box)!;

        // A shifted face box moves the crop by tens of pixels; the keypoints must not follow it.
        var shifted = bodies.Estimator.Estimate(image, face.Box with { X = face.Box.X + (0.25f * h), Y = face.Box.Y - (0.1f * h) })!;
        Assert.NotEqual(reference.Crop, shifted.Crop);
        AssertSameHead(reference, shifted, 0, 0, 0.12f * h);

        // The same person in a cut-out whose left edge is 0.3 face widths left of the face: the crop is padded black.
        var left = (int)(face.Box.X - (0.3f * face.Box.Width));
        var top = Math.Max((int)(face.Box.Y - h), 0);
        using var cut = new Mat(image, new Rect(left, top, Math.Min(image.Width - left, (int)(8 * h)), image.Height - top)).Clone();
        var atBorder = bodies.Estimator.Estimate(cut, face.Box with { X = face.Box.X - left, Y = face.Box.Y - top })!;
        Assert.True(atBorder.Crop.X < 0, "the crop should extend past the left border");
        AssertSameHead(reference, atBorder, left, top, 0.15f * h);
    }

    private static void AssertSameHead(BodyPose a, BodyPose b, float offsetX, float offsetY, float tolerance)
    {
        foreach (var k in (int[])[BodyParts.Nose, BodyParts.LeftEye, BodyParts.RightEye])
        {
            var dx = a[k].X - (b[k].X + offsetX);
            var dy = a[k].Y - (b[k].Y + offsetY);
            Assert.True(MathF.Sqrt((dx * dx) + (dy * dy)) < tolerance, $"{BodyParts.Names[k]} moved by ({dx:0.0}, {dy:0.0}) px");
        }
    }

    [Fact]
    public void Input_tensor_is_the_crop_in_rgb_order()
    {
        using var crop = new Mat(bodies.Image("sample1.jpg"), new Rect(400, 300, MoveNetPoseEstimator.InputSize, MoveNetPoseEstimator.InputSize)).Clone();
        var input = new int[MoveNetPoseEstimator.InputSize * MoveNetPoseEstimator.InputSize * 3];
        MoveNetPoseEstimator.WriteRgbInt32(crop, input);
        using var rgb = new Mat();
        Cv2.CvtColor(crop, rgb, ColorConversionCodes.BGR2RGB);
        rgb.GetArray(out Vec3b[] pixels);
        for (var i = 0; i < pixels.Length; i++)
        {
            Assert.Equal(pixels[i].Item0, input[3 * i]);
            Assert.Equal(pixels[i].Item1, input[(3 * i) + 1]);
            Assert.Equal(pixels[i].Item2, input[(3 * i) + 2]);
        }
    }

    [Fact]
    public void Rotating_the_image_turns_the_shoulder_line_by_that_angle_and_leaves_the_head_tilt_alone()
    {
        // People whose shoulders MoveNet sees clearly (both scores ≥ 0.4) and whose body is theirs.
        var people = bodies.Faces.Where(f => Tilts(bodies.Image(f.Image), f.Box, 0.4f) is not null).ToList();
        Assert.True(people.Count >= 3, $"only {people.Count} people with clear shoulders");
        foreach (var degrees in (float[])[-12, 12])
        {
            float shoulderChange = 0, headChange = 0;
            var compared = 0;
            foreach (var face in people)
            {
                var image = bodies.Image(face.Image);
                var original = Tilts(image, face.Box, 0)!.Value;

                // OpenCV's positive angle turns the image anticlockwise; ours is positive clockwise.
                using var m = Cv2.GetRotationMatrix2D(new Point2f(face.Box.CenterX, face.Box.CenterY), -degrees, 1);
                using var rotated = new Mat();
                Cv2.WarpAffine(image, rotated, m, image.Size(), InterpolationFlags.Linear, BorderTypes.Reflect101);
                if (Tilts(rotated, face.Box, 0) is not { } turned)
                {
                    // Rotating a strongly tilted pose can push a shoulder up beside the face, where it is no longer accepted.
                    output.WriteLine($"{face.Image} #{face.TrackId} {degrees}°: no cues after rotation");
                    continue;
                }

                output.WriteLine($"{face.Image} #{face.TrackId} {degrees}°: shoulder {original.Shoulder:0.0} → {turned.Shoulder:0.0}, head {original.Head:0.0} → {turned.Head:0.0}");
                shoulderChange += turned.Shoulder - original.Shoulder;
                headChange += turned.Head - original.Head;
                compared++;
            }

            // Per person MoveNet's ear line wobbles by several degrees under rotation; the mean must follow the image.
            Assert.True(compared >= 3, $"only {compared} people compared at {degrees}°");
            Assert.InRange(shoulderChange / compared, degrees - 3, degrees + 3);
            Assert.InRange(headChange / compared, -4, 4);
        }
    }

    private (float Shoulder, float Head)? Tilts(Mat image, FaceBox box, float minShoulderScore)
    {
        var pose = bodies.Estimator.Estimate(image, box)!;
        if (Math.Min(pose[BodyParts.LeftShoulder].Score, pose[BodyParts.RightShoulder].Score) < minShoulderScore)
        {
            return null;
        }

        var cues = new BodyLanguageAnalyzer().Update(TimeSpan.Zero, pose, box);
        return cues is { UpperBodyVisible: true, HeadTilt: { } head, ShoulderTilt: { } shoulder } ? (shoulder.Value, head.Value) : null;
    }

    [Fact]
    public void A_face_only_cut_out_gives_no_upper_body_and_says_why()
    {
        var checkedFaces = 0;
        foreach (var face in bodies.Faces.Where(f => f.Image != "samples.jpg").Take(8))
        {
            var image = bodies.Image(face.Image);
            var square = face.Box.SquareScaled(1.15f);
            var rect = new Rect((int)square.X, (int)square.Y, (int)square.Width, (int)square.Height).Intersect(new Rect(0, 0, image.Width, image.Height));
            using var cut = new Mat(image, rect).Clone();
            var box = face.Box with { X = face.Box.X - rect.X, Y = face.Box.Y - rect.Y };
            var pose = bodies.Estimator.Estimate(cut, box)!;
            var cues = new BodyLanguageAnalyzer().Update(TimeSpan.Zero, pose, box);
            output.WriteLine($"{face.Image} #{face.TrackId} {cut.Width}x{cut.Height} box {box}: " + string.Join(" ", pose.Keypoints.Take(7).Select(k => $"({k.X:0},{k.Y:0},{k.Score:0.00})")) + $" {cues.Reason}");
            Assert.False(cues.UpperBodyVisible, $"{face.Image} #{face.TrackId}: a face-only image reported an upper body");
            Assert.False(string.IsNullOrWhiteSpace(cues.Reason));
            Assert.Null(cues.Lean);
            Assert.Null(cues.MovementEnergy);
            checkedFaces++;
        }

        Assert.Equal(8, checkedFaces);
    }

    [Fact]
    public void Overlay_draws_the_skeleton_on_visible_keypoints_only()
    {
        var face = bodies.Faces.First(f => f.Image == "sample3.jpg");
        var image = bodies.Image(face.Image);
        var pose = bodies.Estimator.Estimate(image, face.Box)!;
        using var drawn = image.Clone();
        BodyOverlay.Draw(drawn, pose);
        var nose = pose[BodyParts.Nose];
        Assert.NotEqual(image.At<Vec3b>((int)nose.Y, (int)nose.X), drawn.At<Vec3b>((int)nose.Y, (int)nose.X));

        using var hidden = image.Clone();
        BodyOverlay.Draw(hidden, pose with { Keypoints = [.. pose.Keypoints.Select(k => k with { Score = 0.1f })] });
        using var diff = new Mat();
        Cv2.Absdiff(image, hidden, diff);
        Assert.Equal(0, Cv2.CountNonZero(diff.Reshape(1)));
    }
}
