using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using System.Text.Json;
using Mien.Privacy.Encryption;

namespace Mien.Storage.Sql;

/// <summary>
/// Encryption at rest: the keyring (master-key check, wrapped data keys) and the sealing of every per-face payload.
/// Payload columns hold <c>{"sealed":"…"}</c> (see <see cref="SealedJson"/>), bound to their table and row key.
/// </summary>
/// <remarks>
/// Writers read the project's active data key <c>FOR SHARE</c> in the transaction that stores the sealed rows, and a
/// rotation updates that row: so once a rotation commits, no transaction can still commit rows under the old version,
/// and one re-encryption pass afterwards finds every row the old version sealed (SQLite: every write transaction is
/// serialised anyway).
/// </remarks>
internal sealed partial class SqlMienStore : IStoreEncryption
{
    private readonly ConcurrentDictionary<(Guid Project, int Version), DataKey> _dataKeys = new();
    private MasterKey _master = null!;

    public IStoreEncryption Encryption => this;

    public string MasterKeyId => _master.Id;

    /// <summary>Payload tables: what a re-encryption pass walks, with their row keys and bindings.</summary>
    private static readonly SealedTable[] SealedTables =
    [
        new("frames", "SELECT t.recording_id, t.frame_index, t.payload FROM frames t JOIN recordings r ON r.id = t.recording_id WHERE r.project_id = @p AND (t.recording_id > @k0 OR (t.recording_id = @k0 AND t.frame_index > @k1)) ORDER BY t.recording_id, t.frame_index LIMIT @limit",
            "UPDATE frames SET payload = @new WHERE recording_id = @k0 AND frame_index = @k1 AND payload = @old",
            r => ([r.GetGuid(0), r.GetInt64(1)], Bindings.Frame(r.GetGuid(0), r.GetInt64(1)), r.GetString(2)), [Guid.Empty, -1L]),
        new("events", "SELECT t.recording_id, t.seq, t.payload FROM events t JOIN recordings r ON r.id = t.recording_id WHERE r.project_id = @p AND (t.recording_id > @k0 OR (t.recording_id = @k0 AND t.seq > @k1)) ORDER BY t.recording_id, t.seq LIMIT @limit",
            "UPDATE events SET payload = @new WHERE recording_id = @k0 AND seq = @k1 AND payload = @old",
            r => ([r.GetGuid(0), r.GetInt64(1)], Bindings.Event(r.GetGuid(0), r.GetInt64(1)), r.GetString(2)), [Guid.Empty, -1L]),
        new("person_summaries", "SELECT t.recording_id, t.track_id, t.payload FROM person_summaries t JOIN recordings r ON r.id = t.recording_id WHERE r.project_id = @p AND (t.recording_id > @k0 OR (t.recording_id = @k0 AND t.track_id > @k1)) ORDER BY t.recording_id, t.track_id LIMIT @limit",
            "UPDATE person_summaries SET payload = @new WHERE recording_id = @k0 AND track_id = @k1 AND payload = @old",
            r => ([r.GetGuid(0), r.GetInt32(1)], Bindings.Person(r.GetGuid(0), r.GetInt32(1)), r.GetString(2)), [Guid.Empty, int.MinValue]),
        new("recording_summaries", "SELECT t.recording_id, t.payload FROM recording_summaries t JOIN recordings r ON r.id = t.recording_id WHERE r.project_id = @p AND t.recording_id > @k0 ORDER BY t.recording_id LIMIT @limit",
            "UPDATE recording_summaries SET payload = @new WHERE recording_id = @k0 AND payload = @old",
            r => ([r.GetGuid(0)], Bindings.Summary(r.GetGuid(0)), r.GetString(1)), [Guid.Empty]),
        new("skin_sessions", "SELECT t.id, t.subject_id, t.payload FROM skin_sessions t WHERE t.project_id = @p AND t.id > @k0 ORDER BY t.id LIMIT @limit",
            "UPDATE skin_sessions SET payload = @new WHERE id = @k0 AND payload = @old",
            r => ([r.GetGuid(0)], Bindings.Skin(r.GetGuid(0), r.GetGuid(1)), r.GetString(2)), [Guid.Empty]),
        // Studies (SqlMienStore.Studies.cs): viewers' declared attributes.
        new("study_viewers", "SELECT t.id, t.attributes FROM study_viewers t WHERE t.project_id = @p AND t.id > @k0 ORDER BY t.id LIMIT @limit",
            "UPDATE study_viewers SET attributes = @new WHERE id = @k0 AND attributes = @old",
            r => ([r.GetGuid(0)], new RowBinding("study_viewers", $"{r.GetGuid(0):D}"), r.GetString(1)), [Guid.Empty]),
        new("notes", "SELECT t.id, t.subject_id, t.payload FROM notes t WHERE t.project_id = @p AND t.id > @k0 ORDER BY t.id LIMIT @limit",
            "UPDATE notes SET payload = @new WHERE id = @k0 AND payload = @old",
            r => ([r.GetGuid(0)], NoteBinding(r.GetGuid(0), r.GetGuid(1)), r.GetString(2)), [Guid.Empty]),
        // Identity templates (SqlMienStore.Identity.cs): biometric descriptors.
        new("identity_templates", "SELECT t.id, t.subject_id, t.payload FROM identity_templates t WHERE t.project_id = @p AND t.id > @k0 ORDER BY t.id LIMIT @limit",
            "UPDATE identity_templates SET payload = @new WHERE id = @k0 AND payload = @old",
            r => ([r.GetGuid(0)], TemplateBinding(r.GetGuid(0), r.GetGuid(1)), r.GetString(2)), [Guid.Empty]),
    ];

    // ---- keyring --------------------------------------------------------------------------------------------

    /// <summary>
    /// Checks the master key against the database (first open: records it), re-wraps the data keys when the database
    /// still expects <paramref name="previous"/>, and seals rows a Mien without encryption left in plaintext.
    /// </summary>
    internal async Task OpenKeyringAsync(MasterKey master, MasterKey? previous, CancellationToken cancellationToken)
    {
        _master = master;
        var created = await InTransactionAsync("checking the master key", async (c, tx) =>
        {
            var ring = await ReadKeyringAsync(c, tx, _dialect.ForUpdate, cancellationToken).ConfigureAwait(false);
            if (ring is null)
            {
                var existing = await ScalarAsync(c, tx, "SELECT count(*) FROM data_keys", cancellationToken).ConfigureAwait(false);
                if (Convert.ToInt64(existing, System.Globalization.CultureInfo.InvariantCulture) > 0)
                {
                    throw new MienStoreException($"{_dialect.Describe} has data keys but no master-key record: the encryption_keyring table was emptied; restore it from a backup", MienStoreError.Failure);
                }

                // Servers starting together on a fresh PostgreSQL database: the first insert wins, the others check against it.
                if (await ExecuteAsync(c, tx, "INSERT INTO encryption_keyring (id, master_key_id, master_check, created_at) VALUES (1, @id, @check, @at) ON CONFLICT (id) DO NOTHING", cancellationToken,
                    ("id", master.Id), ("check", master.CheckValue), ("at", Now())).ConfigureAwait(false) == 1)
                {
                    return true;
                }

                ring = await ReadKeyringAsync(c, tx, _dialect.ForUpdate, cancellationToken).ConfigureAwait(false);
            }

            var (expectedId, check) = ring ?? throw new MienStoreException($"{_dialect.Describe}: the master-key record vanished while it was being created", MienStoreError.Failure);
            if (master.Matches(check))
            {
                return false;
            }

            if (previous is null || !previous.Matches(check))
            {
                throw new MienStoreException(WrongKey(expectedId, master, previous), MienStoreError.Failure);
            }

            await RewrapAsync(c, tx, previous, master, cancellationToken).ConfigureAwait(false);
            return false;
        }, cancellationToken).ConfigureAwait(false);

        if (created)
        {
            // A database migrated from a Mien without encryption: seal what it stored (the first open with a key).
            foreach (var project in await ListProjectsAsync(cancellationToken).ConfigureAwait(false))
            {
                await ReencryptRowsAsync(project.Id, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Re-wraps every data key from <paramref name="from"/> to <paramref name="to"/> in one transaction (the database must expect <paramref name="from"/>).</summary>
    internal Task<int> RotateMasterKeyAsync(MasterKey from, MasterKey to, CancellationToken cancellationToken)
        => InTransactionAsync("rotating the master key", async (c, tx) =>
        {
            var ring = await ReadKeyringAsync(c, tx, _dialect.ForUpdate, cancellationToken).ConfigureAwait(false)
                ?? throw new MienStoreException($"{_dialect.Describe} has no master-key record yet: open it once with a key before rotating", MienStoreError.Failure);
            if (to.Matches(ring.Check))
            {
                return 0; // already rotated (e.g. a re-run after a crash)
            }

            return from.Matches(ring.Check)
                ? await RewrapAsync(c, tx, from, to, cancellationToken).ConfigureAwait(false)
                : throw new MienStoreException($"{_dialect.Describe} expects master key {ring.Id}; the old key given ({from.Source}) is {from.Id} and the new one ({to.Source}) is {to.Id}", MienStoreError.Failure);
        }, cancellationToken);

    /// <summary>The master-key id a database expects, or null when it has none yet (or no encryption tables).</summary>
    internal async Task<string?> ExpectedMasterKeyIdAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await RunAsync("reading the master-key record", async c => (string?)await ScalarAsync(c, null, "SELECT master_key_id FROM encryption_keyring WHERE id = 1", cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (MienStoreException)
        {
            return null; // no encryption_keyring table: a database never opened by a Mien with encryption
        }
    }

    internal static string WrongKey(string expected, MasterKey given, MasterKey? previous)
        => $"the database is encrypted under master key {expected}, but the key from {given.Source} is {given.Id}"
            + (previous is null ? string.Empty : $" and the previous key from {previous.Source} is {previous.Id}")
            + $"; pass the key with id {expected} ({MasterKeySources.HowToPass}); after rotating to a new key, pass the old one as {MasterKeySources.PreviousVariable} once to re-wrap the data keys";

    private async Task<(string Id, byte[] Check)?> ReadKeyringAsync(DbConnection c, DbTransaction tx, string lockClause, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(c, tx, $"SELECT master_key_id, master_check FROM encryption_keyring WHERE id = 1{lockClause}", r => (r.GetString(0), r.GetFieldValue<byte[]>(1)), cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    private async Task<int> RewrapAsync(DbConnection c, DbTransaction tx, MasterKey from, MasterKey to, CancellationToken cancellationToken)
    {
        var keys = await QueryAsync(c, tx, $"SELECT project_id, version, wrapped FROM data_keys WHERE wrapped IS NOT NULL{_dialect.ForUpdate}", r => (Project: r.GetGuid(0), Version: r.GetInt32(1), Wrapped: r.GetFieldValue<byte[]>(2)), cancellationToken).ConfigureAwait(false);
        foreach (var (project, version, wrapped) in keys)
        {
            using var key = Unwrap(from, project, version, wrapped);
            await ExecuteAsync(c, tx, "UPDATE data_keys SET wrapped = @wrapped WHERE project_id = @project AND version = @version", cancellationToken,
                ("wrapped", to.Wrap(key)), ("project", project), ("version", version)).ConfigureAwait(false);
        }

        await ExecuteAsync(c, tx, "UPDATE encryption_keyring SET master_key_id = @id, master_check = @check, rotated_at = @at WHERE id = 1", cancellationToken,
            ("id", to.Id), ("check", to.CheckValue), ("at", Now())).ConfigureAwait(false);
        return keys.Count;
    }

    private static DataKey Unwrap(MasterKey master, Guid project, int version, byte[] wrapped)
    {
        try
        {
            return master.Unwrap(project, version, wrapped);
        }
        catch (EncryptionException e)
        {
            throw new MienStoreException(e.Message, MienStoreError.Failure, e);
        }
    }

    // ---- data keys ------------------------------------------------------------------------------------------

    public Task<DataKey> ActiveDataKeyAsync(Guid projectId, CancellationToken cancellationToken = default)
        => InTransactionAsync($"reading the data key of project {projectId}", (c, tx) => ActiveKeyAsync(c, tx, projectId, cancellationToken), cancellationToken);

    public async Task<DataKey> DataKeyAsync(Guid projectId, int version, CancellationToken cancellationToken = default)
    {
        if (_dataKeys.TryGetValue((projectId, version), out var cached))
        {
            return cached;
        }

        var rows = await RunAsync($"reading data key {version} of project {projectId}", c => QueryAsync(c, null, "SELECT state, wrapped FROM data_keys WHERE project_id = @project AND version = @version",
            r => (State: r.GetString(0), Wrapped: r.IsDBNull(1) ? null : r.GetFieldValue<byte[]>(1)), cancellationToken, ("project", projectId), ("version", version)), cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            throw new MienStoreException($"data key {version} of project {projectId} does not exist: the value was sealed under a key this database never had", MienStoreError.Failure);
        }

        if (rows[0].Wrapped is not { } wrapped)
        {
            throw new MienStoreException($"data key {version} of project {projectId} was retired: what it sealed can no longer be opened", MienStoreError.Failure);
        }

        return Cache(Unwrap(_master, projectId, version, wrapped));
    }

    public Task<IReadOnlyList<DataKeyInfo>> ListDataKeysAsync(Guid projectId, CancellationToken cancellationToken = default)
        => RunAsync($"listing data keys of project {projectId}", c => QueryAsync(c, null, "SELECT project_id, version, state, created_at, retired_at FROM data_keys WHERE project_id = @project ORDER BY version",
            r => new DataKeyInfo(r.GetGuid(0), r.GetInt32(1), ParseKeyState(r.GetString(2)), r.GetFieldValue<DateTimeOffset>(3), r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4)), cancellationToken, ("project", projectId)), cancellationToken);

    public Task<DataKeyInfo> RotateDataKeyAsync(Guid projectId, CancellationToken cancellationToken = default)
        => InTransactionAsync($"rotating the data key of project {projectId}", async (c, tx) =>
        {
            var current = await ActiveKeyAsync(c, tx, projectId, cancellationToken).ConfigureAwait(false);
            var retiring = await QueryAsync(c, tx, "SELECT version FROM data_keys WHERE project_id = @project AND state = 'retiring'", r => r.GetInt32(0), cancellationToken, ("project", projectId)).ConfigureAwait(false);
            if (retiring.Count > 0)
            {
                throw new MienStoreException($"project {projectId} still re-encrypts from data key {string.Join(", ", retiring)}; rotate again when that has finished", MienStoreError.Conflict);
            }

            // Updating the active row waits for writers holding it FOR SHARE, and makes later ones see the new version.
            await ExecuteAsync(c, tx, "UPDATE data_keys SET state = 'retiring' WHERE project_id = @project AND version = @version", cancellationToken,
                ("project", projectId), ("version", current.Version)).ConfigureAwait(false);
            var next = DataKey.Generate(projectId, current.Version + 1);
            var at = Now();
            await ExecuteAsync(c, tx, "INSERT INTO data_keys (project_id, version, state, wrapped, created_at) VALUES (@project, @version, 'active', @wrapped, @at)", cancellationToken,
                ("project", projectId), ("version", next.Version), ("wrapped", _master.Wrap(next)), ("at", at)).ConfigureAwait(false);
            Cache(next);
            return new DataKeyInfo(projectId, next.Version, DataKeyState.Active, at, null);
        }, cancellationToken);

    public async Task<long> ReencryptRowsAsync(Guid projectId, CancellationToken cancellationToken = default)
    {
        const int Page = 500;
        long resealed = 0;
        foreach (var table in SealedTables)
        {
            var after = table.Start;
            while (true)
            {
                var (count, last) = await InTransactionAsync($"re-encrypting {table.Name} of project {projectId}", async (c, tx) =>
                {
                    var active = await ActiveKeyAsync(c, tx, projectId, cancellationToken).ConfigureAwait(false);
                    var args = new List<(string, object?)> { ("p", projectId), ("limit", Page) };
                    for (var i = 0; i < after.Length; i++)
                    {
                        args.Add(($"k{i}", after[i]));
                    }

                    var rows = await QueryAsync(c, tx, table.Select, table.Read, cancellationToken, [.. args]).ConfigureAwait(false);
                    var changed = 0;
                    foreach (var (key, binding, payload) in rows)
                    {
                        string plain;
                        if (SealedJson.TryUnwrap(payload, out var envelope))
                        {
                            var version = Version(envelope, binding);
                            if (version == active.Version)
                            {
                                continue;
                            }

                            plain = await OpenAsync(projectId, payload, binding, cancellationToken).ConfigureAwait(false);
                        }
                        else
                        {
                            plain = payload; // written by a Mien without encryption
                        }

                        var update = new List<(string, object?)> { ("new", new JsonText(SealedJson.Seal(active, plain, binding))), ("old", new JsonText(payload)) };
                        for (var i = 0; i < key.Length; i++)
                        {
                            update.Add(($"k{i}", key[i]));
                        }

                        changed += await ExecuteAsync(c, tx, table.Update, cancellationToken, [.. update]).ConfigureAwait(false);
                    }

                    return (changed, rows.Count == Page ? rows[^1].Key : null);
                }, cancellationToken).ConfigureAwait(false);
                resealed += count;
                if (last is null)
                {
                    break;
                }

                after = last;
            }
        }

        return resealed;
    }

    public Task<IReadOnlyList<int>> RetireDataKeysAsync(Guid projectId, CancellationToken cancellationToken = default)
        => InTransactionAsync($"retiring data keys of project {projectId}", async (c, tx) =>
        {
            var retired = await QueryAsync(c, tx, "UPDATE data_keys SET state = 'retired', wrapped = NULL, retired_at = @at WHERE project_id = @project AND state = 'retiring' RETURNING version",
                r => r.GetInt32(0), cancellationToken, ("at", Now()), ("project", projectId)).ConfigureAwait(false);
            foreach (var version in retired)
            {
                if (_dataKeys.TryRemove((projectId, version), out var key))
                {
                    key.Dispose();
                }
            }

            return retired;
        }, cancellationToken);

    public Task<IReadOnlyList<Guid>> ProjectsWithRetiringKeysAsync(CancellationToken cancellationToken = default)
        => RunAsync("listing unfinished data-key rotations", c => QueryAsync(c, null, "SELECT DISTINCT project_id FROM data_keys WHERE state = 'retiring'", r => r.GetGuid(0), cancellationToken), cancellationToken);

    public Task<Guid?> ProjectOfRecordingAsync(Guid recordingId, CancellationToken cancellationToken = default)
        => RunAsync($"finding the project of recording {recordingId}", async c => (await QueryAsync(c, null, "SELECT project_id FROM recordings WHERE id = @id", r => (Guid?)r.GetGuid(0), cancellationToken, ("id", recordingId)).ConfigureAwait(false)).FirstOrDefault(), cancellationToken);

    /// <summary>
    /// The project's active data key, read <c>FOR SHARE</c> in the caller's write transaction (made when the project
    /// has none yet). Rows sealed with it in this transaction cannot outlive a concurrent rotation unnoticed.
    /// </summary>
    private async Task<DataKey> ActiveKeyAsync(DbConnection c, DbTransaction tx, Guid projectId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var rows = await QueryAsync(c, tx, $"SELECT version, wrapped FROM data_keys WHERE project_id = @project AND state = 'active'{_dialect.ForShare}",
                r => (Version: r.GetInt32(0), Wrapped: r.GetFieldValue<byte[]>(1)), cancellationToken, ("project", projectId)).ConfigureAwait(false);
            if (rows.Count == 1)
            {
                return _dataKeys.TryGetValue((projectId, rows[0].Version), out var cached) ? cached : Cache(Unwrap(_master, projectId, rows[0].Version, rows[0].Wrapped));
            }

            // None yet (or a rotation replaced it while this statement waited): make version 1 unless another writer did.
            var ring = await ReadKeyringAsync(c, tx, _dialect.ForShare, cancellationToken).ConfigureAwait(false);
            if (ring is null || !_master.Matches(ring.Value.Check))
            {
                throw new MienStoreException($"the master key was rotated to {ring?.Id ?? "(none)"} since this process opened the database with {_master.Id}: restart it with the new key ({MasterKeySources.HowToPass}) before new data keys can be made", MienStoreError.Failure);
            }

            var any = await ScalarAsync(c, tx, "SELECT count(*) FROM data_keys WHERE project_id = @project", cancellationToken, ("project", projectId)).ConfigureAwait(false);
            if (Convert.ToInt64(any, System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                using var fresh = DataKey.Generate(projectId, 1);
                await ExecuteAsync(c, tx, "INSERT INTO data_keys (project_id, version, state, wrapped, created_at) VALUES (@project, 1, 'active', @wrapped, @at) ON CONFLICT DO NOTHING", cancellationToken,
                    ("project", projectId), ("wrapped", _master.Wrap(fresh)), ("at", Now())).ConfigureAwait(false);
            }
        }

        throw new MienStoreException($"project {projectId} has no active data key (is a rotation stuck?)", MienStoreError.Failure);
    }

    private DataKey Cache(DataKey key)
    {
        var kept = _dataKeys.GetOrAdd((key.ProjectId, key.Version), key);
        if (!ReferenceEquals(kept, key))
        {
            key.Dispose();
        }

        return kept;
    }

    private void DisposeDataKeys()
    {
        foreach (var key in _dataKeys.Values)
        {
            key.Dispose();
        }

        _dataKeys.Clear();
    }

    private static DataKeyState ParseKeyState(string text) => text switch
    {
        "active" => DataKeyState.Active,
        "retiring" => DataKeyState.Retiring,
        "retired" => DataKeyState.Retired,
        _ => throw new MienStoreException($"unknown data-key state '{text}' in the database", MienStoreError.Failure),
    };

    // ---- sealing payloads -----------------------------------------------------------------------------------

    /// <summary>
    /// Why <paramref name="json"/> is not one JSON value, or null when it is. The database cannot check any more (it
    /// sees only the envelope), so the store does, and refuses like the database's own check did
    /// (<see cref="MienStoreError.Invalid"/>). The writer checks on the producer's thread, off the commit loop.
    /// </summary>
    internal static string? JsonProblem(string json)
    {
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { MaxDepth = 512 });
            while (reader.Read())
            {
            }

            return null;
        }
        catch (JsonException e)
        {
            return e.Message;
        }
    }

    /// <summary>Seals a payload already checked with <see cref="JsonProblem"/>.</summary>
    internal static JsonText Seal(DataKey key, string json, RowBinding binding) => new(SealedJson.Seal(key, json, binding));

    /// <summary>Checks and seals a payload (single-row writes).</summary>
    internal static JsonText SealChecked(DataKey key, string json, RowBinding binding) => JsonProblem(json) is { } problem
        ? throw new MienStoreException($"{binding}: a value was refused (the payload is not valid JSON: {problem})", MienStoreError.Invalid)
        : Seal(key, json, binding);

    /// <summary>Opens a sealed column value of the project; failures say which row and why.</summary>
    internal async ValueTask<string> OpenAsync(Guid projectId, string column, RowBinding binding, CancellationToken cancellationToken)
    {
        if (!SealedJson.TryUnwrap(column, out var envelope))
        {
            throw new MienStoreException($"{binding} of project {projectId} is not sealed: every payload must be encrypted at rest (written by a Mien without encryption, or edited in the database?)", MienStoreError.Failure);
        }

        var version = Version(envelope, binding);
        var key = _dataKeys.TryGetValue((projectId, version), out var cached) ? cached : await DataKeyAsync(projectId, version, cancellationToken).ConfigureAwait(false);
        try
        {
            return Encoding.UTF8.GetString(FieldCipher.Open(key, envelope, binding));
        }
        catch (EncryptionException e)
        {
            throw new MienStoreException($"{e.Message} (project {projectId})", MienStoreError.Failure, e);
        }
    }

    private static int Version(byte[] envelope, RowBinding binding)
    {
        try
        {
            return FieldCipher.KeyVersion(envelope);
        }
        catch (EncryptionException e)
        {
            throw new MienStoreException($"{binding}: {e.Message}", MienStoreError.Failure, e);
        }
    }

    /// <summary>A table with sealed payloads: keyset-paged select (by @p, @k0…, @limit) and a guarded update (by @k0…, @old, @new).</summary>
    private sealed record SealedTable(string Name, string Select, string Update, Func<DbDataReader, (object[] Key, RowBinding Binding, string Payload)> Read, object[] Start);
}

/// <summary>The row bindings of sealed payloads: table and primary key (and, for skin sessions, the subject).</summary>
internal static class Bindings
{
    public static RowBinding Frame(Guid recordingId, long frameIndex) => new("frames", $"{recordingId:D}/{frameIndex}");

    public static RowBinding Event(Guid recordingId, long seq) => new("events", $"{recordingId:D}/{seq}");

    public static RowBinding Person(Guid recordingId, int trackId) => new("person_summaries", $"{recordingId:D}/{trackId}");

    public static RowBinding Summary(Guid recordingId) => new("recording_summaries", $"{recordingId:D}");

    public static RowBinding Skin(Guid sessionId, Guid subjectId) => new("skin_sessions", $"{sessionId:D}/{subjectId:D}");
}
