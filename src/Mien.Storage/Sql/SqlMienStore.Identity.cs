using System.Buffers.Binary;
using System.Data.Common;
using System.Text.Json;
using Mien.Privacy;
using Mien.Privacy.Encryption;

namespace Mien.Storage.Sql;

/// <summary>
/// Consented identity templates: one sealed descriptor per subject and embedding model. Consent is checked inside the
/// writing transaction and again on every read, so a template whose consent lapsed is never matched even before the
/// withdrawal's erasure has run.
/// </summary>
internal sealed partial class SqlMienStore
{
    private const string TemplateColumns = "t.id, t.subject_id, t.model, t.faces, t.quality, t.created_at, t.payload";
    private const int MaxDescriptorLength = 4096;

    /// <summary>Current identity-template consent of the template's subject, as a SQL condition on alias t.</summary>
    private static readonly string TemplateConsented =
        $"EXISTS (SELECT 1 FROM consents k WHERE k.project_id = t.project_id AND k.subject_id = t.subject_id AND k.scope = '{Names.Of(ConsentScope.IdentityTemplate)}' AND k.withdrawn_at IS NULL)";

    public Task<IdentityTemplateInfo> SaveIdentityTemplateAsync(Guid projectId, Guid subjectId, NewIdentityTemplate template, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(template);
        var model = Name(template.Model, nameof(template.Model), 64);
        var payload = TemplatePayload(model, template.Descriptor);
        if (template.Faces < 1 || !double.IsFinite(template.Quality) || template.Quality < 0)
        {
            throw new ArgumentException($"an identity template aggregates ≥ 1 faces with a finite quality ≥ 0; got {template.Faces} faces, quality {template.Quality}.", nameof(template));
        }

        var info = new IdentityTemplateInfo(Guid.CreateVersion7(), subjectId, model, template.Faces, template.Quality, Now());
        return InTransactionAsync($"storing the identity template of subject {subjectId}", async (c, tx) =>
        {
            await RequireSubjectAsync(c, tx, projectId, subjectId, cancellationToken).ConfigureAwait(false);
            var consented = await QueryAsync(c, tx, "SELECT id FROM consents WHERE project_id = @project AND subject_id = @subject AND scope = @scope AND withdrawn_at IS NULL", r => r.GetGuid(0), cancellationToken,
                ("project", projectId), ("subject", subjectId), ("scope", Names.Of(ConsentScope.IdentityTemplate))).ConfigureAwait(false);
            if (consented.Count == 0)
            {
                throw new MienStoreException($"subject {subjectId} has no current '{Names.Of(ConsentScope.IdentityTemplate)}' consent: no identity template may be kept", MienStoreError.ConsentMissing);
            }

            var key = await ActiveKeyAsync(c, tx, projectId, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(c, tx, "DELETE FROM identity_templates WHERE project_id = @project AND subject_id = @subject AND model = @model", cancellationToken,
                ("project", projectId), ("subject", subjectId), ("model", model)).ConfigureAwait(false);
            await ExecuteAsync(c, tx, "INSERT INTO identity_templates (id, project_id, subject_id, model, faces, quality, created_at, payload) VALUES (@id, @project, @subject, @model, @faces, @quality, @at, @payload)", cancellationToken,
                ("id", info.Id), ("project", projectId), ("subject", subjectId), ("model", model), ("faces", info.Faces), ("quality", info.Quality), ("at", info.CreatedAt),
                ("payload", Seal(key, payload, TemplateBinding(info.Id, subjectId)))).ConfigureAwait(false);
            return info;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<IdentityTemplateInfo>> ListIdentityTemplateInfoAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default)
        => RunAsync($"listing the identity templates of subject {subjectId}", c => QueryAsync(c, null,
            $"SELECT {TemplateColumns} FROM identity_templates t WHERE t.project_id = @project AND t.subject_id = @subject ORDER BY t.model", r => ReadTemplate(r).Info, cancellationToken,
            ("project", projectId), ("subject", subjectId)), cancellationToken);

    public Task<IReadOnlyList<StoredIdentityTemplate>> OpenIdentityTemplatesAsync(Guid projectId, string model, Guid? subjectId = null, CancellationToken cancellationToken = default)
    {
        var checkedModel = Name(model, nameof(model), 64);
        return RunAsync($"opening the identity templates of project {projectId}", async c =>
        {
            var filter = subjectId is null ? string.Empty : " AND t.subject_id = @subject";
            var rows = await QueryAsync(c, null, $"SELECT {TemplateColumns} FROM identity_templates t WHERE t.project_id = @project AND t.model = @model{filter} AND {TemplateConsented} ORDER BY t.subject_id",
                ReadTemplate, cancellationToken, ("project", projectId), ("model", checkedModel), ("subject", subjectId)).ConfigureAwait(false);
            var opened = new StoredIdentityTemplate[rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                var (info, sealedPayload) = rows[i];
                var json = await OpenAsync(projectId, sealedPayload, TemplateBinding(info.Id, info.SubjectId), cancellationToken).ConfigureAwait(false);
                opened[i] = new StoredIdentityTemplate(info, ReadDescriptor(json, info));
            }

            return (IReadOnlyList<StoredIdentityTemplate>)opened;
        }, cancellationToken);
    }

    public Task<int?> EraseIdentityTemplatesAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default)
        => InTransactionAsync($"erasing the identity templates of subject {subjectId}", async (c, tx) =>
        {
            if (!await SubjectExistsAsync(c, tx, projectId, subjectId, cancellationToken).ConfigureAwait(false))
            {
                return (int?)null;
            }

            return await ExecuteAsync(c, tx, "DELETE FROM identity_templates WHERE project_id = @project AND subject_id = @subject", cancellationToken,
                ("project", projectId), ("subject", subjectId)).ConfigureAwait(false);
        }, cancellationToken);

    internal static RowBinding TemplateBinding(Guid templateId, Guid subjectId) => new("identity_templates", $"{templateId:D}/{subjectId:D}");

    private static (IdentityTemplateInfo Info, string Payload) ReadTemplate(DbDataReader r) =>
        (new IdentityTemplateInfo(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetInt32(3), r.GetDouble(4), r.GetFieldValue<DateTimeOffset>(5)), r.GetString(6));

    /// <summary>The descriptor as little-endian float32 bytes in base64: a quarter of the size of a JSON number array, and exact.</summary>
    private static string TemplatePayload(string model, IReadOnlyList<float> descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.Count is 0 or > MaxDescriptorLength)
        {
            throw new ArgumentException($"an identity descriptor has 1–{MaxDescriptorLength} values; got {descriptor.Count}.", nameof(descriptor));
        }

        var bytes = new byte[descriptor.Count * sizeof(float)];
        double norm = 0;
        for (var i = 0; i < descriptor.Count; i++)
        {
            var v = descriptor[i];
            if (!float.IsFinite(v))
            {
                throw new ArgumentException($"identity descriptor value {i} is {v}; every value must be finite.", nameof(descriptor));
            }

            norm += (double)v * v;
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), v);
        }

        // Matching assumes unit vectors (dot product = cosine similarity): anything else is a caller's bug.
        if (Math.Abs(Math.Sqrt(norm) - 1) > 1e-3)
        {
            throw new ArgumentException($"an identity descriptor must be L2-normalised; its length is {Math.Sqrt(norm):F4}.", nameof(descriptor));
        }

        return JsonSerializer.Serialize(new Dictionary<string, string> { ["model"] = model, ["v"] = Convert.ToBase64String(bytes) });
    }

    private static float[] ReadDescriptor(string json, IdentityTemplateInfo info)
    {
        using var doc = JsonDocument.Parse(json);
        var bytes = Convert.FromBase64String(doc.RootElement.GetProperty("v").GetString() ?? string.Empty);
        if (bytes.Length == 0 || bytes.Length % sizeof(float) != 0 || doc.RootElement.GetProperty("model").GetString() != info.Model)
        {
            throw new MienStoreException($"identity template {info.Id} is damaged (its descriptor does not decode, or names another model)", MienStoreError.Failure);
        }

        var v = new float[bytes.Length / sizeof(float)];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
        }

        return v;
    }
}
