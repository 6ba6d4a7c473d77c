using System.Buffers;
using System.Text.Json;
using Mien.Monitoring;
using Mien.Results;
using Mien.Server.Monitoring;
using Mien.Storage;

namespace Mien.Server.Live;

/// <summary>
/// Feeds a live session's faces to a <see cref="LiveAlertEvaluator"/> with the project's alert settings and sends each
/// alert raised or cleared to the client as an <c>alert</c> message (docs/live-protocol.md). Only changes are sent,
/// and they always go (like events), never dropped with frame results.
/// </summary>
internal sealed class LiveAlertSink(LiveAlertEvaluator evaluator, LiveSessions.Connection connection) : IAnalysisSink
{
    /// <summary>A sink with the project's alert settings (the defaults when none were set).</summary>
    public static async Task<LiveAlertSink> CreateAsync(IMienStore store, Guid projectId, LiveSessions.Connection connection, CancellationToken ct)
    {
        var settings = await new StoredSessions(store).SettingsAsync(projectId, ct).ConfigureAwait(false);
        return new LiveAlertSink(new LiveAlertEvaluator(settings.EffectiveAlerts), connection);
    }

    public void Write(AnalysisUpdate update)
    {
        if (update is not FrameUpdate f)
        {
            return;
        }

        foreach (var face in f.Frame.Faces)
        {
            foreach (var alert in evaluator.Add(MonitorSample.From(f.Frame.Timestamp, face)))
            {
                connection.Send(Encode(alert));
            }
        }
    }

    internal static byte[] Encode(AlertEvent alert)
    {
        var output = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteString("type", "alert");
            w.WriteString("kind", JsonNamingPolicy.KebabCaseLower.ConvertName(alert.Kind.ToString()));
            w.WriteString("state", alert.Raised ? "raised" : "cleared");
            w.WriteNumber("track", alert.Track);
            w.WriteNumber("time", Math.Round(alert.TimeS, 3));
            if (double.IsFinite(alert.Value))
            {
                w.WriteNumber("value", Math.Round(alert.Value, 4));
            }

            w.WriteString("message", alert.Message);
            w.WriteStartArray("measurements");
            foreach (var m in alert.Measurements)
            {
                w.WriteStartObject();
                w.WriteString("name", m.Name);
                w.WriteNumber("value", Math.Round(m.Value, 4));
                w.WriteString("unit", m.Unit);
                if (m.Rule is not null)
                {
                    w.WriteString("rule", m.Rule);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }
}
