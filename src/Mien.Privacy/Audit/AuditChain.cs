using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Mien.Privacy.Audit;

/// <summary>
/// The hash chain of a project's audit log: <c>hash(n) = SHA-256(hash(n-1) || canonical(entry n))</c>, starting from a
/// genesis hash derived from the project id (so one project's entries cannot be spliced into another's chain).
/// Editing, removing, inserting or reordering any entry changes every later hash; <see cref="AuditChainVerifier"/>
/// names the first sequence number where the stored chain stops matching.
/// </summary>
/// <remarks>
/// The canonical encoding is fixed-order, length-prefixed binary, independent of how a database returns the row:
/// <c>version(1) | seq(i64 BE) | at(unix µs, i64 BE) | project(16, RFC 4122 order) | actor | action | outcome |
/// subjectRef? | target? | detail</c>, each string as <c>u32 BE length | UTF-8</c>, each optional one prefixed by a
/// presence byte. The detail JSON is hashed as stored text, so the stores keep it as text, never as jsonb (which
/// re-orders keys).
/// </remarks>
public static class AuditChain
{
    /// <summary>Version byte of the canonical encoding; a new encoding gets a new version, old entries keep theirs.</summary>
    public const byte EncodingVersion = 1;

    /// <summary>Bytes of a hash.</summary>
    public const int HashBytes = SHA256.HashSizeInBytes;

    private static readonly byte[] GenesisLabel = "mien-audit-genesis-v1"u8.ToArray();

    /// <summary>The hash a project's chain starts from (the "previous hash" of entry 1).</summary>
    public static string Genesis(Guid projectId)
    {
        Span<byte> input = stackalloc byte[GenesisLabel.Length + 16];
        GenesisLabel.CopyTo(input);
        projectId.TryWriteBytes(input[GenesisLabel.Length..], bigEndian: true, out _);
        return Convert.ToHexStringLower(SHA256.HashData(input));
    }

    /// <summary>The canonical bytes of an entry's content (everything but its hash).</summary>
    public static byte[] Encode(Guid projectId, long seq, DateTimeOffset at, AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(buffer, projectId, seq, at, record);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The hash of an entry given the previous entry's hash (or <see cref="Genesis"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="previousHash"/> is not 64 hex digits.</exception>
    public static string Hash(string previousHash, Guid projectId, long seq, DateTimeOffset at, AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Span<byte> previous = stackalloc byte[HashBytes];
        if (previousHash is null || previousHash.Length != HashBytes * 2 || Convert.FromHexString(previousHash, previous, out _, out var written) != OperationStatus.Done || written != HashBytes)
        {
            throw new ArgumentException($"a previous hash must be {HashBytes * 2} hex digits; got '{previousHash}'.", nameof(previousHash));
        }

        var buffer = new ArrayBufferWriter<byte>(256 + HashBytes);
        buffer.Write(previous);
        Write(buffer, projectId, seq, at, record);
        return Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }

    /// <summary>The hash of a stored entry's content given the previous hash (for verification).</summary>
    public static string Hash(string previousHash, AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Hash(previousHash, entry.ProjectId, entry.Seq, entry.At, entry.Record);
    }

    /// <summary>Microseconds since the Unix epoch: the precision both stores keep, so a read-back entry hashes as written.</summary>
    public static long UnixMicroseconds(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private static void Write(ArrayBufferWriter<byte> buffer, Guid projectId, long seq, DateTimeOffset at, AuditRecord record)
    {
        var head = buffer.GetSpan(1 + 8 + 8 + 16);
        head[0] = EncodingVersion;
        BinaryPrimitives.WriteInt64BigEndian(head[1..], seq);
        BinaryPrimitives.WriteInt64BigEndian(head[9..], UnixMicroseconds(at));
        projectId.TryWriteBytes(head[17..], bigEndian: true, out _);
        buffer.Advance(1 + 8 + 8 + 16);
        WriteString(buffer, record.Actor);
        WriteString(buffer, record.Action);
        WriteString(buffer, record.Outcome);
        WriteOptional(buffer, record.SubjectRef);
        WriteOptional(buffer, record.Target);
        WriteString(buffer, record.DetailJson);
    }

    private static void WriteOptional(ArrayBufferWriter<byte> buffer, string? value)
    {
        buffer.GetSpan(1)[0] = value is null ? (byte)0 : (byte)1;
        buffer.Advance(1);
        if (value is not null)
        {
            WriteString(buffer, value);
        }
    }

    private static void WriteString(ArrayBufferWriter<byte> buffer, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        var span = buffer.GetSpan(4 + length);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)length);
        Encoding.UTF8.GetBytes(value, span[4..]);
        buffer.Advance(4 + length);
    }
}

/// <summary>
/// Checks a chain entry by entry, from an anchor (the genesis, or where retention cut the log), without holding the
/// whole log in memory. Stops at the first entry that does not follow: wrong project, a gap or a repeat in the
/// sequence, or a hash that does not recompute.
/// </summary>
public sealed class AuditChainVerifier
{
    private readonly Guid _projectId;

    /// <summary>Starts after entry <paramref name="anchorSeq"/> whose hash is <paramref name="anchorHash"/> (0 and <see cref="AuditChain.Genesis"/> for a whole chain).</summary>
    public AuditChainVerifier(Guid projectId, long anchorSeq, string anchorHash)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(anchorSeq);
        ArgumentException.ThrowIfNullOrEmpty(anchorHash);
        _projectId = projectId;
        LastSeq = anchorSeq;
        HeadHash = anchorHash;
    }

    /// <summary>The last entry that verified (the anchor until one does).</summary>
    public long LastSeq { get; private set; }

    /// <summary>The hash of <see cref="LastSeq"/>.</summary>
    public string HeadHash { get; private set; }

    /// <summary>Entries verified.</summary>
    public long Verified { get; private set; }

    /// <summary>The first sequence number that failed, or null while everything verified.</summary>
    public long? FirstBrokenSeq { get; private set; }

    /// <summary>Why it failed, or null.</summary>
    public string? Problem { get; private set; }

    /// <summary>Whether everything so far verified.</summary>
    public bool Valid => FirstBrokenSeq is null;

    /// <summary>Checks the next stored entry; false (and nothing more is accepted) once the chain is broken.</summary>
    public bool Accept(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!Valid)
        {
            return false;
        }

        var expected = LastSeq + 1;
        if (entry.Seq != expected)
        {
            return Break(Math.Min(expected, entry.Seq), entry.Seq > expected ? $"entries {expected}–{entry.Seq - 1} are missing" : $"entry {entry.Seq} appears again after {LastSeq}");
        }

        if (entry.ProjectId != _projectId)
        {
            return Break(entry.Seq, $"entry {entry.Seq} belongs to project {entry.ProjectId}");
        }

        string hash;
        try
        {
            hash = AuditChain.Hash(HeadHash, entry);
        }
        catch (ArgumentException e)
        {
            return Break(entry.Seq, $"entry {entry.Seq} cannot be encoded: {e.Message}");
        }

        if (!string.Equals(hash, entry.Hash, StringComparison.Ordinal))
        {
            return Break(entry.Seq, $"entry {entry.Seq} does not hash to its stored hash: it or the chain before it was changed");
        }

        LastSeq = entry.Seq;
        HeadHash = hash;
        Verified++;
        return true;
    }

    /// <summary>
    /// Checks the end of the chain against the head the database recorded when the last entry was appended: entries
    /// cut from the end show as missing.
    /// </summary>
    public bool Finish(long headSeq, string headHash)
    {
        if (!Valid)
        {
            return false;
        }

        if (headSeq != LastSeq)
        {
            return headSeq > LastSeq ? Break(LastSeq + 1, $"the log ends at {LastSeq} but its head says {headSeq}: entries {LastSeq + 1}–{headSeq} are missing") : Break(headSeq + 1, $"entries after the recorded head {headSeq} exist");
        }

        return string.Equals(headHash, HeadHash, StringComparison.Ordinal) || Break(headSeq, $"the recorded head hash of entry {headSeq} differs from the chain's");
    }

    private bool Break(long seq, string problem)
    {
        FirstBrokenSeq = seq;
        Problem = problem;
        return false;
    }
}

/// <summary>What verifying a project's audit chain found.</summary>
/// <param name="Valid">Whether every kept entry recomputes and the chain reaches the recorded head.</param>
/// <param name="Entries">Entries checked (those kept after the anchor).</param>
/// <param name="FirstBrokenSeq">The first sequence number that does not verify, or null.</param>
/// <param name="HeadSeq">The last entry the chain reaches (as verified; the anchor when none verified).</param>
/// <param name="HeadHash">Its hash: note it outside the database to detect a later rewrite of the whole tail.</param>
/// <param name="AnchorSeq">Entries up to here were removed by retention; the chain continues from their last hash.</param>
/// <param name="Problem">What is wrong, or null.</param>
public sealed record AuditVerification(bool Valid, long Entries, long? FirstBrokenSeq, long HeadSeq, string HeadHash, long AnchorSeq, string? Problem);
