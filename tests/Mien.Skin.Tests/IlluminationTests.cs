using Mien.Testing;
using Xunit.Abstractions;


namespace Mien.Skin.Tests;

/// <summary>Validation (b): ITA° of the same real face under synthetic exposure and tone-curve changes, after normalisation.</summary>
[Collection(SkinCollection.Name)]
public sealed class IlluminationTests(SkinFaces faces, ITestOutputHelper output)
{
    private static readonly (float Gain, float Gamma)[] Exposures =
        [.. from gain in new[] { 0.7f, 1f, 1.3f } from gamma in new[] { 0.8f, 1f, 1.25f } select (gain, gamma)];

    private async Task<List<(string Name, float Normalised, float Raw)>> RangesAsync(IEnumerable<string> paths, Func<(float Gain, float Gamma), (float B, float G, float R)> cast)
    {
        using var analyzer = new SkinAnalyzer();
        using var raw = new SkinAnalyzer(new SkinAnalyzerOptions { Illumination = IlluminationNormalization.None });
        var ranges = new List<(string, float, float)>();
        foreach (var path in paths)
        {
            var (image, face) = await faces.LargestFaceAsync(path);
            using (image)
            {
                if (!analyzer.Analyze(image, face.Landmarks, face.Pose).Quality.IsUsable)
                {
                    continue;
                }

                var itas = new List<float>();
                var rawItas = new List<float>();
                foreach (var e in Exposures)
                {
                    using var lit = Synthetic.Relight(image, e.Gain, e.Gamma, cast(e));
                    if (analyzer.Analyze(lit, face.Landmarks, face.Pose).Face is { } f)
                    {
                        itas.Add(f.Tone.Ita);
                    }

                    if (raw.Analyze(lit, face.Landmarks, face.Pose).Face is { } g)
                    {
                        rawItas.Add(g.Tone.Ita);
                    }
                }

                if (itas.Count >= 5)
                {
                    ranges.Add((Path.GetFileName(path), itas.Max() - itas.Min(), rawItas.Count > 1 ? rawItas.Max() - rawItas.Min() : float.NaN));
                    output.WriteLine($"{Path.GetFileName(path)}: ITA range {itas.Max() - itas.Min():F1}° over {itas.Count} conditions (raw {ranges[^1].Item3:F1}°)");
                }
            }
        }

        return ranges;
    }

    private IEnumerable<string> Faces()
    {
        var paths = faces.Models.GroupPhotos.ToList();
        if (SharedData.Find("landmarks/helen_test") is { } helen)
        {
            paths.AddRange(Directory.GetFiles(helen, "*.jpg").Order(StringComparer.Ordinal).Take(8));
        }

        return paths;
    }

    [Fact]
    public async Task Ita_of_a_face_moves_at_most_3_degrees_under_exposure_gain_and_gamma_after_normalisation()
    {
        var ranges = await RangesAsync(Faces(), _ => (1f, 1f, 1f));

        Assert.True(ranges.Count >= 3, $"only {ranges.Count} usable faces");
        var sorted = ranges.Select(r => r.Normalised).Order().ToArray();
        var median = sorted[sorted.Length / 2];
        output.WriteLine($"median range {median:F1}°, max {sorted[^1]:F1}°, raw median {ranges.Select(r => r.Raw).Order().ElementAt(ranges.Count / 2):F1}°");
        Assert.True(median <= 3f, $"median ITA range {median:F1}° > 3°");
        Assert.True(ranges.Count(r => r.Normalised < r.Raw) >= ranges.Count - 1, "normalisation should shrink the range on all faces but at most one");
    }
}
