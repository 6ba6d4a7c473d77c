namespace Mien.Privacy.Tests;

public sealed class PurposePolicyTests
{
    [Theory]
    [InlineData(ProcessingSetting.Workplace)]
    [InlineData(ProcessingSetting.Education)]
    public void Emotion_inference_in_workplace_or_education_is_refused_without_a_basis(ProcessingSetting setting)
    {
        var decision = PurposePolicy.Check(ProcessingPurpose.UxStudy, setting, InferenceBasis.None, new InferenceRequest(Emotion: true));

        Assert.False(decision.Allowed);
        Assert.Contains("Art. 5(1)(f)", decision.Reason, StringComparison.Ordinal);
        Assert.Contains(setting == ProcessingSetting.Workplace ? "workplace" : "education", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(InferenceBasis.Medical)]
    [InlineData(InferenceBasis.Safety)]
    public void A_recorded_medical_or_safety_basis_allows_it(InferenceBasis basis) =>
        Assert.True(PurposePolicy.Check(ProcessingPurpose.DriverSafety, ProcessingSetting.Workplace, basis, new InferenceRequest(true)).Allowed);

    [Fact]
    public void Analyses_without_emotion_inference_are_allowed_anywhere()
    {
        foreach (var setting in Enum.GetValues<ProcessingSetting>())
        {
            Assert.True(PurposePolicy.Check(ProcessingPurpose.SkinTracking, setting, InferenceBasis.None, new InferenceRequest(false)).Allowed);
        }
    }

    [Theory]
    [InlineData(ProcessingSetting.Lab)]
    [InlineData(ProcessingSetting.Home)]
    [InlineData(ProcessingSetting.Clinic)]
    [InlineData(ProcessingSetting.Vehicle)]
    [InlineData(ProcessingSetting.Public)]
    public void Emotion_inference_elsewhere_is_allowed(ProcessingSetting setting) =>
        Assert.True(PurposePolicy.Check(ProcessingPurpose.ContentTesting, setting, InferenceBasis.None, new InferenceRequest(true)).Allowed);

    [Fact]
    public void A_basis_needs_a_real_justification()
    {
        Assert.NotNull(PurposePolicy.Validate(ProcessingSetting.Workplace, InferenceBasis.Safety, "safety"));
        Assert.Null(PurposePolicy.Validate(ProcessingSetting.Workplace, InferenceBasis.Safety, "forklift operators on night shifts: fatigue alerts"));
        Assert.NotNull(PurposePolicy.Validate(ProcessingSetting.Lab, InferenceBasis.None, "a justification without a basis"));
    }

    [Fact]
    public void Wire_names_round_trip_and_refuse_numbers()
    {
        foreach (var scope in Enum.GetValues<ConsentScope>())
        {
            Assert.True(Names.TryParse<ConsentScope>(Names.Of(scope), out var parsed));
            Assert.Equal(scope, parsed);
        }

        Assert.True(Names.TryParse<ProcessingPurpose>("Content-Testing", out var purpose));
        Assert.Equal(ProcessingPurpose.ContentTesting, purpose);
        Assert.False(Names.TryParse<ConsentScope>("1", out _));
        Assert.False(Names.TryParse<ProcessingSetting>("office", out _));
    }
}
