using Mien.Results;

namespace Mien.Body;

/// <summary>Thresholds and time constants of <see cref="BodyLanguageAnalyzer"/>, with documented defaults.</summary>
public sealed record BodyLanguageOptions
{
    /// <summary>Keypoints scoring below this are treated as not visible (default 0.3, MoveNet's usual cut).</summary>
    public float MinKeypointScore { get; init; } = 0.3f;

    /// <summary>Below this face association the body is taken to be someone else's, or nobody's (default 0.3).</summary>
    public float MinAssociation { get; init; } = 0.3f;

    /// <summary>Shoulder width below this many face heights means a side view or a bad pose: nothing is said (default 0.6).</summary>
    public float MinShoulderWidthFaceHeights { get; init; } = 0.6f;

    /// <summary>Time constant of the person's running posture baseline (default 20 s): a lean held much longer becomes the new normal.</summary>
    public TimeSpan BaselineTimeConstant { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Baseline seconds needed for full confidence in lean and raised shoulders (default 3 s).</summary>
    public TimeSpan BaselineWarmup { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Relative change of face height / shoulder width that reads as a full lean, ±1 (default 0.25).</summary>
    public float LeanFullScale { get; init; } = 0.25f;

    /// <summary>Time constant of the keypoint smoothing before speeds are taken (default 80 ms): damps MoveNet's frame-to-frame jitter.</summary>
    public TimeSpan PositionSmoothing { get; init; } = TimeSpan.FromMilliseconds(80);

    /// <summary>Time constant of the movement-energy average (default 0.5 s).</summary>
    public TimeSpan EnergySmoothing { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Time constant of the fidgeting average (default 1 s).</summary>
    public TimeSpan FidgetSmoothing { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Torso (shoulder-midpoint) speed, shoulder widths per second, at which hand motion stops counting as fidgeting (default 0.3).</summary>
    public float TorsoStillSpeed { get; init; } = 0.3f;

    /// <summary>Frame gaps longer than this restart motion measurement (default 1 s): no speed is taken across them.</summary>
    public TimeSpan MaxGap { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Movement energy (shoulder widths per second) that maps to arousal 0 (default 0.3).</summary>
    public float ArousalHalfEnergy { get; init; } = 0.3f;

    /// <summary>Factor on the arousal proxy's confidence (default 0.5): body motion is a weak, ambiguous arousal signal.</summary>
    public float AffectWeight { get; init; } = 0.5f;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option, value and constraint.</summary>
    public void Validate()
    {
        static void Check(bool ok, string name, object value, string constraint)
        {
            if (!ok)
            {
                throw new ArgumentException($"{name} = {value}: {constraint}.");
            }
        }

        Check(MinKeypointScore is >= 0 and < 1, nameof(MinKeypointScore), MinKeypointScore, "must be in [0, 1)");
        Check(MinAssociation is >= 0 and <= 1, nameof(MinAssociation), MinAssociation, "must be in [0, 1]");
        Check(MinShoulderWidthFaceHeights is >= 0 and < 10, nameof(MinShoulderWidthFaceHeights), MinShoulderWidthFaceHeights, "must be in [0, 10)");
        Check(BaselineTimeConstant > TimeSpan.Zero, nameof(BaselineTimeConstant), BaselineTimeConstant, "must be positive");
        Check(BaselineWarmup >= TimeSpan.Zero, nameof(BaselineWarmup), BaselineWarmup, "must not be negative");
        Check(LeanFullScale is > 0 and < 10, nameof(LeanFullScale), LeanFullScale, "must be in (0, 10)");
        Check(PositionSmoothing >= TimeSpan.Zero, nameof(PositionSmoothing), PositionSmoothing, "must not be negative");
        Check(EnergySmoothing >= TimeSpan.Zero, nameof(EnergySmoothing), EnergySmoothing, "must not be negative");
        Check(FidgetSmoothing >= TimeSpan.Zero, nameof(FidgetSmoothing), FidgetSmoothing, "must not be negative");
        Check(TorsoStillSpeed > 0 && float.IsFinite(TorsoStillSpeed), nameof(TorsoStillSpeed), TorsoStillSpeed, "must be a positive speed");
        Check(MaxGap > TimeSpan.Zero, nameof(MaxGap), MaxGap, "must be positive");
        Check(ArousalHalfEnergy > 0 && float.IsFinite(ArousalHalfEnergy), nameof(ArousalHalfEnergy), ArousalHalfEnergy, "must be a positive speed");
        Check(AffectWeight is >= 0 and <= 1, nameof(AffectWeight), AffectWeight, "must be in [0, 1]");
    }
}

/// <summary>
/// Turns one person's body poses over time into body-language cues (<see cref="BodyCues"/>). One instance per
/// face track; pure (no OpenCV or ONNX Runtime), driven by frame timestamps, so dropped or skipped frames only
/// change the smoothing factors. Not thread-safe.
/// </summary>
public sealed class BodyLanguageAnalyzer
{
    /// <summary>Keypoints whose motion makes up movement energy: head, shoulders, elbows, wrists, hips.</summary>
    private static readonly int[] MotionParts =
    [
        BodyParts.Nose, BodyParts.LeftShoulder, BodyParts.RightShoulder, BodyParts.LeftElbow, BodyParts.RightElbow,
        BodyParts.LeftWrist, BodyParts.RightWrist, BodyParts.LeftHip, BodyParts.RightHip,
    ];

    private readonly BodyLanguageOptions _options;
    private readonly float[] _sx = new float[BodyParts.Count];
    private readonly float[] _sy = new float[BodyParts.Count];
    private readonly bool[] _seen = new bool[BodyParts.Count];
    private TimeSpan? _last;
    private float _leanBaseline;
    private float _raiseBaseline;
    private double _leanBaselineSeconds;
    private double _raiseBaselineSeconds;
    private float? _energy;
    private float _energyConfidence;
    private float? _fidget;
    private float _fidgetConfidence;
    private float _torsoX;
    private float _torsoY;
    private bool _torsoSeen;

    /// <summary>Creates an analyser with <paramref name="options"/> (validated) or the defaults.</summary>
    public BodyLanguageAnalyzer(BodyLanguageOptions? options = null)
    {
        _options = options ?? new BodyLanguageOptions();
        _options.Validate();
    }

    /// <summary>Adds the pose of frame time <paramref name="t"/> and returns the cues at that time.</summary>
    /// <param name="t">Frame timestamp; a time earlier than the previous one restarts motion measurement.</param>
    /// <param name="pose">The body pose (keypoints in frame pixels).</param>
    /// <param name="face">The person's face box in the same frame.</param>
    public BodyCues Update(TimeSpan t, BodyPose pose, FaceBox face)
    {
        ArgumentNullException.ThrowIfNull(pose);
        if (pose.Keypoints.Count != BodyParts.Count)
        {
            throw new ArgumentException($"expected {BodyParts.Count} keypoints, got {pose.Keypoints.Count}", nameof(pose));
        }

        var dt = _last is { } last ? (t - last).TotalSeconds : double.NaN;
        if (dt < 0 || dt > _options.MaxGap.TotalSeconds)
        {
            ResetMotion();
            dt = double.NaN;
        }

        if (dt == 0)
        {
            // A repeated timestamp carries no motion information; keep the state.
            dt = double.NaN;
        }

        _last = t;
        var k = pose.Keypoints;
        var min = _options.MinKeypointScore;
        var ls = k[BodyParts.LeftShoulder];
        var rs = k[BodyParts.RightShoulder];
        var faceH = Math.Max(face.Height, 1e-3f);
        var shoulderWidth = Distance(ls, rs);
        string? reason = null;
        if (pose.AssociationConfidence < _options.MinAssociation)
        {
            reason = $"body not associated with the face (association {pose.AssociationConfidence:0.00} < {_options.MinAssociation:0.00})";
        }
        else if (ls.Score < min || rs.Score < min)
        {
            reason = $"shoulders not visible (scores left {ls.Score:0.00}, right {rs.Score:0.00} < {min:0.00})";
        }
        else if (shoulderWidth < _options.MinShoulderWidthFaceHeights * faceH)
        {
            reason = $"shoulders foreshortened ({shoulderWidth / faceH:0.00} face heights wide): side view or a bad pose";
        }
        else if (ImplausibleShoulders(ls, rs, face) is { } why)
        {
            reason = why;
        }

        if (reason is not null)
        {
            ResetMotion();
            return new BodyCues(t, false, reason, null, null, null, null, null, null, null, null, null);
        }

        var assoc = pose.AssociationConfidence;
        var shoulderScore = Math.Min(ls.Score, rs.Score);
        var shoulderAngle = LineAngle(rs, ls);

        // Lean: the face grows against the shoulders when the head comes forward.
        var ratio = faceH / shoulderWidth;
        var lean = Baseline(ref _leanBaseline, ref _leanBaselineSeconds, MathF.Log(ratio), dt, out var leanMaturity);
        var leanValue = Math.Clamp(lean / MathF.Log(1 + _options.LeanFullScale), -1, 1);
        BodyCue? leanCue = new BodyCue(leanValue, shoulderScore * assoc * leanMaturity);

        BodyCue? headTilt = null;
        var (le, re) = (k[BodyParts.LeftEar], k[BodyParts.RightEar]);
        var (leye, reye) = (k[BodyParts.LeftEye], k[BodyParts.RightEye]);
        if (le.Score >= min && re.Score >= min)
        {
            headTilt = new BodyCue(NormaliseLine(LineAngle(re, le) - shoulderAngle), Math.Min(Math.Min(le.Score, re.Score), shoulderScore) * assoc);
        }
        else if (leye.Score >= min && reye.Score >= min)
        {
            headTilt = new BodyCue(NormaliseLine(LineAngle(reye, leye) - shoulderAngle), Math.Min(Math.Min(leye.Score, reye.Score), shoulderScore) * assoc);
        }

        var shoulderTilt = new BodyCue(NormaliseLine(shoulderAngle), shoulderScore * assoc);

        BodyCue? raised = null;
        if (leye.Score >= min && reye.Score >= min)
        {
            // Distance of the eye midpoint from the shoulder line, in face heights (independent of the shoulders' own width).
            var d = PointLineDistance((leye.X + reye.X) / 2, (leye.Y + reye.Y) / 2, rs, ls) / faceH;
            if (d > 1e-3f)
            {
                var rel = Baseline(ref _raiseBaseline, ref _raiseBaselineSeconds, MathF.Log(d), dt, out var raiseMaturity);
                raised = new BodyCue(1 - MathF.Exp(rel), Math.Min(Math.Min(leye.Score, reye.Score), shoulderScore) * assoc * raiseMaturity);
            }
        }

        UpdateMotion(k, dt, shoulderWidth, assoc);
        BodyCue? energy = _energy is { } e ? new BodyCue(e, _energyConfidence) : null;
        BodyCue? fidget = _fidget is { } f ? new BodyCue(f, _fidgetConfidence) : null;
        BodyAffect? affect = _energy is { } en
            ? new BodyAffect(Math.Clamp((2 * en / (en + _options.ArousalHalfEnergy)) - 1, -1, 1), _energyConfidence * _options.AffectWeight)
            : null;

        return new BodyCues(t, true, null, leanCue, headTilt, shoulderTilt, raised, energy, fidget, HandAtFace(k, face, assoc), ArmsCrossed(k, shoulderWidth, assoc), affect);
    }

    /// <summary>Forgets the baselines and motion history (e.g. when the track is re-identified as someone else).</summary>
    public void Reset()
    {
        ResetMotion();
        _last = null;
        _leanBaselineSeconds = 0;
        _raiseBaselineSeconds = 0;
        _energy = null;
        _fidget = null;
    }

    /// <summary>
    /// In crowded frames MoveNet can put a neighbour's shoulders under this head. Shoulders are accepted when
    /// their midpoint lies within 1.5 face widths of the face centre horizontally and at most 2.5 face heights
    /// below the face box, and neither shoulder is above the lowest quarter of the face box (a shrug lifts the
    /// shoulders towards the ears, not above the chin in a frontal view). Guessed shoulders on a face-only image
    /// sit beside the jaw and fail this.
    /// </summary>
    internal static string? ImplausibleShoulders(Keypoint ls, Keypoint rs, FaceBox face)
    {
        var midX = (ls.X + rs.X) / 2;
        var midY = (ls.Y + rs.Y) / 2;
        var offset = Math.Abs(midX - face.CenterX) / Math.Max(face.Width, 1e-3f);
        if (offset > 1.5f)
        {
            return $"shoulders not under this face (midpoint {offset:0.0} face widths to the side): probably another person's";
        }

        if (Math.Min(ls.Y, rs.Y) < face.Y + (0.75f * face.Height) || midY > face.Y + (3.5f * face.Height))
        {
            return "shoulders not below this face: probably another person's, or a lying pose";
        }

        return null;
    }

    /// <summary>
    /// Hand-to-face: a visible wrist inside the face zone (x within one face width of the centre, y from one face
    /// height above the centre to 1.25 below). MoveNet marks the wrist, not the fingertips, hence the generous zone.
    /// </summary>
    internal HandToFace? HandAtFace(IReadOnlyList<Keypoint> k, FaceBox face, float assoc)
    {
        var min = _options.MinKeypointScore;
        var (lw, rw) = (k[BodyParts.LeftWrist], k[BodyParts.RightWrist]);
        if (lw.Score < min && rw.Score < min)
        {
            return null;
        }

        bool InZone(Keypoint w) => w.Score >= min && Math.Abs(w.X - face.CenterX) <= face.Width && w.Y >= face.CenterY - face.Height && w.Y <= face.CenterY + (1.25f * face.Height);
        var hands = (InZone(lw) ? Hands.Left : Hands.None) | (InZone(rw) ? Hands.Right : Hands.None);
        var confidence = hands switch
        {
            Hands.Left => lw.Score,
            Hands.Right => rw.Score,
            Hands.Both => Math.Max(lw.Score, rw.Score),
            _ => (lw.Score + rw.Score) / 2, // "not at the face" is only as sure as both wrists are visible
        };
        return new HandToFace(hands != Hands.None, hands, confidence * assoc);
    }

    /// <summary>
    /// Arms crossed: both wrists beyond the body's midline on the opposite side, below the shoulders and above
    /// the hips (or 2.5 shoulder widths below the shoulders), each within 0.75 shoulder widths of the opposite
    /// elbow. With elbows not visible, the midline test alone counts at half confidence.
    /// </summary>
    internal BodyFlag? ArmsCrossed(IReadOnlyList<Keypoint> k, float shoulderWidth, float assoc)
    {
        var min = _options.MinKeypointScore;
        var (ls, rs) = (k[BodyParts.LeftShoulder], k[BodyParts.RightShoulder]);
        var (lw, rw) = (k[BodyParts.LeftWrist], k[BodyParts.RightWrist]);
        var (lel, rel) = (k[BodyParts.LeftElbow], k[BodyParts.RightElbow]);
        if (lw.Score < min || rw.Score < min)
        {
            return null;
        }

        var midX = (ls.X + rs.X) / 2;
        var shoulderY = (ls.Y + rs.Y) / 2;
        var (lh, rh) = (k[BodyParts.LeftHip], k[BodyParts.RightHip]);
        var bottom = lh.Score >= min && rh.Score >= min ? Math.Max(lh.Y, rh.Y) : shoulderY + (2.5f * shoulderWidth);
        var leftSide = MathF.Sign(ls.X - midX);

        // Signed distance past the midline towards the opposite side, in shoulder widths (positive = crossed).
        var lCross = -(lw.X - midX) * leftSide / shoulderWidth;
        var rCross = (rw.X - midX) * leftSide / shoulderWidth;
        bool InTorsoBand(Keypoint w) => w.Y > shoulderY && w.Y < bottom;
        var crossed = lCross > 0 && rCross > 0 && InTorsoBand(lw) && InTorsoBand(rw);
        var wristScore = Math.Min(lw.Score, rw.Score);
        if (lel.Score < min || rel.Score < min)
        {
            return new BodyFlag(crossed, wristScore * assoc * 0.5f);
        }

        crossed = crossed && Distance(lw, rel) < 0.75f * shoulderWidth && Distance(rw, lel) < 0.75f * shoulderWidth;
        return new BodyFlag(crossed, Math.Min(wristScore, Math.Min(lel.Score, rel.Score)) * assoc);
    }

    private void UpdateMotion(IReadOnlyList<Keypoint> k, double dt, float shoulderWidth, float assoc)
    {
        var min = _options.MinKeypointScore;
        var hasDt = !double.IsNaN(dt);
        var a = hasDt ? Alpha(dt, _options.PositionSmoothing) : 1f;
        float speedSum = 0, scoreSum = 0;
        var used = 0;
        var previousTorso = (_torsoX, _torsoY, _torsoSeen);
        Span<float> previousX = stackalloc float[BodyParts.Count];
        Span<float> previousY = stackalloc float[BodyParts.Count];
        Span<bool> previousSeen = stackalloc bool[BodyParts.Count];
        _sx.CopyTo(previousX);
        _sy.CopyTo(previousY);
        _seen.CopyTo(previousSeen);
        for (var i = 0; i < BodyParts.Count; i++)
        {
            var p = k[i];
            if (p.Score < min)
            {
                _seen[i] = false;
                continue;
            }

            if (!_seen[i] || !hasDt)
            {
                (_sx[i], _sy[i], _seen[i]) = (p.X, p.Y, true);
                continue;
            }

            _sx[i] += a * (p.X - _sx[i]);
            _sy[i] += a * (p.Y - _sy[i]);
        }

        if (!hasDt)
        {
            SetTorso();
            return;
        }

        foreach (var i in MotionParts)
        {
            if (!_seen[i] || !previousSeen[i])
            {
                continue;
            }

            var v = Hypot(_sx[i] - previousX[i], _sy[i] - previousY[i]) / (float)dt / shoulderWidth;
            speedSum += k[i].Score * v;
            scoreSum += k[i].Score;
            used++;
        }

        if (used > 0)
        {
            var instant = speedSum / scoreSum;
            var confidence = scoreSum / used * Math.Min(1, used / 4f) * assoc;
            var ae = Alpha(dt, _options.EnergySmoothing);
            _energy = _energy is { } e ? e + (ae * (instant - e)) : instant;
            _energyConfidence = confidence;
        }

        SetTorso();
        if (!previousTorso._torsoSeen || !_torsoSeen)
        {
            return;
        }

        var torsoSpeed = Hypot(_torsoX - previousTorso._torsoX, _torsoY - previousTorso._torsoY) / (float)dt / shoulderWidth;
        var stillness = Math.Clamp(1 - (torsoSpeed / _options.TorsoStillSpeed), 0, 1);
        float handSpeed = 0, handScore = 0;
        var hands = 0;
        foreach (var w in (ReadOnlySpan<int>)[BodyParts.LeftWrist, BodyParts.RightWrist])
        {
            if (!_seen[w] || !previousSeen[w])
            {
                continue;
            }

            // Wrist motion relative to the torso, so swaying or walking is not fidgeting.
            var rx = (_sx[w] - _torsoX) - (previousX[w] - previousTorso._torsoX);
            var ry = (_sy[w] - _torsoY) - (previousY[w] - previousTorso._torsoY);
            handSpeed = Math.Max(handSpeed, Hypot(rx, ry) / (float)dt / shoulderWidth);
            handScore = Math.Max(handScore, k[w].Score);
            hands++;
        }

        if (hands == 0)
        {
            return;
        }

        var af = Alpha(dt, _options.FidgetSmoothing);
        var fidget = handSpeed * stillness;
        _fidget = _fidget is { } f ? f + (af * (fidget - f)) : fidget;
        _fidgetConfidence = handScore * assoc;
    }

    private void SetTorso()
    {
        _torsoSeen = _seen[BodyParts.LeftShoulder] && _seen[BodyParts.RightShoulder];
        if (_torsoSeen)
        {
            _torsoX = (_sx[BodyParts.LeftShoulder] + _sx[BodyParts.RightShoulder]) / 2;
            _torsoY = (_sy[BodyParts.LeftShoulder] + _sy[BodyParts.RightShoulder]) / 2;
        }
    }

    private void ResetMotion()
    {
        Array.Clear(_seen);
        _torsoSeen = false;
    }

    /// <summary>
    /// Updates an exponential running baseline of <paramref name="value"/> (time constant
    /// <see cref="BodyLanguageOptions.BaselineTimeConstant"/>) and returns value − baseline; the first sample is the baseline.
    /// </summary>
    private float Baseline(ref float baseline, ref double seconds, float value, double dt, out float maturity)
    {
        if (seconds <= 0)
        {
            baseline = value;
            seconds = 1e-6;
        }
        else if (!double.IsNaN(dt))
        {
            baseline += Alpha(dt, _options.BaselineTimeConstant) * (value - baseline);
            seconds += dt;
        }

        var warmup = _options.BaselineWarmup.TotalSeconds;
        maturity = warmup <= 0 ? 1 : (float)Math.Min(1, seconds / warmup);
        return value - baseline;
    }

    private static float Alpha(double dt, TimeSpan tau) => tau <= TimeSpan.Zero ? 1 : (float)(1 - Math.Exp(-dt / tau.TotalSeconds));

    private static float Hypot(float x, float y) => MathF.Sqrt((x * x) + (y * y));

    private static float Distance(Keypoint a, Keypoint b) => Hypot(a.X - b.X, a.Y - b.Y);

    /// <summary>Angle of the line from <paramref name="from"/> to <paramref name="to"/>, degrees, positive clockwise in the image (y down).</summary>
    internal static float LineAngle(Keypoint from, Keypoint to) => MathF.Atan2(to.Y - from.Y, to.X - from.X) * (180 / MathF.PI);

    /// <summary>Folds an angle between two undirected lines into (−90, 90].</summary>
    internal static float NormaliseLine(float degrees)
    {
        var a = degrees % 180;
        if (a > 90)
        {
            a -= 180;
        }
        else if (a <= -90)
        {
            a += 180;
        }

        return a;
    }

    private static float PointLineDistance(float x, float y, Keypoint a, Keypoint b)
    {
        var (dx, dy) = (b.X - a.X, b.Y - a.Y);
        var length = Hypot(dx, dy);
        return length < 1e-6f ? Hypot(x - a.X, y - a.Y) : MathF.Abs((dx * (y - a.Y)) - (dy * (x - a.X))) / length;
    }
}
