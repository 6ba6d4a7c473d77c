using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mien.Monitoring;

/// <summary>A project's monitoring settings: indicator thresholds, live alerts and when trend changes count.</summary>
/// <param name="Indicators">Session indicator thresholds (also the per-frame thresholds of the live alerts).</param>
/// <param name="Alerts">Live alert rules.</param>
/// <param name="Trends">Trend change rules.</param>
public sealed record MonitoringSettings(MonitoringOptions Indicators, AlertOptions Alerts, TrendOptions Trends)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        MaxDepth = 8,
    };

    /// <summary>The defaults (docs/monitoring.md).</summary>
    public static MonitoringSettings Default { get; } = new(new MonitoringOptions(), new AlertOptions(), new TrendOptions());

    /// <summary>The alert options with the indicator thresholds as their per-frame thresholds (one source of truth).</summary>
    public AlertOptions EffectiveAlerts => Alerts with { Frames = Indicators };

    /// <summary>Reads and validates settings; members left out keep their defaults.</summary>
    /// <exception cref="ArgumentException">The JSON is malformed, names an unknown member, or a value is out of range (the message says which).</exception>
    public static MonitoringSettings Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        Wire? wire;
        try
        {
            wire = JsonSerializer.Deserialize<Wire>(json, Json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException("monitoring settings: " + e.Message, nameof(json), e);
        }

        var settings = new MonitoringSettings(wire?.Indicators ?? new MonitoringOptions(), wire?.Alerts ?? new AlertOptions(), wire?.Trends ?? new TrendOptions());
        settings.Validate();
        return settings;
    }

    /// <summary>Checks every member.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Indicators, nameof(Indicators));
        ArgumentNullException.ThrowIfNull(Alerts, nameof(Alerts));
        ArgumentNullException.ThrowIfNull(Trends, nameof(Trends));
        Indicators.Validate();
        EffectiveAlerts.Validate();
        Trends.Validate();
    }

    /// <summary>The settings as JSON (camelCase; what <see cref="Parse"/> reads).</summary>
    public string ToJson() => JsonSerializer.Serialize(new Wire(Indicators, Alerts, Trends), Json);

    private sealed record Wire(MonitoringOptions? Indicators, AlertOptions? Alerts, TrendOptions? Trends);
}
