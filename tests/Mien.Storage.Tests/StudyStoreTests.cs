namespace Mien.Storage.Tests;

/// <summary>Studies, stimuli, viewers and playback logs on real SQLite and real PostgreSQL.</summary>
public sealed class StudyStoreTests
{
    private static async Task<(IMienStore Store, Guid Project, Study Study, Stimulus Stimulus, Subject Subject)> SeedAsync(TestStore db)
    {
        var store = await db.OpenAsync();
        var project = await store.CreateProjectAsync(new NewProject("ads"));
        var study = await store.CreateStudyAsync(project.Id, new NewStudy("spring campaign", 3));
        var stimulus = await store.AddStimulusAsync(project.Id, study.Id, new NewStimulus(Guid.NewGuid(), "spot A", "/data/uploads/a.mp4.mienc", 12.5, 640, 360, [3.2, 8.0]));
        var subject = await store.CreateSubjectAsync(project.Id, "V-001");
        return (store, project.Id, study, stimulus, subject);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task A_study_keeps_its_stimuli_and_viewers_with_their_attributes(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var (store, project, study, stimulus, subject) = await SeedAsync(db);

        Assert.Equal(study, await store.GetStudyAsync(project, study.Id));
        Assert.Equal([study], await store.ListStudiesAsync(project));
        var read = await store.GetStimulusAsync(project, stimulus.Id);
        Assert.Equal([3.2, 8.0], read!.Cuts);
        Assert.Equal(stimulus with { Cuts = read.Cuts }, read);
        Assert.Single(await store.ListStimuliAsync(project, study.Id));

        var viewer = await store.AddViewerAsync(project, study.Id, new NewStudyViewer(stimulus.Id, subject.Id, new Dictionary<string, string> { ["age-band"] = "25-34", ["gender"] = "nonbinary-declared" }));
        var back = await store.GetViewerAsync(project, viewer.Id);
        Assert.Equal("25-34", back!.Attributes["age-band"]);
        Assert.Null(back.RecordingId);
        Assert.Single(await store.ListViewersAsync(project, study.Id));
        // Declared attributes are personal data: sealed at rest, not readable in the database.
        Assert.Empty(await db.ScanAsync("nonbinary-declared"));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Nothing_crosses_projects(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var (store, project, study, stimulus, subject) = await SeedAsync(db);
        var other = await store.CreateProjectAsync(new NewProject("other"));
        var stranger = await store.CreateSubjectAsync(other.Id, "X-1");

        Assert.Null(await store.GetStudyAsync(other.Id, study.Id));
        Assert.Null(await store.GetStimulusAsync(other.Id, stimulus.Id));
        Assert.Empty(await store.ListStimuliAsync(other.Id, study.Id));
        var e = await Assert.ThrowsAsync<MienStoreException>(() => store.AddViewerAsync(project, study.Id, new NewStudyViewer(stimulus.Id, stranger.Id)));
        Assert.Equal(MienStoreError.NotFound, e.Error);
        await Assert.ThrowsAsync<MienStoreException>(() => store.AddStimulusAsync(other.Id, study.Id, new NewStimulus(Guid.NewGuid(), "x", "/p", 1, 1, 1, [])));
        var viewer = await store.AddViewerAsync(project, study.Id, new NewStudyViewer(stimulus.Id, subject.Id));
        Assert.Null(await store.GetViewerAsync(other.Id, viewer.Id));
        Assert.Null(await store.AppendPlaybackAsync(other.Id, viewer.Id, [new PlaybackReport(1, 0, "playing")]));
        Assert.Null(await store.LinkViewerAsync(other.Id, viewer.Id, null, 1.5));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task A_viewer_links_only_a_recording_of_its_own_subject_and_keeps_its_playback_in_order(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var (store, project, study, stimulus, subject) = await SeedAsync(db);
        var someoneElse = await store.CreateSubjectAsync(project, "V-002");
        var theirs = await store.CreateRecordingAsync(new NewRecording(project, "live", SourceKind.Live, someoneElse.Id));
        var mine = await store.CreateRecordingAsync(new NewRecording(project, "live", SourceKind.Live, subject.Id));
        var viewer = await store.AddViewerAsync(project, study.Id, new NewStudyViewer(stimulus.Id, subject.Id));

        await Assert.ThrowsAsync<MienStoreException>(() => store.LinkViewerAsync(project, viewer.Id, theirs.Id, null));
        var linked = await store.LinkViewerAsync(project, viewer.Id, mine.Id, 2.5);
        Assert.Equal(mine.Id, linked!.RecordingId);
        Assert.Equal(2.5, linked.OffsetS);

        Assert.Equal(2, await store.AppendPlaybackAsync(project, viewer.Id, [new PlaybackReport(10, 0, "playing"), new PlaybackReport(12, 2, "paused")]));
        Assert.Equal(3, await store.AppendPlaybackAsync(project, viewer.Id, [new PlaybackReport(15, 2, "playing")]));
        Assert.Equal([10.0, 12, 15], (await store.GetPlaybackAsync(project, viewer.Id)).Select(p => p.ClientS));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendPlaybackAsync(project, viewer.Id, [new PlaybackReport(16, 2, "rewinding")]));

        // Erasing the recording unlinks the viewing; erasing the subject removes the viewing and its playback.
        await store.DeleteRecordingAsync(project, mine.Id);
        Assert.Null((await store.GetViewerAsync(project, viewer.Id))!.RecordingId);
        await store.DeleteSubjectAsync(project, subject.Id);
        Assert.Null(await store.GetViewerAsync(project, viewer.Id));
        Assert.Empty(await store.GetPlaybackAsync(project, viewer.Id));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Deleting_a_study_returns_its_media_and_removes_everything_under_it(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var (store, project, study, stimulus, subject) = await SeedAsync(db);
        var viewer = await store.AddViewerAsync(project, study.Id, new NewStudyViewer(stimulus.Id, subject.Id));
        await store.AppendPlaybackAsync(project, viewer.Id, [new PlaybackReport(1, 0, "playing")]);

        Assert.Equal(["/data/uploads/a.mp4.mienc"], await store.DeleteStudyAsync(project, study.Id));
        Assert.Null(await store.DeleteStudyAsync(project, study.Id));
        Assert.Null(await store.GetStimulusAsync(project, stimulus.Id));
        Assert.Null(await store.GetViewerAsync(project, viewer.Id));
        Assert.NotNull(await store.GetSubjectAsync(project, subject.Id));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Bad_values_are_refused_by_the_store_and_by_the_schema(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var (store, project, study, stimulus, subject) = await SeedAsync(db);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.CreateStudyAsync(project, new NewStudy("k one", 1)));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AddStimulusAsync(project, study.Id, new NewStimulus(Guid.NewGuid(), "x", "/p", 5, 10, 10, [6])));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AddViewerAsync(project, study.Id, new NewStudyViewer(stimulus.Id, subject.Id, new Dictionary<string, string> { ["Real Name"] = "x" })));
        Assert.NotNull(await Record.ExceptionAsync(() => db.ExecuteAsync($"UPDATE studies SET min_viewers = 1 WHERE id = '{study.Id}'")));
        Assert.NotNull(await Record.ExceptionAsync(() => db.ExecuteAsync($"UPDATE stimuli SET duration_s = 0 WHERE id = '{stimulus.Id}'")));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Attributes_stay_readable_after_a_data_key_rotation_and_reencryption(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var (store, project, study, stimulus, subject) = await SeedAsync(db);
        var viewer = await store.AddViewerAsync(project, study.Id, new NewStudyViewer(stimulus.Id, subject.Id, new Dictionary<string, string> { ["group"] = "loyal" }));
        await store.Encryption.RotateDataKeyAsync(project);
        await store.Encryption.ReencryptRowsAsync(project);
        await store.Encryption.RetireDataKeysAsync(project);
        Assert.Equal("loyal", (await store.GetViewerAsync(project, viewer.Id))!.Attributes["group"]);
    }
}
