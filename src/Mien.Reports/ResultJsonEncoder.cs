using System.Buffers;
using System.Text.Json;
using Mien.Results;

namespace Mien.Reports;

/// <summary>
/// Encodes updates in Mien's public result schema (<c>docs/schema/mien-results-1.schema.json</c>) as single JSON
/// objects, for live clients and the database: a frame becomes
/// <c>{"type":"frame","schema":"mien-results/1","frame":…,"time":…,"faces":[…]}</c> whose face objects are exactly
/// the face lines of faces.jsonl (<c>"type":"face"</c>; an empty array for a frame without faces), and events are
/// faces.jsonl's event lines (<c>"type":"event"</c>). One encoder per session (not thread-safe); the returned memory
/// is valid until the next call.
/// </summary>
public sealed class ResultJsonEncoder : IDisposable
{
    /// <summary>The schema identifier every frame message carries.</summary>
    public const string Schema = "mien-results/1";

    private readonly MemoryStream _lines = new();
    private readonly JsonlWriter _jsonl;
    private readonly ArrayBufferWriter<byte> _output = new(16 * 1024);
    private readonly Utf8JsonWriter _json;

    /// <summary>Creates an encoder.</summary>
    /// <param name="source">The input's name for every record's <c>source</c> field (as in faces.jsonl), or null to leave it out.</param>
    public ResultJsonEncoder(string? source = null)
    {
        _jsonl = new JsonlWriter(_lines, leaveOpen: true, source: source);
        _json = new Utf8JsonWriter(_output);
    }

    /// <summary>
    /// The update as one JSON object, or empty for updates that have no wire form (skin summaries, key moments, the
    /// completion: hosts describe those themselves). <paramref name="extra"/> adds fields to a frame message (e.g.
    /// server latency).
    /// </summary>
    public ReadOnlyMemory<byte> Encode(AnalysisUpdate update, Action<Utf8JsonWriter>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(update);
        _lines.SetLength(0);
        switch (update)
        {
            case FrameUpdate f:
                return EncodeFrame(f.Frame, extra);
            case TrackUpdate t: _jsonl.WriteEvent(t.Event); break;
            case SegmentUpdate s: _jsonl.WriteSegment(s.Segment); break;
            case FusedUpdate f: _jsonl.WriteFused(f.Fused); break;
            case SpeechUpdate s: _jsonl.WriteSpeech(s.Speech); break;
            case UtteranceUpdate u: _jsonl.WriteUtterance(u.Utterance); break;
            case PathUpdate p: _jsonl.WriteRun(p.Run); break;
            default: return ReadOnlyMemory<byte>.Empty;
        }

        // One event line, already typed {"type":"event",…} as in faces.jsonl; without its newline.
        _output.ResetWrittenCount();
        _output.Write(_lines.GetBuffer().AsSpan(0, (int)_lines.Length - 1));
        return _output.WrittenMemory;
    }

    private ReadOnlyMemory<byte> EncodeFrame(FrameAnalysis frame, Action<Utf8JsonWriter>? extra)
    {
        _jsonl.WriteFaces(frame);
        _output.ResetWrittenCount();
        _json.Reset();
        _json.WriteStartObject();
        _json.WriteString("type", "frame");
        _json.WriteString("schema", Schema);
        _json.WriteNumber("frame", frame.FrameIndex);
        _json.WriteNumber("time", Precision.Seconds(frame.Timestamp));
        extra?.Invoke(_json);
        _json.WriteStartArray("faces");
        var lines = _lines.GetBuffer().AsSpan(0, (int)_lines.Length);
        while (lines.Length > 0)
        {
            var end = lines.IndexOf((byte)'\n');
            _json.WriteRawValue(lines[..end], skipInputValidation: true);
            lines = lines[(end + 1)..];
        }

        _json.WriteEndArray();
        _json.WriteEndObject();
        _json.Flush();
        return _output.WrittenMemory;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _jsonl.Dispose();
        _json.Dispose();
        _lines.Dispose();
    }
}
