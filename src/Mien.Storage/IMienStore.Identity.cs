namespace Mien.Storage;

// Consented identity templates (issue 16), in their own part of the interface so they merge apart from the rest.
public partial interface IMienStore
{
    /// <summary>
    /// Stores (or replaces) the subject's identity template for one embedding model, sealed with the project's data
    /// key. Checked in the same transaction: the subject must hold current 'identity-template' consent.
    /// </summary>
    /// <exception cref="MienStoreException">The subject is not the project's (<see cref="MienStoreError.NotFound"/>), or has no current identity-template consent (<see cref="MienStoreError.ConsentMissing"/>).</exception>
    /// <exception cref="ArgumentException">The template is invalid (empty, not finite, not unit length, bad model name).</exception>
    Task<IdentityTemplateInfo> SaveIdentityTemplateAsync(Guid projectId, Guid subjectId, NewIdentityTemplate template, CancellationToken cancellationToken = default);

    /// <summary>What is stored of the subject's templates (never the descriptors); empty when none or not the project's subject.</summary>
    Task<IReadOnlyList<IdentityTemplateInfo>> ListIdentityTemplateInfoAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The opened templates of <paramref name="model"/> of every subject of the project who holds current
    /// 'identity-template' consent (only those: a template whose consent lapsed is never used), or of one subject
    /// when <paramref name="subjectId"/> is given. For matching in memory only; never to be returned to a client.
    /// </summary>
    Task<IReadOnlyList<StoredIdentityTemplate>> OpenIdentityTemplatesAsync(Guid projectId, string model, Guid? subjectId = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes the subject's identity templates; returns how many, or null when the subject is not the project's.</summary>
    Task<int?> EraseIdentityTemplatesAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default);
}

/// <summary>An identity template to store.</summary>
/// <param name="Model">The embedding model's manifest id (e.g. "faceres").</param>
/// <param name="Descriptor">The L2-normalised descriptor (mean of the enrolment's faces).</param>
/// <param name="Faces">How many faces it aggregates (≥ 1).</param>
/// <param name="Quality">Their total quality weight (≥ 0).</param>
public sealed record NewIdentityTemplate(string Model, IReadOnlyList<float> Descriptor, int Faces, double Quality);

/// <summary>What is known of a stored template without opening it.</summary>
/// <param name="Id">Its id.</param>
/// <param name="SubjectId">The subject.</param>
/// <param name="Model">Embedding model.</param>
/// <param name="Faces">Faces aggregated.</param>
/// <param name="Quality">Their total quality weight.</param>
/// <param name="CreatedAt">When it was enrolled.</param>
public sealed record IdentityTemplateInfo(Guid Id, Guid SubjectId, string Model, int Faces, double Quality, DateTimeOffset CreatedAt);

/// <summary>An opened template: biometric data, to be compared in memory and dropped.</summary>
/// <param name="Info">Its description.</param>
/// <param name="Descriptor">The unit-length descriptor.</param>
public sealed record StoredIdentityTemplate(IdentityTemplateInfo Info, float[] Descriptor);
