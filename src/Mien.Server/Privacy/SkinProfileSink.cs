using System.Text.Json;
using Mien.Results;
using Mien.Server.Jobs;
using Mien.Skin;
using Mien.Storage;

namespace Mien.Server.Privacy;

/// <summary>
/// Adds each person's skin summary of an analysis to the subject's longitudinal skin profile. Used only when the
/// subject consented to the skin-profile scope (and only for recordings of one subject: the first person with a skin
/// summary is taken to be the subject).
/// </summary>
internal sealed class SkinProfileSink(IMienStore store, Guid projectId, Guid subjectId, Guid? recordingId, TimeProvider time) : IAnalysisSink
{
    private bool _written;

    public void Write(AnalysisUpdate update)
    {
        if (update is not SkinUpdate skin || _written)
        {
            return;
        }

        _written = true;
        var payload = JsonSerializer.Serialize(new { track = skin.TrackId, summary = skin.Summary, suggestions = skin.Suggestions }, DatabaseSink.Json);
        store.AppendSkinSessionAsync(projectId, subjectId, recordingId, time.GetUtcNow(), payload, CancellationToken.None).GetAwaiter().GetResult();
    }
}
