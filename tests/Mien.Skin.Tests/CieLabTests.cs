using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

using Mien.Results;

namespace Mien.Skin.Tests;

/// <summary>Exact sRGB → CIELAB (D65) against published values, and ITA°.</summary>
public sealed class CieLabTests
{
    // Reference values: Bruce Lindbloom's calculator / colormine (sRGB, D65, 2°).
    [Theory]
    [InlineData(255, 255, 255, 100.0, 0.0, 0.0)]
    [InlineData(0, 0, 0, 0.0, 0.0, 0.0)]
    [InlineData(255, 0, 0, 53.2408, 80.0925, 67.2032)]
    [InlineData(0, 255, 0, 87.7347, -86.1827, 83.1793)]
    [InlineData(0, 0, 255, 32.2970, 79.1875, -107.8602)]
    [InlineData(128, 128, 128, 53.5850, 0.0, 0.0)]
    public void Srgb_to_lab_matches_published_values(byte r, byte g, byte b, double l, double a, double bb)
    {
        var lab = CieLab.FromSrgb(r, g, b);

        Assert.Equal(l, lab.L, 0.01);
        Assert.Equal(a, lab.A, 0.02);
        Assert.Equal(bb, lab.B, 0.02);
    }

    [Theory]
    [InlineData(60f, 10f, 45f)]
    [InlineData(50f, 15f, 0f)]
    [InlineData(40f, 0f, -90f)]
    public void Ita_is_the_atan2_form_of_chardons_angle(float l, float b, float expected) =>
        Assert.Equal(expected, CieLab.Ita(l, b), 0.001);

    [Theory]
    [InlineData(60f, ItaCategory.VeryLight)]
    [InlineData(55f, ItaCategory.Light)]
    [InlineData(30f, ItaCategory.Intermediate)]
    [InlineData(20f, ItaCategory.Tan)]
    [InlineData(-10f, ItaCategory.Brown)]
    [InlineData(-40f, ItaCategory.Dark)]
    public void Ita_categories_follow_chardon(float ita, ItaCategory category) => Assert.Equal(category, CieLab.Category(ita));

    [Property]
    public Property Grey_has_no_chroma_and_lightness_rises_with_the_code(byte v, byte w)
    {
        var p = CieLab.FromSrgb(v, v, v);
        var q = CieLab.FromSrgb(w, w, w);
        return (Math.Abs(p.A) < 0.01f && Math.Abs(p.B) < 0.01f && (v < w ? p.L < q.L : v > w ? p.L > q.L : p.L == q.L)).ToProperty();
    }

    [Property]
    public Property Linearise_and_encode_are_inverse(byte v) =>
        (Math.Abs((CieLab.Encode(CieLab.Linear(v)) * 255f) - v) < 0.01f).ToProperty();
}
