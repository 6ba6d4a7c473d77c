using Mien.Results;

namespace Mien.Skin;

/// <summary>A scalar skin measurement that is aggregated, trended and used by recommendations.</summary>
public enum SkinMetric
{
    /// <summary>ITA° (degrees).</summary>
    Ita,

    /// <summary>Median L* (CIELAB units).</summary>
    Lightness,

    /// <summary>Median a* (CIELAB units): redness on the green–red axis.</summary>
    Redness,

    /// <summary>Median b* (CIELAB units).</summary>
    Yellowness,

    /// <summary>Monk Skin Tone index (1–10).</summary>
    Monk,

    /// <summary>Roughness (L* RMS high-pass).</summary>
    Roughness,

    /// <summary>Forehead line density (% of pixels).</summary>
    ForeheadLines,

    /// <summary>Under-eye line density (% of pixels).</summary>
    UnderEyeLines,

    /// <summary>Erythema index (100·log10 R/G). Rises with pigmentation as well as with redness: compare a person with themself.</summary>
    ErythemaIndex,

    /// <summary>Erythema index above the one expected for the skin's lightness (see <see cref="SkinRedness"/>): redness that does not follow pigmentation.</summary>
    RelativeRedness,

    /// <summary>Spot count.</summary>
    Spots,

    /// <summary>Spot area (% of region pixels).</summary>
    SpotArea,

    /// <summary>Shine (% highlight pixels).</summary>
    Shine,

    /// <summary>Under-eye darkness (ΔL* cheek − under-eye).</summary>
    UnderEyeDarkness,
}

/// <summary>Units and extraction of <see cref="SkinMetric"/> values.</summary>
public static class SkinMetrics
{
    /// <summary>Every metric.</summary>
    public static IReadOnlyList<SkinMetric> All { get; } = Enum.GetValues<SkinMetric>();

    /// <summary>The unit of <paramref name="metric"/>, for tables and reports.</summary>
    public static string Unit(SkinMetric metric) => metric switch
    {
        SkinMetric.Ita => "°",
        SkinMetric.Lightness or SkinMetric.Redness or SkinMetric.Yellowness or SkinMetric.Roughness or SkinMetric.UnderEyeDarkness => "CIELAB units",
        SkinMetric.Monk => "MST 1–10",
        SkinMetric.ErythemaIndex => "EI (100·log10 R/G)",
        SkinMetric.RelativeRedness => "EI above tone-expected",
        SkinMetric.Spots => "count",
        _ => "%",
    };

    /// <summary>Kebab-case name (JSON, CLI).</summary>
    public static string Name(SkinMetric metric) => metric switch
    {
        SkinMetric.Ita => "ita",
        SkinMetric.Lightness => "lightness",
        SkinMetric.Redness => "redness-a",
        SkinMetric.Yellowness => "yellowness-b",
        SkinMetric.Monk => "monk",
        SkinMetric.Roughness => "roughness",
        SkinMetric.ForeheadLines => "forehead-lines",
        SkinMetric.UnderEyeLines => "under-eye-lines",
        SkinMetric.ErythemaIndex => "erythema-index",
        SkinMetric.RelativeRedness => "relative-redness",
        SkinMetric.Spots => "spots",
        SkinMetric.SpotArea => "spot-area",
        SkinMetric.Shine => "shine",
        SkinMetric.UnderEyeDarkness => "under-eye-darkness",
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "not a SkinMetric"),
    };

    /// <summary>The face-level value of <paramref name="metric"/>, or null when it was not measured.</summary>
    public static float? Of(SkinFaceMeasurement face, SkinMetric metric)
    {
        ArgumentNullException.ThrowIfNull(face);
        float? v = metric switch
        {
            SkinMetric.Ita => face.Tone.Ita,
            SkinMetric.Lightness => face.Tone.Median.L,
            SkinMetric.Redness => face.Tone.Median.A,
            SkinMetric.Yellowness => face.Tone.Median.B,
            SkinMetric.Monk => face.Tone.Monk,
            SkinMetric.Roughness => face.Roughness,
            SkinMetric.ForeheadLines => face.ForeheadLineDensity,
            SkinMetric.UnderEyeLines => face.UnderEyeLineDensity,
            SkinMetric.ErythemaIndex => face.ErythemaIndex,
            SkinMetric.RelativeRedness => SkinRedness.Relative(face.Tone.Median.L, face.ErythemaIndex),
            SkinMetric.Spots => face.SpotCount,
            SkinMetric.SpotArea => face.SpotAreaPercent,
            SkinMetric.Shine => face.ShineFraction,
            SkinMetric.UnderEyeDarkness => face.UnderEyeDarkness,
            _ => null,
        };
        return v is { } x && float.IsFinite(x) ? x : null;
    }

    /// <summary>The region-level value of <paramref name="metric"/>, or null when the region or metric was not measured.</summary>
    public static float? Of(SkinRegionMeasurement region, SkinMetric metric)
    {
        ArgumentNullException.ThrowIfNull(region);
        float? v = metric switch
        {
            SkinMetric.Ita => region.Tone?.Ita,
            SkinMetric.Lightness => region.Tone?.Median.L,
            SkinMetric.Redness => region.Tone?.Median.A,
            SkinMetric.Yellowness => region.Tone?.Median.B,
            SkinMetric.Monk => region.Tone?.Monk,
            SkinMetric.Roughness => region.Roughness,
            SkinMetric.ForeheadLines or SkinMetric.UnderEyeLines => region.LineDensity,
            SkinMetric.ErythemaIndex => region.ErythemaIndex,
            SkinMetric.RelativeRedness => region.Tone is { } t && region.ErythemaIndex is { } ei ? SkinRedness.Relative(t.Median.L, ei) : null,
            SkinMetric.Spots => region.SpotCount,
            SkinMetric.SpotArea => region.SpotAreaPercent,
            SkinMetric.Shine => region.ShineFraction,
            _ => null,
        };
        return v is { } x && float.IsFinite(x) ? x : null;
    }
}
