namespace Mien.Results;

/// <summary>
/// How much of a face is covered in one frame (a mask or hand over mouth and nose, sunglasses over the eyes, or the
/// face running out of the frame), estimated from the face's own pixels: the share of each region's pixels that do not
/// look like the same face's forehead skin (or, for the lips and eye openings, do not show lips or eyes). An estimate,
/// not a detection of objects; a beard or heavy shadow also counts as covered (docs/identity.md, "Occlusion").
/// </summary>
/// <param name="MouthNose">Share of nose, cheeks, lips and chin judged covered, in [0, 1].</param>
/// <param name="Eyes">Share of the eye openings and the skin under the eyes judged covered, in [0, 1].</param>
/// <param name="MouthNoseCovered">Whether <paramref name="MouthNose"/> reaches the covered threshold.</param>
/// <param name="EyesCovered">Whether <paramref name="Eyes"/> reaches the covered threshold.</param>
public sealed record FaceOcclusion(float MouthNose, float Eyes, bool MouthNoseCovered, bool EyesCovered)
{
    /// <summary>Whether any region is covered.</summary>
    public bool Any => MouthNoseCovered || EyesCovered;

    /// <summary>
    /// Why estimates were withheld, as a kebab-case code: <c>mouth-nose-covered</c>, <c>eyes-covered</c>,
    /// <c>mouth-nose-and-eyes-covered</c>, or null when nothing is covered.
    /// </summary>
    public string? Issue => (MouthNoseCovered, EyesCovered) switch
    {
        (true, true) => "mouth-nose-and-eyes-covered",
        (true, false) => "mouth-nose-covered",
        (false, true) => "eyes-covered",
        _ => null,
    };

    /// <summary>
    /// The estimates withheld on this frame because their regions are covered ("insufficient" rather than a guess):
    /// any of <c>expression</c>, <c>skin</c>, <c>identity</c>.
    /// </summary>
    public IReadOnlyList<string> Withheld { get; init; } = [];
}
