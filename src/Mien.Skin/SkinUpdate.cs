using Mien.Results;

namespace Mien.Skin;

/// <summary>A person's skin over the session, sent once at the end.</summary>
/// <param name="TrackId">The person.</param>
/// <param name="Summary">Robust aggregate of the usable measurements.</param>
/// <param name="OverlayJpeg">The face with the measured regions drawn, from the best frame (null when anonymised or none usable).</param>
/// <param name="Suggestions">Non-medical suggestions from the summary.</param>
/// <param name="Profile">The subject's profile after this session was appended, when the session stores one.</param>
public sealed record SkinUpdate(int TrackId, SkinSummary Summary, byte[]? OverlayJpeg, IReadOnlyList<SkinSuggestion> Suggestions, SkinProfile? Profile) : AnalysisUpdate;

/// <summary>Where a subject's skin sessions are kept (a JSON folder for the CLI, the database for the server).</summary>
public interface ISkinProfileStore
{
    /// <summary>Adds a session to the subject's profile and returns the profile with it.</summary>
    SkinProfile Append(string subjectId, SkinSession session);
}
