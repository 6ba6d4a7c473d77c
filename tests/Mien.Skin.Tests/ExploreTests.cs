using Mien.Testing;
using Xunit.Abstractions;

namespace Mien.Skin.Tests;

[Collection(SkinCollection.Name)]
public sealed class ExploreTests(SkinFaces faces, ITestOutputHelper output)
{
    [Fact]
    public async Task Explore()
    {
        var paths = faces.Models.GroupPhotos.ToList();
        var helen = SharedData.Find("landmarks/helen_test");
        if (helen is not null)
        {
            paths.AddRange(Directory.GetFiles(helen, "*.jpg").Order().Take(4));
        }

        using var analyzer = new SkinAnalyzer();
        using var none = new SkinAnalyzer(new SkinAnalyzerOptions { Illumination = IlluminationNormalization.None });
        using var gw = new SkinAnalyzer(new SkinAnalyzerOptions { Illumination = IlluminationNormalization.Exposure });
        foreach (var path in paths)
        {
            var (image, face) = await faces.LargestFaceAsync(path);
            using (image)
            {
                var sw = System.Diagnostics.Stopwatch.StartNew();
                var f = analyzer.Analyze(image, face.Landmarks!, face.Pose);
                for (var i = 0; i < 20; i++) f = analyzer.Analyze(image, face.Landmarks!, face.Pose);
                var ms = sw.Elapsed.TotalMilliseconds / 21;
                var n = none.Analyze(image, face.Landmarks!, face.Pose);
                output.WriteLine($"{Path.GetFileName(path)} {image.Width}x{image.Height} {ms:F2} ms q={f.Quality.IsUsable} w={f.Quality.Weight:F2} sharp={f.Quality.Sharpness:F2} L={f.Quality.MedianLightness:F0} usable={f.Quality.UsableSkinFraction:P0} width={f.Quality.FaceWidthPx:F0} {string.Join(";", f.Quality.Reasons)}");
                if (f.Face is { } x)
                {
                    output.WriteLine($"   face ITA {x.Tone.Ita:F1} (none {n.Face?.Tone.Ita:F1} gw {gw.Analyze(image, face.Landmarks!, face.Pose).Face?.Tone.Ita:F1}) {x.Tone.Category} MST {x.Tone.Monk} {x.Tone.MonkConfidence:F2} (none {n.Face?.Tone.Monk}) Lab {x.Tone.Median} rough {x.Roughness:F2} fl {x.ForeheadLineDensity:F1} ul {x.UnderEyeLineDensity:F1} EI {x.ErythemaIndex:F1} spots {x.SpotCount} {x.SpotAreaPercent:F2}% shine {x.ShineFraction:F1} dark {x.UnderEyeDarkness:F1}");
                }

                foreach (var r in f.Regions)
                {
                    output.WriteLine($"   {r.Region} {r.UsablePixels}/{r.PolygonPixels} {r.Issue} ITA {r.Tone?.Ita:F1} rough {r.Roughness:F2} lines {r.LineDensity:F1} EI {r.ErythemaIndex:F1} spots {r.SpotCount} shine {r.ShineFraction:F1}");
                }

                var itas = new List<float>();
                var itasNone = new List<float>();
                var itasGw = new List<float>();
                foreach (var c in Synthetic.Conditions())
                {
                    using var lit = Synthetic.Relight(image, c.Gain, c.Gamma, c.Cast);
                    var g = analyzer.Analyze(lit, face.Landmarks!, face.Pose);
                    var h = none.Analyze(lit, face.Landmarks!, face.Pose);
                    if (g.Face is { } gf) itas.Add(gf.Tone.Ita); else output.WriteLine($"   {c.Name}: {string.Join(";", g.Quality.Reasons)}");
                    var k = gw.Analyze(lit, face.Landmarks!, face.Pose);
                    if (k.Face is { } kf) itasGw.Add(kf.Tone.Ita);
                    if (h.Face is { } hf) itasNone.Add(hf.Tone.Ita);
                }

                foreach (var mode in new[] { IlluminationNormalization.None, IlluminationNormalization.Exposure, IlluminationNormalization.GreyWorld, IlluminationNormalization.GreyWorldContrast })
                {
                    using var an = new SkinAnalyzer(new SkinAnalyzerOptions { Illumination = mode });
                    var line = $"   {mode}:";
                    foreach (var (kind, pick) in new (string, Func<(string Name, float Gain, float Gamma, (float B, float G, float R) Cast), bool>)[] { ("gain", c => c.Gamma == 1 && c.Cast.B == 1), ("gamma", c => c.Gain == 1 && c.Cast.B == 1), ("cast", c => c.Gain == 1 && c.Gamma == 1), ("all", c => true) })
                    {
                        var v = new List<float>();
                        foreach (var c in Synthetic.Conditions().Where(pick))
                        {
                            using var lit = Synthetic.Relight(image, c.Gain, c.Gamma, c.Cast);
                            if (an.Analyze(lit, face.Landmarks!, face.Pose).Face is { } ff) v.Add(ff.Tone.Ita);
                        }

                        line += v.Count > 0 ? $" {kind} {v.Max() - v.Min():F1} (n={v.Count})" : $" {kind} -";
                    }

                    output.WriteLine(line);
                }

                if (itas.Count > 0) output.WriteLine($"   relit ITA range {itas.Min():F1}..{itas.Max():F1} = {itas.Max() - itas.Min():F1}; none {itasNone.DefaultIfEmpty().Min():F1}..{itasNone.DefaultIfEmpty().Max():F1} gw {itasGw.DefaultIfEmpty().Min():F1}..{itasGw.DefaultIfEmpty().Max():F1} accepted {itas.Count}/27");
                using var copy = image.Clone();
                SkinOverlay.Draw(copy, face.Landmarks!, f);
                OpenCvSharp.Cv2.ImWrite(Path.Combine("/tmp/skin-explore", Path.GetFileNameWithoutExtension(path) + ".png"), copy);
            }
        }
    }
}
