using System.Globalization;
using Mien.Results;
using Mien.Skin;

namespace Mien.Reports;

/// <summary>faces.jsonl: every frame, track event, segment, fused window, speech and path run, one JSON object a line.</summary>
public sealed class JsonlSink(JsonlWriter writer) : IAnalysisSink, IDisposable
{
    /// <summary>A sink writing to <paramref name="path"/> (replaced if it exists); <paramref name="source"/> names the input on every line (<c>AnalysisSession.SourceName</c>).</summary>
    public static JsonlSink Create(string path, string? source = null) => new(JsonlWriter.Create(path, source));

    /// <inheritdoc />
    public void Write(AnalysisUpdate update)
    {
        switch (update)
        {
            case FrameUpdate f: writer.WriteFrame(f.Frame); break;
            case TrackUpdate t: writer.WriteEvent(t.Event); break;
            case SegmentUpdate s: writer.WriteSegment(s.Segment); break;
            case FusedUpdate f: writer.WriteFused(f.Fused); break;
            case SpeechUpdate s: writer.WriteSpeech(s.Speech); break;
            case UtteranceUpdate u: writer.WriteUtterance(u.Utterance); break;
            case PathUpdate p: writer.WriteRun(p.Run); break;
            default: break;
        }
    }

    /// <inheritdoc />
    public void Dispose() => writer.Dispose();
}

/// <summary>faces.csv: one row per face per frame, and one for each frame without a face.</summary>
public sealed class CsvSink(CsvWriter writer) : IAnalysisSink, IDisposable
{
    /// <summary>A sink writing to <paramref name="path"/> (replaced if it exists); <paramref name="source"/> fills the <c>source</c> column.</summary>
    public static CsvSink Create(string path, string? source = null) => new(CsvWriter.Create(path, source));

    /// <inheritdoc />
    public void Write(AnalysisUpdate update)
    {
        if (update is FrameUpdate f)
        {
            writer.WriteFrame(f.Frame);
        }
    }

    /// <inheritdoc />
    public void Dispose() => writer.Dispose();
}

/// <summary>
/// summary.json and the self-contained report.html, written when the session completes: keeps the downsampled
/// per-person series, segments, skin, fused windows, speech, the offline path and key moments meanwhile.
/// </summary>
public sealed class ReportSink(string folder, HtmlReportOptions? options = null) : IAnalysisSink
{
    private readonly ReportSeriesBuilder _series = new();
    private readonly List<TrackSegment> _segments = [];
    private readonly Dictionary<int, SkinReport> _skin = [];
    private readonly List<TrackFusedAffect> _fused = [];
    private readonly List<SpeechSpan> _speech = [];
    private readonly List<ExpressionRun> _paths = [];
    private readonly List<KeyMoment> _moments = [];

    /// <summary>The report's path.</summary>
    public string ReportPath { get; } = Path.Combine(folder, "report.html");

    /// <inheritdoc />
    public void Write(AnalysisUpdate update)
    {
        switch (update)
        {
            case FrameUpdate f: _series.Add(f.Frame); break;
            case SegmentUpdate s: _segments.Add(s.Segment); break;
            case FusedUpdate f: _fused.Add(f.Fused); break;
            case SpeechUpdate s: _speech.Add(Span(s.Speech)); break;
            case PathUpdate p: _paths.Add(p.Run); break;
            case KeyMomentUpdate k: _moments.Add(k.Moment); break;
            case SkinUpdate s: _skin[s.TrackId] = new SkinReport(s.Summary, s.OverlayJpeg, s.Suggestions, s.Profile); break;
            case SessionCompleted c: Complete(c); break;
            default: break;
        }
    }

    private void Complete(SessionCompleted completed)
    {
        SummaryJsonWriter.WriteFile(Path.Combine(folder, "summary.json"), completed.Summary);
        var attachments = new ReportAttachments
        {
            Segments = _segments,
            Skin = _skin,
            Fused = _fused,
            Speech = _speech,
            VoiceNote = completed.VoiceNote,
            Paths = _paths,
        };
        HtmlReport.WriteFile(ReportPath, completed.Summary, _series.Build(), _moments, options, attachments);
    }

    private static SpeechSpan Span(SpeechResult s) => new(
        s.TrackId, s.Start, s.End, s.Arousal, s.Valence, s.Confidence, s.MouthAudioCorrelation,
        string.Create(CultureInfo.InvariantCulture, $"F0 {s.Prosody.F0MeanHz:F0} Hz ± {s.Prosody.F0SdSemitones:F1} st, {s.Prosody.LoudnessMeanDb:F0} dB, {s.Prosody.SpeakingRate:F1} syllables/s"));
}
