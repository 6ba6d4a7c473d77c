using System.Buffers.Binary;
using Mien.Privacy;

namespace Mien.Storage.Tests;

/// <summary>Consented identity templates (issue 16), on real SQLite and real PostgreSQL.</summary>
public sealed class IdentityTemplateStoreTests
{
    [Theory, SqliteStore, PostgresStore]
    public async Task A_template_is_kept_only_under_consent_sealed_at_rest_and_erased_with_the_scope_or_the_subject(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var project = await store.CreateProjectAsync(new NewProject("identity"));
        var subject = await store.CreateSubjectAsync(project.Id, "P-101");
        var other = await store.CreateSubjectAsync(project.Id, "P-102");
        var descriptor = Unit(1024, seed: 3);
        var template = new NewIdentityTemplate("faceres", descriptor, 5, 3.2);

        // No identity-template consent (analysis alone is not enough): refused, nothing written.
        await store.GiveConsentAsync(project.Id, subject.Id, new NewConsent(ConsentScope.Analysis, "v1", "RA-1"));
        var refused = await Assert.ThrowsAsync<MienStoreException>(() => store.SaveIdentityTemplateAsync(project.Id, subject.Id, template));
        Assert.Equal(MienStoreError.ConsentMissing, refused.Error);
        Assert.Contains("identity-template", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ListIdentityTemplateInfoAsync(project.Id, subject.Id));

        await store.GiveConsentAsync(project.Id, subject.Id, new NewConsent(ConsentScope.IdentityTemplate, "v1", "RA-1"));
        await store.GiveConsentAsync(project.Id, other.Id, new NewConsent(ConsentScope.IdentityTemplate, "v1", "RA-1"));
        var info = await store.SaveIdentityTemplateAsync(project.Id, subject.Id, template);
        await store.SaveIdentityTemplateAsync(project.Id, other.Id, new NewIdentityTemplate("faceres", Unit(1024, seed: 4), 3, 2));
        Assert.Equal([info], await store.ListIdentityTemplateInfoAsync(project.Id, subject.Id));
        var opened = Assert.Single(await store.OpenIdentityTemplatesAsync(project.Id, "faceres", subject.Id));
        Assert.Equal(descriptor, opened.Descriptor);
        Assert.Equal(2, (await store.OpenIdentityTemplatesAsync(project.Id, "faceres")).Count);
        Assert.Empty(await store.OpenIdentityTemplatesAsync(project.Id, "mobilefacenet"));

        // Sealed: neither the descriptor's bytes nor its encoding are anywhere in the database.
        Assert.Empty(await db.ScanAsync(Convert.ToBase64String(Bytes(descriptor))[..40]));

        // Enrolling again replaces the template.
        var again = await store.SaveIdentityTemplateAsync(project.Id, subject.Id, template with { Faces = 7 });
        Assert.Equal([again], await store.ListIdentityTemplateInfoAsync(project.Id, subject.Id));

        // A lapsed consent stops its use at once, before any erasure runs; the erasure then deletes it.
        await store.WithdrawConsentAsync(project.Id, subject.Id, ConsentScope.IdentityTemplate, "subject");
        Assert.Empty(await store.OpenIdentityTemplatesAsync(project.Id, "faceres", subject.Id));
        Assert.Equal(1, await store.EraseIdentityTemplatesAsync(project.Id, subject.Id));
        Assert.Empty(await store.ListIdentityTemplateInfoAsync(project.Id, subject.Id));

        // Erasing the other subject counts its template in the receipt; another project cannot reach either.
        var stranger = await store.CreateProjectAsync(new NewProject("elsewhere"));
        Assert.Null(await store.EraseIdentityTemplatesAsync(stranger.Id, other.Id));
        Assert.Empty(await store.OpenIdentityTemplatesAsync(stranger.Id, "faceres"));
        var report = await store.DeleteSubjectAsync(project.Id, other.Id);
        Assert.Equal(1, report!.IdentityTemplates);
        Assert.Empty(await store.OpenIdentityTemplatesAsync(project.Id, "faceres"));
    }

    [Theory, SqliteStore]
    public async Task Templates_that_are_not_unit_finite_descriptors_are_refused(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var project = await store.CreateProjectAsync(new NewProject("identity"));
        var subject = await store.CreateSubjectAsync(project.Id, "P-1");
        await store.GiveConsentAsync(project.Id, subject.Id, new NewConsent(ConsentScope.IdentityTemplate, "v1", "RA-1"));
        var good = Unit(16, seed: 1);
        var doubled = good.Select(v => v * 2).ToArray();
        var nan = (float[])good.Clone();
        nan[3] = float.NaN;
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveIdentityTemplateAsync(project.Id, subject.Id, new NewIdentityTemplate("faceres", doubled, 1, 1)));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveIdentityTemplateAsync(project.Id, subject.Id, new NewIdentityTemplate("faceres", nan, 1, 1)));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveIdentityTemplateAsync(project.Id, subject.Id, new NewIdentityTemplate("faceres", [], 1, 1)));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveIdentityTemplateAsync(project.Id, subject.Id, new NewIdentityTemplate("faceres", good, 0, 1)));
        Assert.Equal(MienStoreError.NotFound, (await Assert.ThrowsAsync<MienStoreException>(() => store.SaveIdentityTemplateAsync(project.Id, Guid.NewGuid(), new NewIdentityTemplate("faceres", good, 1, 1)))).Error);
    }

    private static float[] Unit(int n, int seed)
    {
        var random = new Random(seed);
        var v = new float[n];
        double norm = 0;
        for (var i = 0; i < n; i++)
        {
            v[i] = (float)((random.NextDouble() * 2) - 1);
            norm += v[i] * v[i];
        }

        for (var i = 0; i < n; i++)
        {
            v[i] = (float)(v[i] / Math.Sqrt(norm));
        }

        return v;
    }

    private static byte[] Bytes(float[] v)
    {
        var bytes = new byte[v.Length * 4];
        for (var i = 0; i < v.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), v[i]);
        }

        return bytes;
    }
}
