using System.Text.Json;
using System.Text.Json.Serialization;
using Mien.Reports;
using Mien.Results;
using Mien.Skin;
using Mien.Storage;

namespace Mien.Server.Jobs;

/// <summary>
/// Writes a session's updates to the store in the public result schema: frames by index and time, events by kind
/// and time (track, segment, fused, speech, path, skin), per-person summaries and the run summary at the end. The
/// store's writer batches and is idempotent (keys are frame index and event sequence), so a re-run job overwrites
/// rather than duplicates.
/// </summary>
internal sealed class DatabaseSink(IRecordingWriter writer, string? source = null) : IAnalysisSink, IDisposable
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    private readonly ResultJsonEncoder _encoder = new(source);
    private long _seq;

    public void Write(AnalysisUpdate update)
    {
        switch (update)
        {
            case FrameUpdate f:
                Wait(writer.WriteFrameAsync(new StoredFrame(f.Frame.FrameIndex, Seconds(f.Frame.Timestamp), f.Frame.Faces.Count, Text(update))));
                break;
            case TrackUpdate t:
                Event(t.Event.Kind switch { TrackEventKind.Started => "track-started", TrackEventKind.PersonLinked => "person-link", _ => "track-ended" }, t.Event.TrackId, t.Event.Timestamp, null, Text(update));
                break;
            case SegmentUpdate s:
                Event("expression-segment", s.Segment.TrackId, s.Segment.Segment.Onset, s.Segment.Segment.Offset, Text(update));
                break;
            case FusedUpdate f:
                Event("fused-affect", f.Fused.TrackId, f.Fused.Affect.Start, f.Fused.Affect.End, Text(update));
                break;
            case SpeechUpdate s:
                Event("speech", s.Speech.TrackId, s.Speech.Start, s.Speech.End, Text(update));
                break;
            case UtteranceUpdate u:
                Event("utterance", u.Utterance.TrackId, u.Utterance.Start, u.Utterance.End, Text(update));
                break;
            case PathUpdate p:
                Event("expression-path", p.Run.TrackId, p.Run.Start, p.Run.End, Text(update));
                break;
            case SkinUpdate s:
                var skin = JsonSerializer.Serialize(new { @event = "skin", track = s.TrackId, summary = s.Summary, suggestions = s.Suggestions }, Json);
                Event("skin", s.TrackId, TimeSpan.Zero, null, skin);
                break;
            case SessionCompleted c:
                foreach (var track in c.Summary.Tracks)
                {
                    Wait(writer.WritePersonSummaryAsync(new StoredPersonSummary(track.TrackId, JsonSerializer.Serialize(track, Json))));
                }

                using (var buffer = new MemoryStream())
                {
                    SummaryJsonWriter.Write(buffer, c.Summary);
                    Wait(writer.WriteSummaryAsync(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)));
                }

                break;
            default:
                break;
        }
    }

    private string Text(AnalysisUpdate update) => System.Text.Encoding.UTF8.GetString(_encoder.Encode(update).Span);

    private void Event(string kind, int? track, TimeSpan start, TimeSpan? end, string json) =>
        Wait(writer.WriteEventAsync(new StoredEvent(_seq++, kind, track, Seconds(start), end is { } e ? Seconds(e) : null, json)));

    // The writer queues (bounded) and returns at once; it only blocks the session when the database falls far behind.
    private static void Wait(ValueTask task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            task.AsTask().GetAwaiter().GetResult();
        }
    }

    private static double Seconds(TimeSpan t) => Math.Round(t.TotalSeconds, 3);

    public void Dispose() => _encoder.Dispose();
}
