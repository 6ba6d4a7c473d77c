namespace Mien.Storage;

// Ad/content testing studies (docs/studies.md), kept in their own part of the interface so they merge apart from the rest.
public partial interface IMienStore
{
    /// <summary>Creates a study in the project.</summary>
    /// <exception cref="ArgumentException">The name is empty or too long, or k is outside 2–1000.</exception>
    /// <exception cref="MienStoreException">The project does not exist (<see cref="MienStoreError.NotFound"/>).</exception>
    Task<Study> CreateStudyAsync(Guid projectId, NewStudy study, CancellationToken cancellationToken = default);

    /// <summary>The study if it belongs to the project, or null.</summary>
    Task<Study?> GetStudyAsync(Guid projectId, Guid studyId, CancellationToken cancellationToken = default);

    /// <summary>The project's studies, oldest first.</summary>
    Task<IReadOnlyList<Study>> ListStudiesAsync(Guid projectId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a study with its stimuli, viewers and playback logs (the viewers' recordings and subjects stay);
    /// returns the stimuli's media paths for the caller to delete, or null when the study is not the project's.
    /// </summary>
    Task<IReadOnlyList<string>?> DeleteStudyAsync(Guid projectId, Guid studyId, CancellationToken cancellationToken = default);

    /// <summary>Adds a stimulus (its media already checked and sealed by the caller) to a study of the project.</summary>
    /// <exception cref="ArgumentException">A field is out of range.</exception>
    /// <exception cref="MienStoreException">The study is not the project's (<see cref="MienStoreError.NotFound"/>).</exception>
    Task<Stimulus> AddStimulusAsync(Guid projectId, Guid studyId, NewStimulus stimulus, CancellationToken cancellationToken = default);

    /// <summary>The stimulus if it belongs to the project, or null.</summary>
    Task<Stimulus?> GetStimulusAsync(Guid projectId, Guid stimulusId, CancellationToken cancellationToken = default);

    /// <summary>A study's stimuli, oldest first (empty when the study is not the project's).</summary>
    Task<IReadOnlyList<Stimulus>> ListStimuliAsync(Guid projectId, Guid studyId, CancellationToken cancellationToken = default);

    /// <summary>Registers a viewing of one of the study's stimuli by a subject of the project, with declared attributes (sealed at rest).</summary>
    /// <exception cref="ArgumentException">An attribute name or value breaks <see cref="StudyAttributes.Problem"/>.</exception>
    /// <exception cref="MienStoreException">The stimulus is not the study's, or the study or subject is not the project's (<see cref="MienStoreError.NotFound"/>).</exception>
    Task<StudyViewer> AddViewerAsync(Guid projectId, Guid studyId, NewStudyViewer viewer, CancellationToken cancellationToken = default);

    /// <summary>The viewer if it belongs to the project, or null.</summary>
    Task<StudyViewer?> GetViewerAsync(Guid projectId, Guid viewerId, CancellationToken cancellationToken = default);

    /// <summary>A study's viewers, oldest first (empty when the study is not the project's).</summary>
    Task<IReadOnlyList<StudyViewer>> ListViewersAsync(Guid projectId, Guid studyId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Links a viewer to the recording of their face, and sets the alignment offset (recording time at which the
    /// stimulus started; null = aligned by the playback log). Null when the viewer is not the project's.
    /// </summary>
    /// <exception cref="MienStoreException">The recording is not the project's or is of another subject (<see cref="MienStoreError.NotFound"/>).</exception>
    Task<StudyViewer?> LinkViewerAsync(Guid projectId, Guid viewerId, Guid? recordingId, double? offsetS, CancellationToken cancellationToken = default);

    /// <summary>Appends playback reports to a viewer's log (numbered after the last); returns the log's length, or null when the viewer is not the project's.</summary>
    /// <exception cref="ArgumentException">A report has a negative or non-finite time or an unknown state, or the batch holds more than 10000.</exception>
    Task<int?> AppendPlaybackAsync(Guid projectId, Guid viewerId, IReadOnlyList<PlaybackReport> reports, CancellationToken cancellationToken = default);

    /// <summary>A viewer's playback log in order (empty when the viewer is not the project's).</summary>
    Task<IReadOnlyList<PlaybackReport>> GetPlaybackAsync(Guid projectId, Guid viewerId, CancellationToken cancellationToken = default);
}

/// <summary>A new study.</summary>
/// <param name="Name">Name (1–200 characters).</param>
/// <param name="MinViewers">k-anonymity: no aggregate for fewer viewers than this in any cell (2–1000, default 5).</param>
public sealed record NewStudy(string Name, int MinViewers = 5);

/// <summary>A study: stimuli shown to viewers whose faces are analysed.</summary>
/// <param name="Id">Study id.</param>
/// <param name="ProjectId">Owning project.</param>
/// <param name="Name">Name.</param>
/// <param name="MinViewers">k-anonymity threshold.</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record Study(Guid Id, Guid ProjectId, string Name, int MinViewers, DateTimeOffset CreatedAt);

/// <summary>A new stimulus, its media already sealed.</summary>
/// <param name="Id">Id chosen by the caller (its files are named by it).</param>
/// <param name="Label">Label, e.g. the file name or "Spot A" (1–200 characters).</param>
/// <param name="MediaPath">The sealed media file.</param>
/// <param name="DurationS">Duration, seconds.</param>
/// <param name="Width">Frame width.</param>
/// <param name="Height">Frame height.</param>
/// <param name="Cuts">Scene cuts, seconds, increasing, inside (0, duration).</param>
public sealed record NewStimulus(Guid Id, string Label, string MediaPath, double DurationS, int Width, int Height, IReadOnlyList<double> Cuts);

/// <summary>A stimulus of a study.</summary>
/// <param name="Id">Stimulus id.</param>
/// <param name="ProjectId">Owning project.</param>
/// <param name="StudyId">Its study.</param>
/// <param name="Label">Label.</param>
/// <param name="MediaPath">The sealed media file (server side; never shown to clients).</param>
/// <param name="DurationS">Duration, seconds.</param>
/// <param name="Width">Frame width.</param>
/// <param name="Height">Frame height.</param>
/// <param name="Cuts">Scene cuts, seconds.</param>
/// <param name="CreatedAt">When it was added.</param>
public sealed record Stimulus(Guid Id, Guid ProjectId, Guid StudyId, string Label, string MediaPath, double DurationS, int Width, int Height, IReadOnlyList<double> Cuts, DateTimeOffset CreatedAt);

/// <summary>A new viewing.</summary>
/// <param name="StimulusId">The stimulus watched (one of the study's).</param>
/// <param name="SubjectId">The pseudonymous subject watching.</param>
/// <param name="Attributes">Declared audience attributes (optional), e.g. age-band → "25-34".</param>
public sealed record NewStudyViewer(Guid StimulusId, Guid SubjectId, IReadOnlyDictionary<string, string>? Attributes = null);

/// <summary>One viewing of one stimulus by one subject.</summary>
/// <param name="Id">Viewer id.</param>
/// <param name="ProjectId">Owning project.</param>
/// <param name="StudyId">Study.</param>
/// <param name="StimulusId">Stimulus watched.</param>
/// <param name="SubjectId">Subject watching.</param>
/// <param name="Attributes">Declared attributes.</param>
/// <param name="RecordingId">The recording of their face, once linked (null again when it was erased).</param>
/// <param name="OffsetS">Recording time at which the stimulus started, or null when aligned by the playback log.</param>
/// <param name="CreatedAt">When it was registered.</param>
public sealed record StudyViewer(Guid Id, Guid ProjectId, Guid StudyId, Guid StimulusId, Guid SubjectId, IReadOnlyDictionary<string, string> Attributes, Guid? RecordingId, double? OffsetS, DateTimeOffset CreatedAt);

/// <summary>One report of the watch page's player.</summary>
/// <param name="ClientS">Viewer clock, seconds (the clock of the live frames' timestamps).</param>
/// <param name="StimulusS">Player position, seconds.</param>
/// <param name="State">playing, paused, buffering, seeking or ended.</param>
public sealed record PlaybackReport(double ClientS, double StimulusS, string State);

/// <summary>Rules for declared audience attributes: few, short, and coarse by design.</summary>
public static class StudyAttributes
{
    /// <summary>Playback states a report may carry.</summary>
    public static readonly IReadOnlyList<string> States = ["playing", "paused", "buffering", "seeking", "ended"];

    /// <summary>Why the attributes are refused, or null: at most 8 names of 1–40 lower-case letters, digits, '-' or '_', values of 1–60 printable characters.</summary>
    public static string? Problem(IReadOnlyDictionary<string, string>? attributes)
    {
        if (attributes is null)
        {
            return null;
        }

        if (attributes.Count > 8)
        {
            return $"{attributes.Count} attributes: at most 8 (declare coarse groups such as age-band, gender, group)";
        }

        foreach (var (name, value) in attributes)
        {
            if (name.Length is < 1 or > 40 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_'))
            {
                return $"attribute name '{(name.Length > 40 ? name[..40] : name)}': 1–40 lower-case letters, digits, '-' or '_'";
            }

            if (value is null || value.Trim().Length is < 1 or > 60 || value.Any(char.IsControl))
            {
                return $"attribute '{name}': its value must be 1–60 printable characters";
            }
        }

        return null;
    }
}
