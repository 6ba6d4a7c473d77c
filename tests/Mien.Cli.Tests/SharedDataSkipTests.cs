using Mien.Testing;

namespace Mien.Cli.Tests;

/// <summary>
/// The skip mechanism for tests that need ../shared/data: absent data makes a test <em>skipped</em> with the reason,
/// never an early return that counts as passed.
/// </summary>
public sealed class SharedDataSkipTests
{
    private const string Absent = "videos/no-such-clip-for-the-skip-test.mp4";

    [Fact]
    public void A_fact_needing_an_absent_shared_file_is_skipped_naming_it()
    {
        var fact = new SharedDataFactAttribute(Absent);

        Assert.NotNull(fact.Skip);
        Assert.Contains(SharedData.Root is null ? SharedData.ExpectedRoot : Absent, fact.Skip, StringComparison.Ordinal);
    }

    [Fact]
    public void A_theory_needing_an_absent_shared_file_is_skipped_naming_it()
    {
        var theory = new SharedDataTheoryAttribute("audio/emodb_dev", Absent);

        Assert.NotNull(theory.Skip);
        Assert.Contains(SharedData.Root is null ? SharedData.ExpectedRoot : Absent, theory.Skip, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fact_whose_shared_data_is_present_runs()
    {
        var fact = new SharedDataFactAttribute();   // needs only the shared folder itself

        Assert.Equal(SharedData.Root is null, fact.Skip is not null);
    }

    [Fact]
    public void Require_names_the_missing_path_and_the_attribute_to_add()
    {
        var e = Assert.Throws<InvalidOperationException>(() => SharedData.Require(Absent));

        Assert.Contains($"[SharedDataFact(\"{Absent}\")]", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Shows in every run's results as skipped with its reason; if the attribute stopped skipping, this would fail.</summary>
    [SharedDataFact(Absent)]
    public void Is_reported_as_skipped_and_never_run() =>
        Assert.Fail("a test whose shared data is absent must be skipped, not run");
}
