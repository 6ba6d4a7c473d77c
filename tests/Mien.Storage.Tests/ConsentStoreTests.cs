using Mien.Privacy;

namespace Mien.Storage.Tests;

/// <summary>Project declarations and consent records, on real SQLite and real PostgreSQL.</summary>
public sealed class ConsentStoreTests
{
    [Theory, SqliteStore, PostgresStore]
    public async Task A_project_keeps_its_declared_purpose_setting_and_basis(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var created = await store.CreateProjectAsync(new NewProject("fleet", ProcessingPurpose.DriverSafety, ProcessingSetting.Workplace, false, InferenceBasis.Safety, "night-shift forklift operators: fatigue alerts"));

        Assert.Equal(created, await store.GetProjectAsync(created.Id));
        var changed = await store.UpdateProjectPolicyAsync(created.Id, new ProjectPolicy(ProcessingPurpose.UxStudy, ProcessingSetting.Education, InferenceBasis.None, null, true));
        Assert.Equal(created with { Purpose = ProcessingPurpose.UxStudy, Setting = ProcessingSetting.Education, Basis = InferenceBasis.None, Justification = null, KeepMedia = true }, changed);
        Assert.Null(await store.UpdateProjectPolicyAsync(Guid.NewGuid(), new ProjectPolicy(ProcessingPurpose.Research, ProcessingSetting.Lab, InferenceBasis.None, null, false)));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task A_basis_without_justification_is_refused_by_the_store_and_by_the_schema(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateProjectAsync(new NewProject("x", Setting: ProcessingSetting.Workplace, Basis: InferenceBasis.Medical)));
        var project = await store.CreateProjectAsync(new NewProject("p"));

        // The database enforces the same rule for anyone writing to it directly.
        var direct = await Record.ExceptionAsync(() => db.ExecuteAsync($"UPDATE projects SET basis = 'medical', justification = NULL WHERE id = '{project.Id}'"));
        Assert.NotNull(direct);
        var unknown = await Record.ExceptionAsync(() => db.ExecuteAsync($"UPDATE projects SET setting = 'office' WHERE id = '{project.Id}'"));
        Assert.NotNull(unknown);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Consent_is_current_until_withdrawn_and_the_history_is_kept(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var project = await store.CreateProjectAsync(new NewProject("p"));
        var subject = await store.CreateSubjectAsync(project.Id, "S-001");

        Assert.Empty(await store.CurrentConsentAsync(project.Id, subject.Id));
        await store.GiveConsentAsync(project.Id, subject.Id, new NewConsent(ConsentScope.Measurements, "v1", "RA-3"));
        await store.GiveConsentAsync(project.Id, subject.Id, new NewConsent(ConsentScope.Media, "v1", "RA-3"));
        var renewed = await store.GiveConsentAsync(project.Id, subject.Id, new NewConsent(ConsentScope.Measurements, "v2", "RA-4"));
        Assert.Equal([ConsentScope.Measurements, ConsentScope.Media], (await store.CurrentConsentAsync(project.Id, subject.Id)).Order());

        var withdrawn = await store.WithdrawConsentAsync(project.Id, subject.Id, ConsentScope.Measurements, "subject");
        Assert.NotNull(withdrawn);
        Assert.Equal(renewed.Id, withdrawn.Id);
        Assert.False(withdrawn.IsCurrent);
        Assert.Null(await store.WithdrawConsentAsync(project.Id, subject.Id, ConsentScope.Measurements, "subject"));
        Assert.Equal([ConsentScope.Media], await store.CurrentConsentAsync(project.Id, subject.Id));

        var history = await store.ListConsentsAsync(project.Id, subject.Id);
        Assert.Equal(3, history.Count);
        Assert.StartsWith("superseded", history.Single(c => c.TextVersion == "v1" && c.Scope == ConsentScope.Measurements).WithdrawnBy, StringComparison.Ordinal);
        Assert.Equal("subject", history.Single(c => c.TextVersion == "v2").WithdrawnBy);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Consent_cannot_be_given_or_read_across_projects(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var a = await store.CreateProjectAsync(new NewProject("a"));
        var b = await store.CreateProjectAsync(new NewProject("b"));
        var subject = await store.CreateSubjectAsync(a.Id, "S-1");
        await store.GiveConsentAsync(a.Id, subject.Id, new NewConsent(ConsentScope.Analysis, "v1", "RA"));

        var e = await Assert.ThrowsAsync<MienStoreException>(() => store.GiveConsentAsync(b.Id, subject.Id, new NewConsent(ConsentScope.Media, "v1", "RA")));
        Assert.Equal(MienStoreError.NotFound, e.Error);
        Assert.Empty(await store.CurrentConsentAsync(b.Id, subject.Id));
        Assert.Empty(await store.ListConsentsAsync(b.Id, subject.Id));
        Assert.Null(await store.WithdrawConsentAsync(b.Id, subject.Id, ConsentScope.Analysis, "x"));
        Assert.Single(await store.CurrentConsentAsync(a.Id, subject.Id));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Erasing_measurements_removes_recordings_and_results_but_keeps_the_skin_profile(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var project = await store.CreateProjectAsync(new NewProject("p"));
        var subject = await store.CreateSubjectAsync(project.Id, "S-1");
        var other = await store.CreateSubjectAsync(project.Id, "S-2");
        var recording = await store.CreateRecordingAsync(new NewRecording(project.Id, "a.mp4", SourceKind.Upload, subject.Id, "/data/uploads/a.mp4"));
        var kept = await store.CreateRecordingAsync(new NewRecording(project.Id, "b.mp4", SourceKind.Upload, other.Id, "/data/uploads/b.mp4"));
        foreach (var r in new[] { recording, kept })
        {
            await using var writer = await store.OpenWriterAsync(r.Id);
            await writer.WriteFrameAsync(new StoredFrame(0, 0, 1, "{\"frame\":0}"));
            await writer.WriteEventAsync(new StoredEvent(0, "skin", 1, 0, null, "{\"event\":\"skin\"}"));
            await writer.CompleteAsync();
        }

        await store.AppendSkinSessionAsync(project.Id, subject.Id, recording.Id, DateTimeOffset.UtcNow, "{\"ita\":12.5}");

        var report = await store.EraseMeasurementsAsync(project.Id, subject.Id);
        Assert.NotNull(report);
        Assert.Equal((1, 1L, 1L), (report.Recordings, report.Frames, report.Events));
        Assert.Equal(["/data/uploads/a.mp4"], report.MediaPaths);
        Assert.Equal([recording.Id], report.RecordingIds);
        Assert.Null(await store.GetRecordingAsync(project.Id, recording.Id));
        Assert.NotNull(await store.GetRecordingAsync(project.Id, kept.Id));
        var skin = Assert.Single(await store.ListSkinSessionsAsync(project.Id, subject.Id));
        Assert.Null(skin.RecordingId);

        var profile = await store.EraseSkinProfileAsync(project.Id, subject.Id);
        Assert.Equal(1, profile!.SkinSessions);
        Assert.Empty(await store.ListSkinSessionsAsync(project.Id, subject.Id));
        Assert.Null(await store.EraseMeasurementsAsync(Guid.NewGuid(), subject.Id));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Detaching_media_forgets_upload_paths_of_that_subject_only(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var project = await store.CreateProjectAsync(new NewProject("p"));
        var subject = await store.CreateSubjectAsync(project.Id, "S-1");
        var other = await store.CreateSubjectAsync(project.Id, "S-2");
        var upload = await store.CreateRecordingAsync(new NewRecording(project.Id, "a.mp4", SourceKind.Upload, subject.Id, "/d/a.mp4"));
        var stream = await store.CreateRecordingAsync(new NewRecording(project.Id, "cam", SourceKind.Stream, subject.Id, "rtsp://cam/1"));
        var others = await store.CreateRecordingAsync(new NewRecording(project.Id, "b.mp4", SourceKind.Upload, other.Id, "/d/b.mp4"));

        var report = await store.DetachMediaAsync(project.Id, subject.Id);

        Assert.Equal(["/d/a.mp4"], report!.MediaPaths);
        Assert.Equal(new[] { upload.Id, stream.Id }.Order(), report.RecordingIds.Order());
        Assert.Null((await store.GetRecordingAsync(project.Id, upload.Id))!.MediaPath);
        Assert.Equal("rtsp://cam/1", (await store.GetRecordingAsync(project.Id, stream.Id))!.MediaPath);
        Assert.Equal("/d/b.mp4", (await store.GetRecordingAsync(project.Id, others.Id))!.MediaPath);
    }
}
