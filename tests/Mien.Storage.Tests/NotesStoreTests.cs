namespace Mien.Storage.Tests;

/// <summary>Clinician notes and monitoring settings, on real SQLite and real PostgreSQL.</summary>
public sealed class NotesStoreTests
{
    private const string Secret = "Reports sleeping badly since the move; discussed coping plan.";

    [Theory, SqliteStore, PostgresStore]
    public async Task A_note_round_trips_is_sealed_at_rest_and_can_be_changed_and_deleted(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var project = await store.CreateProjectAsync(new NewProject("clinic"));
        var subject = await store.CreateSubjectAsync(project.Id, "P-017");
        var recording = await store.CreateRecordingAsync(new NewRecording(project.Id, "session-3.mp4", SourceKind.Upload, subject.Id));

        var pinned = await store.CreateNoteAsync(project.Id, new NewTimelineNote(subject.Id, recording.Id, 12.5, "key:clinician", Secret + "\nSecond line."));
        var general = await store.CreateNoteAsync(project.Id, new NewTimelineNote(subject.Id, null, null, "key:clinician", "Intake done."));
        Assert.Equal(pinned, await store.GetNoteAsync(project.Id, pinned.Id));
        Assert.Equal([pinned, general], await store.ListNotesAsync(project.Id, subject.Id));
        Assert.Equal([pinned], await store.ListNotesAsync(project.Id, subject.Id, recording.Id));
        // The text is sealed: the database holds no plaintext of it.
        Assert.Empty(await db.ScanAsync("sleeping badly"));

        var changed = await store.UpdateNoteAsync(project.Id, pinned.Id, "Corrected: sleeping better.");
        Assert.NotNull(changed);
        Assert.Equal("Corrected: sleeping better.", changed.Text);
        Assert.NotNull(changed.UpdatedAt);
        Assert.Equal(changed, await store.GetNoteAsync(project.Id, pinned.Id));
        Assert.True(await store.DeleteNoteAsync(project.Id, pinned.Id));
        Assert.False(await store.DeleteNoteAsync(project.Id, pinned.Id));
        Assert.Null(await store.GetNoteAsync(project.Id, pinned.Id));
        Assert.Equal([general], await store.ListNotesAsync(project.Id, subject.Id));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Notes_stay_in_their_project_and_on_their_subject_s_recordings(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var a = await store.CreateProjectAsync(new NewProject("a"));
        var b = await store.CreateProjectAsync(new NewProject("b"));
        var subject = await store.CreateSubjectAsync(a.Id, "S-1");
        var other = await store.CreateSubjectAsync(a.Id, "S-2");
        var othersRecording = await store.CreateRecordingAsync(new NewRecording(a.Id, "x.mp4", SourceKind.Upload, other.Id));
        var note = await store.CreateNoteAsync(a.Id, new NewTimelineNote(subject.Id, null, null, "RA-1", "n"));

        Assert.Null(await store.GetNoteAsync(b.Id, note.Id));
        Assert.Empty(await store.ListNotesAsync(b.Id, subject.Id));
        Assert.Null(await store.UpdateNoteAsync(b.Id, note.Id, "hijack"));
        Assert.False(await store.DeleteNoteAsync(b.Id, note.Id));
        Assert.Equal(MienStoreError.NotFound, (await Assert.ThrowsAsync<MienStoreException>(() => store.CreateNoteAsync(b.Id, new NewTimelineNote(subject.Id, null, null, "RA", "x")))).Error);
        Assert.Equal(MienStoreError.NotFound, (await Assert.ThrowsAsync<MienStoreException>(() => store.CreateNoteAsync(a.Id, new NewTimelineNote(subject.Id, othersRecording.Id, 1, "RA", "x")))).Error);
        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateNoteAsync(a.Id, new NewTimelineNote(subject.Id, null, 3, "RA", "a moment without a recording")));
        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateNoteAsync(a.Id, new NewTimelineNote(subject.Id, null, null, "RA", "   ")));
        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateNoteAsync(a.Id, new NewTimelineNote(subject.Id, null, null, "RA", new string('x', 4001))));
        await Assert.ThrowsAsync<ArgumentException>(() => store.UpdateNoteAsync(a.Id, note.Id, "nul\0"));
        Assert.Equal("n", (await store.GetNoteAsync(a.Id, note.Id))!.Text);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Notes_are_erased_with_their_subject_and_pinned_notes_with_their_recording(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var project = await store.CreateProjectAsync(new NewProject("clinic"));
        var subject = await store.CreateSubjectAsync(project.Id, "P-1");
        var recording = await store.CreateRecordingAsync(new NewRecording(project.Id, "s1.mp4", SourceKind.Upload, subject.Id));
        await store.CreateNoteAsync(project.Id, new NewTimelineNote(subject.Id, recording.Id, 4, "RA", "pinned"));
        var kept = await store.CreateNoteAsync(project.Id, new NewTimelineNote(subject.Id, null, null, "RA", "general"));

        await store.DeleteRecordingAsync(project.Id, recording.Id);
        Assert.Equal([kept], await store.ListNotesAsync(project.Id, subject.Id));

        await store.DeleteSubjectAsync(project.Id, subject.Id);
        Assert.Null(await store.GetNoteAsync(project.Id, kept.Id));
        Assert.Equal(0L, Convert.ToInt64(await db.ExecuteAsync("SELECT count(*) FROM notes"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Notes_stay_readable_after_the_project_s_data_key_is_rotated_and_the_old_one_retired(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var project = await store.CreateProjectAsync(new NewProject("clinic"));
        var subject = await store.CreateSubjectAsync(project.Id, "P-1");
        var note = await store.CreateNoteAsync(project.Id, new NewTimelineNote(subject.Id, null, null, "RA", Secret));

        await store.Encryption.RotateDataKeyAsync(project.Id);
        Assert.True(await store.Encryption.ReencryptRowsAsync(project.Id) >= 1);
        await store.Encryption.RetireDataKeysAsync(project.Id);
        Assert.Equal(Secret, (await store.GetNoteAsync(project.Id, note.Id))!.Text);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Monitoring_settings_are_kept_per_project(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var project = await store.CreateProjectAsync(new NewProject("clinic"));
        Assert.Null(await store.GetMonitoringSettingsAsync(project.Id));
        Assert.True(await store.SetMonitoringSettingsAsync(project.Id, """{"distress":{"raise":0.8}}"""));
        Assert.True(await store.SetMonitoringSettingsAsync(project.Id, """{"distress":{"raise":0.6}}"""));
        using (var doc = System.Text.Json.JsonDocument.Parse((await store.GetMonitoringSettingsAsync(project.Id))!))
        {
            Assert.Equal(0.6, doc.RootElement.GetProperty("distress").GetProperty("raise").GetDouble());
        }

        Assert.False(await store.SetMonitoringSettingsAsync(Guid.NewGuid(), "{}"));
        Assert.Equal(MienStoreError.Invalid, (await Assert.ThrowsAsync<MienStoreException>(() => store.SetMonitoringSettingsAsync(project.Id, "{"))).Error);
    }
}
