using Mien.Studies;

namespace Mien.Cluster.Studies;

/// <summary>What a study grain keeps: exact per-viewer totals and, per viewer, the batch sequences applied.</summary>
[GenerateSerializer]
internal sealed class StudyState
{
    [Id(0)] public int Seconds { get; set; }

    [Id(1)] public Dictionary<string, ViewerState> Viewers { get; set; } = new(StringComparer.Ordinal);

    [Id(2)] public long Batches { get; set; }
}

/// <summary>One viewer's totals and the sequences applied (all below <see cref="Contiguous"/>, plus the few above it).</summary>
[GenerateSerializer]
internal sealed class ViewerState
{
    [Id(0)] public long[] Sums { get; set; } = [];

    [Id(1)] public int[] Counts { get; set; } = [];

    [Id(2)] public int[] Frames { get; set; } = [];

    /// <summary>Every sequence below this was applied (batches usually arrive in order, so the set above stays small).</summary>
    [Id(3)] public long Contiguous { get; set; }

    [Id(4)] public HashSet<long> Above { get; set; } = [];
}

/// <summary>
/// The study grain (see <see cref="IStudyGrain"/>). A batch is validated as a whole before any of it is applied, the
/// state is written before the batch is acknowledged, so an acknowledged batch survives the silo, and a batch whose
/// acknowledgement was lost is recognised by its sequence when it is sent again.
/// </summary>
internal sealed class StudyGrain([PersistentState("study", MienClusterOptions.Storage)] IPersistentState<StudyState> state) : Grain, IStudyGrain
{
    public async Task<BatchAck> AddAsync(ViewerBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Validate(batch);
        var s = state.State;
        if (s.Seconds == 0)
        {
            s.Seconds = batch.Seconds;
        }
        else if (s.Seconds != batch.Seconds)
        {
            throw new ArgumentException($"batch {batch.Sequence} of viewer '{batch.Viewer}' says the stimulus lasts {batch.Seconds} s; this study's batches said {s.Seconds} s", nameof(batch));
        }

        var metrics = StudyMetrics.Count;
        if (!s.Viewers.TryGetValue(batch.Viewer, out var viewer))
        {
            viewer = new ViewerState { Sums = new long[metrics * s.Seconds], Counts = new int[metrics * s.Seconds], Frames = new int[s.Seconds] };
            s.Viewers[batch.Viewer] = viewer;
        }

        if (batch.Sequence < viewer.Contiguous || viewer.Above.Contains(batch.Sequence))
        {
            return new BatchAck(false, s.Viewers.Count, s.Batches);
        }

        foreach (var sample in batch.Samples)
        {
            viewer.Frames[sample.Second]++;
            for (var m = 0; m < metrics; m++)
            {
                var v = sample.Values[m];
                if (!float.IsNaN(v))
                {
                    var i = (m * s.Seconds) + sample.Second;
                    viewer.Sums[i] += (long)Math.Round(v * ViewerTotals.Scale);
                    viewer.Counts[i]++;
                }
            }
        }

        viewer.Above.Add(batch.Sequence);
        while (viewer.Above.Remove(viewer.Contiguous))
        {
            viewer.Contiguous++;
        }

        s.Batches++;
        await state.WriteStateAsync();
        return new BatchAck(true, s.Viewers.Count, s.Batches);
    }

    public Task<StudyTotals> TotalsAsync()
    {
        var s = state.State;
        return Task.FromResult(new StudyTotals(
            s.Seconds,
            [.. s.Viewers.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => new ViewerTotals(v.Key, [.. v.Value.Sums], [.. v.Value.Counts], [.. v.Value.Frames]))],
            s.Batches));
    }

    private static void Validate(ViewerBatch batch)
    {
        if (string.IsNullOrWhiteSpace(batch.Viewer) || batch.Viewer.Length > 128)
        {
            throw new ArgumentException($"{nameof(ViewerBatch.Viewer)} = '{batch.Viewer}': must be 1–128 characters", nameof(batch));
        }

        if (batch.Sequence < 0)
        {
            throw new ArgumentException($"{nameof(ViewerBatch.Sequence)} = {batch.Sequence}: must be 0 or more", nameof(batch));
        }

        if (batch.Seconds is < 1 or > 6 * 3600)
        {
            throw new ArgumentException($"{nameof(ViewerBatch.Seconds)} = {batch.Seconds}: must be between 1 and 21600", nameof(batch));
        }

        foreach (var sample in batch.Samples)
        {
            if (sample.Second < 0 || sample.Second >= batch.Seconds)
            {
                throw new ArgumentException($"a sample of batch {batch.Sequence} is at second {sample.Second}, outside the stimulus's 0..{batch.Seconds - 1}", nameof(batch));
            }

            if (sample.Values is null || sample.Values.Length != StudyMetrics.Count)
            {
                throw new ArgumentException($"a sample of batch {batch.Sequence} has {sample.Values?.Length ?? 0} values; one per study metric ({StudyMetrics.Count}) is needed", nameof(batch));
            }

            for (var m = 0; m < StudyMetrics.Count; m++)
            {
                var v = sample.Values[m];
                var (lo, hi) = ViewerAligner.Range((StudyMetric)m);
                if (!float.IsNaN(v) && !(v >= lo && v <= hi))
                {
                    throw new ArgumentException($"{StudyMetrics.Name((StudyMetric)m)} = {v} at second {sample.Second} of batch {batch.Sequence} is outside [{lo}, {hi}]", nameof(batch));
                }
            }
        }
    }
}
