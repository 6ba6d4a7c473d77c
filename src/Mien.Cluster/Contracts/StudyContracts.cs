namespace Mien.Cluster;

/// <summary>
/// One study stimulus in the cluster, keyed by "{study}/{stimulus}": collects its viewers' per-frame measurements per
/// stimulus second as batches arrive from sessions on any silo. Batches carry a per-viewer sequence id and are applied
/// at most once (a retried or replayed batch is acknowledged and ignored), and the sums are kept in fixed point, so
/// the aggregate does not depend on the order or the silo batches arrived through: several silos give exactly what one
/// node gives.
/// </summary>
public interface IStudyGrain : IGrainWithStringKey
{
    /// <summary>Applies a batch unless its (viewer, sequence) was applied before.</summary>
    Task<BatchAck> AddAsync(ViewerBatch batch);

    /// <summary>The exact per-viewer per-second totals; <see cref="StudyTotals.ToViewerSeconds"/> turns them into the study statistics' input.</summary>
    Task<StudyTotals> TotalsAsync();
}

/// <summary>Measurements of one viewer's frames, already aligned to stimulus seconds.</summary>
/// <param name="Viewer">The viewing's id.</param>
/// <param name="Sequence">The batch's sequence within the viewing (0, 1, …): the idempotency key with <paramref name="Viewer"/>.</param>
/// <param name="Seconds">The stimulus's length in whole seconds (1–21600); every batch of a study must agree.</param>
/// <param name="Samples">One sample per frame.</param>
[GenerateSerializer, Immutable]
public sealed record ViewerBatch([property: Id(0)] string Viewer, [property: Id(1)] long Sequence, [property: Id(2)] int Seconds, [property: Id(3)] IReadOnlyList<StudySample> Samples);

/// <summary>One frame of a viewer at a stimulus second: a value per study metric (in <see cref="Mien.Studies.StudyMetric"/> order; NaN where the frame had none).</summary>
[GenerateSerializer, Immutable]
public sealed record StudySample([property: Id(0)] int Second, [property: Id(1)] float[] Values);

/// <summary>The answer to a batch.</summary>
/// <param name="Applied">False when the batch had been applied before (replay ignored).</param>
/// <param name="Viewers">Viewers with at least one batch.</param>
/// <param name="Batches">Batches applied in total.</param>
[GenerateSerializer, Immutable]
public sealed record BatchAck([property: Id(0)] bool Applied, [property: Id(1)] int Viewers, [property: Id(2)] long Batches);

/// <summary>Exact totals of a stimulus: per viewer, per metric and second, a fixed-point sum and a count.</summary>
[GenerateSerializer, Immutable]
public sealed record StudyTotals([property: Id(0)] int Seconds, [property: Id(1)] IReadOnlyList<ViewerTotals> Viewers, [property: Id(2)] long Batches)
{
    /// <summary>The viewers' per-second means, ready for <see cref="Mien.Studies.StudyAggregator"/> (viewers in id order).</summary>
    public IReadOnlyList<Mien.Studies.ViewerSeconds> ToViewerSeconds() => [.. Viewers.OrderBy(v => v.Viewer, StringComparer.Ordinal).Select(v => v.ToViewerSeconds(Seconds))];
}

/// <summary>One viewer's totals: <see cref="Sums"/> and <see cref="Counts"/> indexed [metric × seconds + second].</summary>
[GenerateSerializer, Immutable]
public sealed record ViewerTotals([property: Id(0)] string Viewer, [property: Id(1)] long[] Sums, [property: Id(2)] int[] Counts, [property: Id(3)] int[] Frames)
{
    /// <summary>Fixed-point scale of <see cref="Sums"/>: integers add up the same in any order, doubles do not.</summary>
    public const double Scale = 1e9;

    /// <summary>The viewer's per-second means (NaN where no frame carried the metric).</summary>
    public Mien.Studies.ViewerSeconds ToViewerSeconds(int seconds)
    {
        var metrics = Mien.Studies.StudyMetrics.Count;
        var rows = new double[metrics][];
        for (var m = 0; m < metrics; m++)
        {
            rows[m] = new double[seconds];
            for (var s = 0; s < seconds; s++)
            {
                var i = (m * seconds) + s;
                rows[m][s] = Counts[i] == 0 ? double.NaN : Sums[i] / Scale / Counts[i];
            }
        }

        return Mien.Studies.ViewerSeconds.FromValues(rows, Frames);
    }
}
