using System.Globalization;
using System.Text;
using Mien.Media.Samples;
using Mien.Results;
using Mien.Testing;

namespace Mien.Affect.Tests;

/// <summary>Temporary: dumps per-frame raw series for offline prototyping (MIEN_AFFECT_DUMP=1).</summary>
public sealed class SeriesDump(RealModels models) : IClassFixture<RealModels>
{
    [Fact]
    public async Task Dump()
    {
        if (Environment.GetEnvironmentVariable("MIEN_AFFECT_DUMP") != "1")
        {
            return;
        }

        var samples = await SampleMedia.FaceVideosAsync(models.Packages);
        var clips = new List<string> { samples[0], samples[1], samples[2] };
        foreach (var n in new[] { "videos/WolfgangLanger_Pexels.mp4", "videos/single_face.mp4", "videos/face_noface.mov", "videos/noface_face.mov" })
        {
            clips.Add(SharedData.Require(n));
        }

        var dir = Path.Combine(Repository.Root, "out", "affect", "series");
        Directory.CreateDirectory(dir);
        foreach (var clip in clips)
        {
            var frames = await VideoSeries.MainTrackAsync(models, clip);
            var affect = new TrackAffect();
            var sb = new StringBuilder("t,p0,p1,p2,p3,p4,p5,p6,rel,raw,filt," + string.Join(",", ActionUnits.Codes) + "\n");
            foreach (var f in frames)
            {
                var face = f.Face;
                var r = affect.Update(f.Time, face.Landmarks, face.Pose, face.Eyes?.Openness, face.MouthOpening, face.Expression, face.DetectionScore, face.MeshConfidence ?? 0);
                if (face.Expression is { } e && r.Expression is { } x)
                {
                    sb.Append(string.Create(CultureInfo.InvariantCulture, $"{f.Time.TotalSeconds:R},{string.Join(",", e.Probabilities.Select(p => p.ToString("R", CultureInfo.InvariantCulture)))},{r.Reliability:R},{e.Dominant},{x.Dominant},{(r.Units is { } u ? string.Join(",", u.Intensities.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) : string.Join(",", ActionUnits.Codes.Select(_ => "")))}\n"));
                }
            }

            await File.WriteAllTextAsync(Path.Combine(dir, Path.GetFileNameWithoutExtension(clip) + ".csv"), sb.ToString());
        }
    }
}
