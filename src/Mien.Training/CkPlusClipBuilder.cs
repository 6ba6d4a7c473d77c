using Mien.Affect;
using Mien.Expressions;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Training;

/// <summary>Settings of <see cref="CkPlusClipBuilder"/>.</summary>
public sealed record CkPlusClipOptions
{
    /// <summary>Pseudo-clips assembled per subject (default 2), each a different random order and timing.</summary>
    public int ClipsPerSubject { get; init; } = 2;

    /// <summary>Shortest time an expression is held (default 0.5 s).</summary>
    public double MinDwellSeconds { get; init; } = 0.5;

    /// <summary>Longest time an expression is held (default 3 s).</summary>
    public double MaxDwellSeconds { get; init; } = 3;

    /// <summary>Lowest frame rate of a clip (default 15 fps; each clip draws its own rate).</summary>
    public double MinFps { get; init; } = 15;

    /// <summary>Highest frame rate of a clip (default 30 fps).</summary>
    public double MaxFps { get; init; } = 30;

    /// <summary>Probability that a frame is dropped (time advances, no row), like a stalled decoder (default 0.1).</summary>
    public double DropProbability { get; init; } = 0.1;

    /// <summary>Probability of a neutral segment before each expression, when neutral crops are given (default 0.6).</summary>
    public double NeutralProbability { get; init; } = 0.6;

    /// <summary>Seed of every random choice (order, timing, drops, augmentation).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Limits the subjects used (the first N by id; null = all), for quick runs and tests.</summary>
    public int? MaxSubjects { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the option, value and constraint.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ClipsPerSubject, 1, nameof(ClipsPerSubject));
        if (!(MinDwellSeconds > 0 && MaxDwellSeconds >= MinDwellSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(MinDwellSeconds), $"dwell range [{MinDwellSeconds}, {MaxDwellSeconds}] s must be positive and ordered");
        }

        if (!(MinFps > 0 && MaxFps >= MinFps && MaxFps <= 240))
        {
            throw new ArgumentOutOfRangeException(nameof(MinFps), $"frame-rate range [{MinFps}, {MaxFps}] must be positive, ordered and at most 240");
        }

        if (!(DropProbability is >= 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(DropProbability), DropProbability, "must be within [0, 1)");
        }

        if (!(NeutralProbability is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(NeutralProbability), NeutralProbability, "must be within [0, 1]");
        }

        if (MaxSubjects is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSubjects), MaxSubjects, "must be at least 1");
        }
    }
}

/// <summary>
/// Builds labelled pseudo-clips from the CK+48 crops (<c>&lt;dir&gt;/labels.csv</c> with file,label,subject,sequence,frame;
/// the last three frames of each posed sequence): per subject, the sequences in random order, each held for a random
/// dwell at a random frame rate with random frame drops; every frame is a randomly augmented crop (shift, scale,
/// brightness/contrast, mirror) of one of the sequence's frames, cross-faded from the previous segment over a short
/// onset, classified by the real emotion CNN. Optional neutral segments come from another folder of neutral crops
/// (e.g. FER2013 train/neutral: other people, another domain); each subject gets its own disjoint neutral images.
/// </summary>
/// <remarks>
/// CK+'s contempt has no Mien label and is skipped. No geometry: the 48×48 crops are too small for a useful face mesh,
/// so pose, eye, mouth and action units are absent (masked) in these clips, and a model trained on them does not use
/// geometry. Pseudo-clips are not real video dynamics (posed apexes, synthetic timing).
/// </remarks>
public sealed class CkPlusClipBuilder
{
    private readonly EmotionClassifier _classifier;
    private readonly CkPlusClipOptions _options;

    /// <summary>Creates a builder that classifies frames with <paramref name="classifier"/>.</summary>
    public CkPlusClipBuilder(EmotionClassifier classifier, CkPlusClipOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        _classifier = classifier;
        _options = options ?? new CkPlusClipOptions();
        _options.Validate();
    }

    /// <summary>Builds the clips of every subject in <paramref name="ckplusDirectory"/>.</summary>
    /// <param name="ckplusDirectory">The CK+48 folder holding labels.csv and the label folders.</param>
    /// <param name="neutralDirectory">A folder of neutral face crops, or null for no neutral segments.</param>
    /// <param name="progress">Receives (subjects done, subjects total).</param>
    /// <exception cref="TrainingDataException">labels.csv or an image is missing or malformed.</exception>
    public IReadOnlyList<LabelledClip> Build(string ckplusDirectory, string? neutralDirectory = null, IProgress<(int Done, int Total)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(ckplusDirectory);
        var subjects = ReadSequences(ckplusDirectory);
        if (_options.MaxSubjects is { } max)
        {
            subjects = [.. subjects.Take(max)];
        }

        var neutral = neutralDirectory is null ? [] : NeutralImages(neutralDirectory);
        var perSubject = neutral.Length / Math.Max(1, subjects.Count);
        var clips = new List<LabelledClip>();
        using var state = new FrameState();
        for (var s = 0; s < subjects.Count; s++)
        {
            var (subject, sequences) = subjects[s];
            var pool = perSubject > 0 ? neutral.AsSpan(s * perSubject, perSubject).ToArray() : [];
            // A per-subject seed (not HashCode, which is salted per process) keeps a subject's clips identical whether or not other subjects are included.
            var random = new Random(unchecked((_options.Seed * 7919) + StableHash(subject)));
            for (var k = 0; k < _options.ClipsPerSubject; k++)
            {
                clips.Add(BuildClip(subject, $"{subject}-{k + 1}", sequences, pool, random, state));
            }

            progress?.Report((s + 1, subjects.Count));
        }

        return clips;
    }

    /// <summary>Reads labels.csv into per-subject sequences (label index, image paths), subjects ordered by id.</summary>
    internal static List<(string Subject, List<(int Label, string[] Files)> Sequences)> ReadSequences(string directory)
    {
        var labels = Path.Combine(directory, "labels.csv");
        if (!File.Exists(labels))
        {
            throw new TrainingDataException($"'{directory}' is not a CK+48 folder: labels.csv (file,label,subject,sequence,frame) is missing");
        }

        var bySequence = new SortedDictionary<(string Subject, string Sequence), (int Label, List<string> Files)>();
        var lines = File.ReadAllLines(labels);
        for (var i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            if (cells.Length < 4)
            {
                throw new TrainingDataException($"'{labels}' line {i + 1}: expected file,label,subject,sequence,frame");
            }

            var label = LabelIndex(cells[1]);
            if (label < 0)
            {
                continue;
            }

            var file = Path.Combine(directory, cells[0]);
            var key = (cells[2], cells[3]);
            if (!bySequence.TryGetValue(key, out var entry))
            {
                bySequence[key] = entry = (label, []);
            }

            entry.Files.Add(file);
        }

        return [.. bySequence
            .GroupBy(e => e.Key.Subject, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Select(e => (e.Value.Label, e.Value.Files.ToArray())).ToList()))];
    }

    private static IReadOnlyList<string> Labels => ExpressionEstimate.Labels;

    private static int LabelIndex(string label)
    {
        for (var i = 0; i < Labels.Count; i++)
        {
            if (Labels[i] == label)
            {
                return i;
            }
        }

        return -1;
    }

    private static string[] NeutralImages(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new TrainingDataException($"neutral crop folder '{directory}' does not exist");
        }

        var files = Directory.GetFiles(directory).Where(f => f.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)).ToArray();
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    private LabelledClip BuildClip(string subject, string id, List<(int Label, string[] Files)> sequences, string[] neutralPool, Random random, FrameState state)
    {
        var order = sequences.ToArray();
        random.Shuffle(order);
        var segments = new List<(int Label, string[] Files)>();
        foreach (var sequence in order)
        {
            if (neutralPool.Length > 0 && random.NextDouble() < _options.NeutralProbability)
            {
                segments.Add((Labels.Count - 1, [neutralPool[random.Next(neutralPool.Length)]]));
            }

            segments.Add(sequence);
        }

        var fps = _options.MinFps + (random.NextDouble() * (_options.MaxFps - _options.MinFps));
        var frames = new List<TemporalInput>();
        var labels = new List<int>();
        var segmentStart = 0.0;
        var frame = 0L;
        state.Previous.Dispose();
        state.Previous = new Mat();
        foreach (var (label, files) in segments)
        {
            var dwell = _options.MinDwellSeconds + (random.NextDouble() * (_options.MaxDwellSeconds - _options.MinDwellSeconds));
            var onset = 0.1 + (random.NextDouble() * 0.4);
            var images = files.Select(f => Load(f, state)).ToArray();
            try
            {
                // One frame clock for the whole clip (frame k at k/fps), so segment boundaries do not shorten a period.
                for (; frame / fps < segmentStart + dwell; frame++)
                {
                    var now = frame / fps;
                    if (random.NextDouble() < _options.DropProbability)
                    {
                        continue;
                    }

                    var source = images[random.Next(images.Length)];
                    Augment(source, state.Augmented, random);
                    // Onset: fade from where the previous segment ended, so the classifier sees a transition, not a cut.
                    var alpha = Math.Min(1, (now - segmentStart) / onset);
                    if (alpha < 1 && !state.Previous.Empty())
                    {
                        Cv2.AddWeighted(state.Augmented, alpha, state.Previous, 1 - alpha, 0, state.Blend);
                        state.Blend.CopyTo(state.Augmented);
                    }

                    var estimate = _classifier.ClassifyCrop(state.Augmented);
                    frames.Add(new TemporalInput(TimeSpan.FromSeconds(Math.Round(now, 6)), estimate.Probabilities, 1f));
                    labels.Add(label);
                }

                state.Previous.Dispose();
                state.Previous = images[^1].Clone();
            }
            finally
            {
                foreach (var image in images)
                {
                    image.Dispose();
                }
            }

            segmentStart += dwell;
        }

        return new LabelledClip(subject, id, frames, labels);
    }

    private static Mat Load(string file, FrameState state)
    {
        var image = Cv2.ImRead(file, ImreadModes.Grayscale);
        if (image.Empty())
        {
            image.Dispose();
            throw new TrainingDataException($"cannot read image '{file}'");
        }

        if (image.Width != 48 || image.Height != 48)
        {
            Cv2.Resize(image, state.Resized, new Size(48, 48), 0, 0, InterpolationFlags.Area);
            image.Dispose();
            return state.Resized.Clone();
        }

        return image;
    }

    /// <summary>Random similarity transform (shift ±3 px, scale 0.9–1.1, rotation ±5°), gain/offset and mirror.</summary>
    private static void Augment(Mat source, Mat destination, Random random)
    {
        var centre = new Point2f(24 + (float)((random.NextDouble() * 6) - 3), 24 + (float)((random.NextDouble() * 6) - 3));
        using var matrix = Cv2.GetRotationMatrix2D(centre, (random.NextDouble() * 10) - 5, 0.9 + (random.NextDouble() * 0.2));
        Cv2.WarpAffine(source, destination, matrix, new Size(48, 48), InterpolationFlags.Linear, BorderTypes.Replicate);
        destination.ConvertTo(destination, -1, 0.8 + (random.NextDouble() * 0.4), (random.NextDouble() * 30) - 15);
        if (random.Next(2) == 1)
        {
            Cv2.Flip(destination, destination, FlipMode.Y);
        }
    }

    private static int StableHash(string s)
    {
        var h = 17;
        foreach (var ch in s)
        {
            h = unchecked((h * 31) + ch);
        }

        return h;
    }

    /// <summary>Scratch images reused across frames.</summary>
    private sealed class FrameState : IDisposable
    {
        public Mat Augmented { get; } = new();

        public Mat Blend { get; } = new();

        public Mat Resized { get; } = new();

        public Mat Previous { get; set; } = new();

        public void Dispose()
        {
            Augmented.Dispose();
            Blend.Dispose();
            Resized.Dispose();
            Previous.Dispose();
        }
    }
}
