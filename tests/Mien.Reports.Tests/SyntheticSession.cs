using Mien.Results;

namespace Mien.Reports.Tests;

/// <summary>
/// A synthetic but realistic analysis, frame by frame, with known ground truth: a 60 s, 30 fps video of one
/// person (track 1) who smiles from 10 to 20 s, blinks twice (4.0–4.2 s and 27.0–27.2 s), turns the head
/// left and right between 30 and 40 s, and is not seen from 40 to 42 s. Optionally a second person (track 2)
/// is seen from 15 to 50 s with expression estimates only (no mesh: pose, gaze, eyes, mouth unknown) and a
/// surprised look around 33 s. Estimates carry seeded noise like a real classifier's.
/// </summary>
internal static class SyntheticSession
{
    public const double Fps = 30;
    public const int Blinks = 2;
    public static readonly (double Start, double End) Smile = (10, 20);
    public static readonly (double Start, double End) Gap = (40, 42);
    public static readonly (double Start, double End)[] BlinkTimes = [(4.0, 4.2), (27.0, 27.2)];

    public static List<FrameAnalysis> Create(double seconds = 60, bool secondPerson = false, int seed = 7)
    {
        var random = new Random(seed);
        var frames = new List<FrameAnalysis>();
        var count = (int)Math.Round(seconds * Fps);
        for (var i = 0; i < count; i++)
        {
            var t = i / Fps;
            var timestamp = TimeSpan.FromTicks((long)Math.Round(i * TimeSpan.TicksPerSecond / Fps));
            var faces = new List<FaceObservation>();
            if (!(t >= Gap.Start && t < Gap.End))
            {
                faces.Add(PersonOne(t, random));
            }

            if (secondPerson && t >= 15 && t < 50)
            {
                faces.Add(PersonTwo(t, random));
            }

            frames.Add(new FrameAnalysis(i, timestamp, faces));
        }

        return frames;
    }

    /// <summary>Frames of a 200 s, 30 fps video (6000 frames) with the same person all along.</summary>
    public static List<FrameAnalysis> Long() => Create(200);

    public static AnalysisSummary Summary(
        IEnumerable<FrameAnalysis> frames, string name = "interview-2024-03-12.mp4", bool anonymized = false, IReadOnlyList<string>? problems = null)
    {
        var builder = new TrackSummaryBuilder();
        long analysed = 0;
        TimeSpan last = default;
        foreach (var frame in frames)
        {
            builder.Add(frame);
            analysed++;
            last = frame.Timestamp;
        }

        return new AnalysisSummary(
            new SourceInfo(name, "video", 1280, 720, Fps, last + TimeSpan.FromSeconds(1 / Fps), "h264"),
            analysed,
            analysed,
            0,
            TimeSpan.FromSeconds(analysed / 52.4),
            builder.Build(),
            [
                new StageTiming("decode", 1.84, 2.95, analysed),
                new StageTiming("detect (BlazeFace)", 4.12, 5.3, analysed),
                new StageTiming("face mesh + iris", 7.9, 9.75, analysed),
                new StageTiming("expression", 2.31, 2.8, analysed),
                new StageTiming("temporal models", 0.08, 0.12, analysed),
            ],
            anonymized,
            problems ?? []);
    }

    public static ReportSeries Series(IEnumerable<FrameAnalysis> frames)
    {
        var builder = new ReportSeriesBuilder();
        foreach (var frame in frames)
        {
            builder.Add(frame);
        }

        return builder.Build();
    }

    public static List<KeyMoment> Moments(bool secondPerson = false)
    {
        var list = new List<KeyMoment>
        {
            new(1, TimeSpan.FromSeconds(4.1), "blink", SyntheticPictures.EyesClosed),
            new(1, TimeSpan.FromSeconds(15.2), "happiness peak 0.91", SyntheticPictures.Smile),
        };
        if (secondPerson)
        {
            list.Add(new(2, TimeSpan.FromSeconds(33.4), "surprise peak 0.74", SyntheticPictures.Surprise));
        }

        return list;
    }

    public static bool InBlink(double t)
    {
        foreach (var (start, end) in BlinkTimes)
        {
            if (t >= start - 1e-9 && t < end - 1e-9)
            {
                return true;
            }
        }

        return false;
    }

    private static FaceObservation PersonOne(double t, Random random)
    {
        // Smile: a smooth rise and fall of the happiness logit over 10–20 s.
        var smile = t >= Smile.Start && t < Smile.End ? Math.Sin(Math.PI * (t - Smile.Start) / (Smile.End - Smile.Start)) : 0;
        var logits = new double[]
        {
            -2.5 + Noise(random, 0.35),            // anger
            -3.5 + Noise(random, 0.35),            // disgust
            -2.8 + Noise(random, 0.35),            // fear
            -1.8 + (5.2 * smile) + Noise(random, 0.35), // happiness
            -1.4 + (0.6 * Math.Sin(t / 3)) - (2 * smile) + Noise(random, 0.35), // sadness
            -2.6 + Noise(random, 0.35),            // surprise
            1.2 + Noise(random, 0.25),             // neutral
        };

        // Head: still with small sway, then turning left and right between 30 and 40 s.
        var yaw = (2 * Math.Sin(t / 2.3)) + Noise(random, 0.6);
        if (t >= 30 && t < 40)
        {
            yaw += 28 * Math.Sin(2 * Math.PI * (t - 30) / 5);
        }

        var pitch = -4 + (3 * Math.Sin(t / 5.1)) + Noise(random, 0.5);
        var roll = 1.5 * Math.Sin(t / 7.7) + Noise(random, 0.4);

        var blinking = InBlink(t);
        var openness = blinking ? 0.12 + Noise(random, 0.03) : 1 + Noise(random, 0.05) - (0.15 * smile);
        var ear = 0.3 * openness;
        var mouth = 0.04 + (0.18 * smile) + Math.Abs(Noise(random, 0.02));

        var x = 560 + (yaw * 2) + Noise(random, 1.5);
        return new FaceObservation(
            1,
            new FaceBox((float)x, (float)(210 + Noise(random, 1.5)), (float)(182 + Noise(random, 1)), (float)(186 + Noise(random, 1))),
            (float)Math.Clamp(0.97 + Noise(random, 0.01), 0, 1),
            (float)Math.Clamp(0.995 + Noise(random, 0.003), 0, 1),
            new HeadPose((float)yaw, (float)pitch, (float)roll),
            new Gaze((float)(yaw * 0.8), (float)(pitch * 0.9)),
            new EyeState((float)(ear + Noise(random, 0.005)), (float)(ear + Noise(random, 0.005)), (float)openness, blinking),
            (float)mouth,
            new ExpressionEstimate(Softmax(logits)),
            null);
    }

    private static FaceObservation PersonTwo(double t, Random random)
    {
        var surprise = Math.Exp(-Math.Pow((t - 33.4) / 1.2, 2));
        var logits = new double[]
        {
            -2.2 + Noise(random, 0.4),
            -3.0 + Noise(random, 0.4),
            -2.0 + (1.5 * surprise) + Noise(random, 0.4),
            -1.0 + Noise(random, 0.4),
            -0.6 + Noise(random, 0.4),
            -2.4 + (4.5 * surprise) + Noise(random, 0.4),
            0.9 + Noise(random, 0.3),
        };
        return new FaceObservation(
            2,
            new FaceBox(180, 240, 120, 124),
            0.81f,
            null,
            null,
            null,
            null,
            null,
            new ExpressionEstimate(Softmax(logits)),
            null);
    }

    private static double Noise(Random random, double sd)
    {
        // Box–Muller: normal noise, as classifier outputs and landmark jitter are roughly Gaussian.
        var u1 = 1 - random.NextDouble();
        var u2 = random.NextDouble();
        return sd * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static float[] Softmax(double[] logits)
    {
        var max = logits.Max();
        var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
        var sum = exp.Sum();
        return [.. exp.Select(e => (float)(e / sum))];
    }
}
