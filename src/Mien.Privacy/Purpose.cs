namespace Mien.Privacy;

/// <summary>What a project processes faces for. Declared once per project; decides which analyses are lawful there.</summary>
public enum ProcessingPurpose
{
    /// <summary>Academic or clinical research under an ethics approval.</summary>
    Research,

    /// <summary>Testing ads, trailers or other content on consenting viewers.</summary>
    ContentTesting,

    /// <summary>Usability and user-experience studies.</summary>
    UxStudy,

    /// <summary>Following a patient across sessions (therapy, rehabilitation); never a diagnosis.</summary>
    ClinicalMonitoring,

    /// <summary>Fatigue and attention of a driver or machine operator.</summary>
    DriverSafety,

    /// <summary>A person tracking their own skin over time.</summary>
    SkinTracking,

    /// <summary>Anything else (describe it in the project's name and justification).</summary>
    Other,
}

/// <summary>Where the people filmed are, which the EU AI Act cares about more than the purpose.</summary>
public enum ProcessingSetting
{
    /// <summary>A research lab or test studio.</summary>
    Lab,

    /// <summary>The subject's home or their own device.</summary>
    Home,

    /// <summary>A clinic, hospital or therapy practice.</summary>
    Clinic,

    /// <summary>A vehicle or a machine's operator seat.</summary>
    Vehicle,

    /// <summary>A public or commercial space (shop, event).</summary>
    Public,

    /// <summary>The subject's workplace (AI Act Art. 5(1)(f)).</summary>
    Workplace,

    /// <summary>A school, university class or other education institution (AI Act Art. 5(1)(f)).</summary>
    Education,
}

/// <summary>The reason a project records for inferring emotions in a workplace or education setting.</summary>
public enum InferenceBasis
{
    /// <summary>No reason recorded.</summary>
    None,

    /// <summary>A medical reason (e.g. therapy, rehabilitation of facial palsy).</summary>
    Medical,

    /// <summary>A safety reason (e.g. fatigue of a driver or machine operator).</summary>
    Safety,
}

/// <summary>What a request asks to infer, for <see cref="PurposePolicy.Check"/>.</summary>
/// <param name="Emotion">Anything that infers a state from a face or voice: expressions, action units with their
/// temporal model, valence/arousal, fused affect, voice emotion.</param>
public readonly record struct InferenceRequest(bool Emotion);

/// <summary>The outcome of <see cref="PurposePolicy.Check"/>: allowed, or refused with a reason a client can act on.</summary>
/// <param name="Allowed">Whether processing may go on.</param>
/// <param name="Reason">Why it was refused (null when allowed).</param>
public readonly record struct PolicyDecision(bool Allowed, string? Reason)
{
    /// <summary>Allowed.</summary>
    public static PolicyDecision Allow => new(true, null);
}

/// <summary>
/// The purpose rules Mien enforces before any analysis starts. EU AI Act Art. 5(1)(f) prohibits AI systems that
/// infer emotions of natural persons in the areas of workplace and education institutions, except where the use is
/// intended for medical or safety reasons. Mien's expression, action-unit, valence/arousal and voice-emotion outputs
/// are estimates of what a face or voice shows, but they are exactly the inference that article addresses, so they
/// are refused there unless the project records a medical or safety basis and says why.
/// </summary>
public static class PurposePolicy
{
    /// <summary>Shortest justification accepted with a basis: one real sentence, not a checkbox.</summary>
    public const int MinJustificationLength = 20;

    /// <summary>Checks a project's declaration itself (when it is created or changed).</summary>
    /// <returns>Null when consistent, else what is wrong.</returns>
    public static string? Validate(ProcessingSetting setting, InferenceBasis basis, string? justification)
    {
        if (basis != InferenceBasis.None && (justification is null || justification.Trim().Length < MinJustificationLength))
        {
            return $"justification: a {basis.ToString().ToLowerInvariant()} basis needs a justification of at least {MinJustificationLength} characters saying why";
        }

        if (basis == InferenceBasis.None && !string.IsNullOrWhiteSpace(justification))
        {
            return "justification: given without a basis; set basis to 'medical' or 'safety' or leave the justification out";
        }

        return null;
    }

    /// <summary>Whether a request may run in a project with this purpose, setting and basis.</summary>
    public static PolicyDecision Check(ProcessingPurpose purpose, ProcessingSetting setting, InferenceBasis basis, InferenceRequest request)
    {
        if (!request.Emotion || setting is not (ProcessingSetting.Workplace or ProcessingSetting.Education) || basis != InferenceBasis.None)
        {
            return PolicyDecision.Allow;
        }

        var where = setting == ProcessingSetting.Workplace ? "a workplace" : "an education";
        return new PolicyDecision(false,
            $"emotion inference (expressions, action units, valence/arousal, voice emotion) is refused in {where} setting: EU AI Act Art. 5(1)(f) " +
            $"prohibits it there unless the project records a medical or safety reason (project basis is 'none', purpose '{Names.Of(purpose)}'). " +
            "Turn off expressions, affect and voice for this analysis, or have an admin record the basis and justification.");
    }
}

/// <summary>Wire names of the privacy enums (kebab-case), shared by the API, the store and the docs.</summary>
public static class Names
{
    /// <summary>The wire name of a purpose.</summary>
    public static string Of(ProcessingPurpose purpose) => purpose switch
    {
        ProcessingPurpose.ContentTesting => "content-testing",
        ProcessingPurpose.UxStudy => "ux-study",
        ProcessingPurpose.ClinicalMonitoring => "clinical-monitoring",
        ProcessingPurpose.DriverSafety => "driver-safety",
        ProcessingPurpose.SkinTracking => "skin-tracking",
        _ => purpose.ToString().ToLowerInvariant(),
    };

    /// <summary>The wire name of a setting.</summary>
    public static string Of(ProcessingSetting setting) => setting.ToString().ToLowerInvariant();

    /// <summary>The wire name of a basis.</summary>
    public static string Of(InferenceBasis basis) => basis.ToString().ToLowerInvariant();

    /// <summary>The wire name of a consent scope.</summary>
    public static string Of(ConsentScope scope) => scope switch
    {
        ConsentScope.SkinProfile => "skin-profile",
        ConsentScope.IdentityTemplate => "identity-template",
        _ => scope.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses a wire name (case-insensitive); false for anything else, including numbers.</summary>
    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            var name = candidate switch
            {
                ProcessingPurpose p => Of(p),
                ProcessingSetting s => Of(s),
                InferenceBasis b => Of(b),
                ConsentScope c => Of(c),
                _ => candidate.ToString(),
            };
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>All wire names of an enum, for error messages.</summary>
    public static string List<T>() where T : struct, Enum => string.Join(", ", Enum.GetValues<T>().Select(v => v switch
    {
        ProcessingPurpose p => Of(p),
        ProcessingSetting s => Of(s),
        InferenceBasis b => Of(b),
        ConsentScope c => Of(c),
        _ => v.ToString(),
    }));
}
