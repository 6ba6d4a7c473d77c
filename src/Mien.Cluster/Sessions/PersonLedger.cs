using Mien.Results;

namespace Mien.Cluster.Sessions;

/// <summary>
/// The people of one session across activations: numbers them (the pipeline's track ids restart with every new
/// activation, a person's number does not), keeps their running totals, and after a re-activation gives a new track
/// the number of the carried person whose last box it overlaps most (IoU ≥ <see cref="MinOverlap"/>): a face does not
/// jump in the second or two a silo takes to fail over. Pure; one per activation.
/// </summary>
internal sealed class PersonLedger
{
    /// <summary>Least box overlap for a new track to continue a carried person.</summary>
    public const float MinOverlap = 0.3f;

    private readonly Dictionary<int, int> _tracks = [];
    private readonly Dictionary<int, Tally> _people = [];
    private readonly HashSet<int> _carried = [];
    private int _next = 1;

    /// <summary>A ledger continuing <paramref name="checkpoint"/> (or a fresh one).</summary>
    public static PersonLedger From(SessionCheckpoint? checkpoint)
    {
        var ledger = new PersonLedger();
        if (checkpoint is null)
        {
            return ledger;
        }

        ledger._next = checkpoint.NextPerson;
        foreach (var p in checkpoint.People)
        {
            ledger._people[p.Person] = Tally.From(p);
            ledger._carried.Add(p.Person);
        }

        return ledger;
    }

    /// <summary>People carried from the checkpoint.</summary>
    public int Carried => _carried.Count;

    /// <summary>The frame with every face numbered by person; its faces' digests; totals updated.</summary>
    public (FrameAnalysis Frame, FaceDigest[] Faces) Observe(FrameAnalysis analysis)
    {
        var faces = new FaceObservation[analysis.Faces.Count];
        var digests = new FaceDigest[faces.Length];
        var t = analysis.Timestamp.TotalSeconds;
        for (var i = 0; i < faces.Length; i++)
        {
            var face = analysis.Faces[i];
            var person = PersonOf(face);
            var tally = _people[person];
            tally.Add(face, t);
            faces[i] = face with { TrackId = person };
            var va = face.Affect?.Affect;
            digests[i] = new FaceDigest(
                person, [face.Box.X, face.Box.Y, face.Box.Width, face.Box.Height], face.Expression is { } e ? [.. e.Probabilities] : null,
                va?.Valence, va?.Arousal, face.Gaze?.Yaw, face.Gaze?.Pitch);
        }

        return (analysis with { Faces = faces }, digests);
    }

    private int PersonOf(FaceObservation face)
    {
        if (_tracks.TryGetValue(face.TrackId, out var known))
        {
            return known;
        }

        var best = -1;
        var bestOverlap = MinOverlap;
        foreach (var carried in _carried)
        {
            var overlap = _people[carried].LastBox.IoU(face.Box);
            if (overlap >= bestOverlap)
            {
                best = carried;
                bestOverlap = overlap;
            }
        }

        if (best >= 0)
        {
            _carried.Remove(best);
        }
        else
        {
            best = _next++;
            _people[best] = new Tally();
        }

        _tracks[face.TrackId] = best;
        return best;
    }

    /// <summary>The totals as a checkpoint carries them.</summary>
    public (int NextPerson, List<PersonCheckpoint> People) Snapshot() => (_next, [.. _people.Select(p => p.Value.ToCheckpoint(p.Key)).OrderBy(p => p.Person)]);

    /// <summary>Per-person summaries.</summary>
    public IReadOnlyList<PersonSummary> Summaries() => [.. _people.OrderBy(p => p.Key).Select(p => p.Value.Summary(p.Key))];

    private sealed class Tally
    {
        public long Frames;
        public double[] ExpressionSums = new double[7];
        public long ExpressionFrames;
        public double ValenceSum, ArousalSum;
        public long AffectFrames;
        public double FirstSeenS = double.NaN, LastSeenS = double.NaN;
        public FaceBox LastBox;

        public static Tally From(PersonCheckpoint p) => new()
        {
            Frames = p.Frames,
            ExpressionSums = [.. p.ExpressionSums],
            ExpressionFrames = p.ExpressionFrames,
            ValenceSum = p.ValenceSum,
            ArousalSum = p.ArousalSum,
            AffectFrames = p.AffectFrames,
            FirstSeenS = p.FirstSeenS,
            LastSeenS = p.LastSeenS,
            LastBox = new FaceBox(p.LastBox[0], p.LastBox[1], p.LastBox[2], p.LastBox[3]),
        };

        public void Add(FaceObservation face, double t)
        {
            Frames++;
            FirstSeenS = double.IsNaN(FirstSeenS) ? t : FirstSeenS;
            LastSeenS = t;
            LastBox = face.Box;
            if (face.Expression is { } e)
            {
                ExpressionFrames++;
                for (var i = 0; i < 7; i++)
                {
                    ExpressionSums[i] += e.Probabilities[i];
                }
            }

            if (face.Affect?.Affect is { } va)
            {
                AffectFrames++;
                ValenceSum += va.Valence;
                ArousalSum += va.Arousal;
            }
        }

        public PersonCheckpoint ToCheckpoint(int person) =>
            new(person, Frames, [.. ExpressionSums], ExpressionFrames, ValenceSum, ArousalSum, AffectFrames, FirstSeenS, LastSeenS, [LastBox.X, LastBox.Y, LastBox.Width, LastBox.Height]);

        public PersonSummary Summary(int person) => new(
            person, Frames, ExpressionFrames == 0 ? [] : [.. ExpressionSums.Select(s => s / ExpressionFrames)],
            AffectFrames == 0 ? null : ValenceSum / AffectFrames, AffectFrames == 0 ? null : ArousalSum / AffectFrames, FirstSeenS, LastSeenS);
    }
}
