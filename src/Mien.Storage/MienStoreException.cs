namespace Mien.Storage;

/// <summary>What went wrong in a store call, so a server can answer 404/409/400/500 without parsing messages.</summary>
public enum MienStoreError
{
    /// <summary>A referenced project, subject or recording does not exist (in that project).</summary>
    NotFound,

    /// <summary>A unique value is taken (e.g. a subject pseudonym in its project).</summary>
    Conflict,

    /// <summary>The value is not acceptable (e.g. a payload that is not JSON).</summary>
    Invalid,

    /// <summary>The database failed or refused (connection, schema version, a failed batch).</summary>
    Failure,

    /// <summary>The subject's current consent does not cover what was asked (e.g. storing an identity template).</summary>
    ConsentMissing,
}

/// <summary>A store operation failed; the message names what and why, <see cref="Error"/> classifies it.</summary>
public sealed class MienStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MienStoreException(string message, MienStoreError error, Exception? innerException = null)
        : base(message, innerException) => Error = error;

    /// <summary>Creates a failure without a classification (for serializers and tooling).</summary>
    public MienStoreException()
        : this("storage failed", MienStoreError.Failure)
    {
    }

    /// <summary>Creates a failure with a message.</summary>
    public MienStoreException(string message)
        : this(message, MienStoreError.Failure)
    {
    }

    /// <summary>Creates a failure with a message and cause.</summary>
    public MienStoreException(string message, Exception innerException)
        : this(message, MienStoreError.Failure, innerException)
    {
    }

    /// <summary>The kind of failure.</summary>
    public MienStoreError Error { get; }
}
