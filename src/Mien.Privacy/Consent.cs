namespace Mien.Privacy;

/// <summary>
/// What a subject consents to, one record per scope. Analysis without storing needs no record (the results go only
/// to the client that sent the frames); everything Mien keeps about a subject needs the matching current consent.
/// </summary>
public enum ConsentScope
{
    /// <summary>Analysing the subject at all. Withdrawing it stops every running analysis of the subject.</summary>
    Analysis,

    /// <summary>Storing derived measurements (per-frame results, events, summaries).</summary>
    Measurements,

    /// <summary>Keeping raw media (uploaded or recorded video, annotated video).</summary>
    Media,

    /// <summary>Keeping a longitudinal skin profile.</summary>
    SkinProfile,

    /// <summary>Keeping a biometric identity template (face embedding) to recognise the subject again.</summary>
    IdentityTemplate,
}
