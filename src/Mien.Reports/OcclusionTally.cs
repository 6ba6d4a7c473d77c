using Mien.Results;

namespace Mien.Reports;

/// <summary>
/// How often one track's face was covered, for the report: frames with an occlusion estimate, frames whose mouth and
/// nose or eyes were judged covered, and on how many frames each estimate was withheld as insufficient.
/// </summary>
/// <param name="Frames">Frames the face was seen in.</param>
/// <param name="Estimated">Frames with an occlusion estimate (none when the face was too small, the forehead out of view, or occlusion off).</param>
/// <param name="MouthNoseCovered">Frames whose mouth and nose were judged covered.</param>
/// <param name="EyesCovered">Frames whose eyes were judged covered.</param>
/// <param name="Withheld">Frames on which each estimate (<c>expression</c>, <c>skin</c>, <c>identity</c>) was withheld.</param>
public sealed record OcclusionTally(int Frames, int Estimated, int MouthNoseCovered, int EyesCovered, IReadOnlyDictionary<string, int> Withheld)
{
    /// <summary>Nothing counted (no frames).</summary>
    public static OcclusionTally Empty { get; } = new(0, 0, 0, 0, new Dictionary<string, int>());

    /// <summary>Adds up occlusion frame by frame.</summary>
    internal sealed class Builder
    {
        private readonly Dictionary<string, int> _withheld = new(StringComparer.Ordinal);
        private int _frames, _estimated, _mouthNose, _eyes;

        public void Add(FaceOcclusion? occlusion)
        {
            _frames++;
            if (occlusion is null)
            {
                return;
            }

            _estimated++;
            _mouthNose += occlusion.MouthNoseCovered ? 1 : 0;
            _eyes += occlusion.EyesCovered ? 1 : 0;
            foreach (var item in occlusion.Withheld)
            {
                _withheld[item] = _withheld.GetValueOrDefault(item) + 1;
            }
        }

        public OcclusionTally Build() => new(_frames, _estimated, _mouthNose, _eyes, new Dictionary<string, int>(_withheld, StringComparer.Ordinal));
    }
}
