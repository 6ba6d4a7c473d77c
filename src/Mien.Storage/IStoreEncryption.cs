using Mien.Privacy.Encryption;

namespace Mien.Storage;

/// <summary>
/// Encryption at rest as the store manages it: the projects' data keys (DEKs), wrapped under the master key in the
/// database, unwrapped only in memory. The store seals and opens its own payloads transparently; the server uses the
/// keys here for media files and drives data-key rotation.
/// </summary>
/// <remarks>
/// A data-key rotation is three steps, readable throughout: <see cref="RotateDataKeyAsync"/> makes a new version that
/// takes every new write (the old one becomes "retiring", still readable); <see cref="ReencryptRowsAsync"/> re-seals
/// every row still under a retiring version (the caller re-seals its files meanwhile); <see cref="RetireDataKeysAsync"/>
/// then forgets the retiring versions' wrapped bytes.
/// </remarks>
public interface IStoreEncryption
{
    /// <summary>Public id of the master key the store runs with (never the key).</summary>
    string MasterKeyId { get; }

    /// <summary>The project's data key that seals new writes (made on first use).</summary>
    /// <exception cref="MienStoreException">The project does not exist, or the master key was rotated by another process since this store opened (restart with the new key).</exception>
    Task<DataKey> ActiveDataKeyAsync(Guid projectId, CancellationToken cancellationToken = default);

    /// <summary>A version of the project's data key, to open what it sealed.</summary>
    /// <exception cref="MienStoreException">No such version, or it was retired.</exception>
    Task<DataKey> DataKeyAsync(Guid projectId, int version, CancellationToken cancellationToken = default);

    /// <summary>The project's data-key versions, oldest first.</summary>
    Task<IReadOnlyList<DataKeyInfo>> ListDataKeysAsync(Guid projectId, CancellationToken cancellationToken = default);

    /// <summary>Makes a new active version; the previous one becomes retiring.</summary>
    /// <exception cref="MienStoreException">A previous rotation has not finished (<see cref="MienStoreError.Conflict"/>).</exception>
    Task<DataKeyInfo> RotateDataKeyAsync(Guid projectId, CancellationToken cancellationToken = default);

    /// <summary>Re-seals every payload of the project not sealed with the active version (also legacy plaintext rows), page by page.</summary>
    Task<long> ReencryptRowsAsync(Guid projectId, CancellationToken cancellationToken = default);

    /// <summary>Retires every retiring version of the project (its wrapped bytes are deleted); returns the versions retired.</summary>
    Task<IReadOnlyList<int>> RetireDataKeysAsync(Guid projectId, CancellationToken cancellationToken = default);

    /// <summary>Projects with a retiring data key: rotations a stopped process left unfinished.</summary>
    Task<IReadOnlyList<Guid>> ProjectsWithRetiringKeysAsync(CancellationToken cancellationToken = default);

    /// <summary>The project a recording belongs to, or null (for files found on disk without their project).</summary>
    Task<Guid?> ProjectOfRecordingAsync(Guid recordingId, CancellationToken cancellationToken = default);
}

/// <summary>State of a data-key version.</summary>
public enum DataKeyState
{
    /// <summary>Seals new writes (one per project).</summary>
    Active,

    /// <summary>Replaced by a newer version; still opens what it sealed until re-encryption finishes.</summary>
    Retiring,

    /// <summary>Forgotten: its wrapped bytes are deleted, nothing it sealed can be opened any more.</summary>
    Retired,
}

/// <summary>A data-key version as stored (never the key).</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="Version">Version number.</param>
/// <param name="State">Active, retiring or retired.</param>
/// <param name="CreatedAt">When it was made.</param>
/// <param name="RetiredAt">When it was retired, or null.</param>
public sealed record DataKeyInfo(Guid ProjectId, int Version, DataKeyState State, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt);
