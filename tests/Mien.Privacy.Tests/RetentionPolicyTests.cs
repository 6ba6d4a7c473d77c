using Mien.Privacy.Retention;

namespace Mien.Privacy.Tests;

public sealed class RetentionPolicyTests
{
    [Theory]
    [InlineData(RetainedData.Media, "mediaDays")]
    [InlineData(RetainedData.Results, "resultsDays")]
    [InlineData(RetainedData.Aggregates, "aggregatesDays")]
    [InlineData(RetainedData.Profiles, "profilesDays")]
    [InlineData(RetainedData.AuditLog, "auditLogDays")]
    public void Periods_outside_a_day_to_ten_years_are_refused_naming_field_value_and_limits(RetainedData kind, string field)
    {
        foreach (var days in new[] { 0, -1, RetentionPolicy.MaxDays + 1 })
        {
            var e = Assert.Throws<ArgumentException>(() => With(kind, days).Validate());
            Assert.Contains($"{field} = {days}", e.Message, StringComparison.Ordinal);
            Assert.Contains("between 1 and 3653 days", e.Message, StringComparison.Ordinal);
        }

        With(kind, 1).Validate();
        With(kind, RetentionPolicy.MaxDays).Validate();
        Assert.Equal(field, RetentionPolicy.FieldName(kind));
    }

    [Fact]
    public void Each_kind_expires_by_its_own_period_and_null_keeps_it()
    {
        var now = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var policy = new RetentionPolicy(MediaDays: 7, ResultsDays: 30, AuditLogDays: 365);
        Assert.Equal(now.AddDays(-7), policy.Cutoff(RetainedData.Media, now));
        Assert.Equal(now.AddDays(-30), policy.Cutoff(RetainedData.Results, now));
        Assert.Null(policy.Cutoff(RetainedData.Aggregates, now));
        Assert.Null(policy.Cutoff(RetainedData.Profiles, now));
        Assert.Equal(now.AddDays(-365), policy.Cutoff(RetainedData.AuditLog, now));
        Assert.True(policy.LimitsAnything);
        Assert.False(RetentionPolicy.KeepEverything.LimitsAnything);
    }

    private static RetentionPolicy With(RetainedData kind, int days) => kind switch
    {
        RetainedData.Media => new RetentionPolicy(MediaDays: days),
        RetainedData.Results => new RetentionPolicy(ResultsDays: days),
        RetainedData.Aggregates => new RetentionPolicy(AggregatesDays: days),
        RetainedData.Profiles => new RetentionPolicy(ProfilesDays: days),
        _ => new RetentionPolicy(AuditLogDays: days),
    };
}
