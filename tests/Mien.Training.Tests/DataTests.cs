using FsCheck;
using FsCheck.Xunit;

namespace Mien.Training.Tests;

public sealed class DataTests
{
    [Property(MaxTest = 100)]
    public bool KFoldNeverPutsASubjectOnBothSides(PositiveInt seed, byte subjectCount, byte clipCount, byte foldCount)
    {
        var subjects = 2 + (subjectCount % 30);
        var folds = 2 + (foldCount % (subjects - 1));
        var random = new Random(seed.Get);
        var clips = Enumerable.Range(0, 1 + (clipCount % 80))
            .Select(i => new LabelledClip($"S{random.Next(subjects)}", $"c{i}", [], []))
            .ToArray();
        var distinct = clips.Select(c => c.Subject).Distinct().Count();
        if (distinct < folds)
        {
            return true;
        }

        var split = SubjectSplit.KFold(clips, folds, seed.Get);
        var testedOnce = split.SelectMany(f => f.Test).GroupBy(c => c.Id).All(g => g.Count() == 1) && split.Sum(f => f.Test.Count) == clips.Length;
        var disjoint = split.All(f => !f.Train.Select(c => c.Subject).Intersect(f.Test.Select(c => c.Subject)).Any());
        var (train, validation) = distinct >= 2 ? SubjectSplit.Holdout(clips, 0.2, seed.Get) : (clips, []);
        var holdoutDisjoint = !train.Select(c => c.Subject).Intersect(validation.Select(c => c.Subject)).Any();
        return testedOnce && disjoint && holdoutDisjoint;
    }

    [Fact]
    public void ClipCsvRoundTripsEveryField()
    {
        var clip = GruParityTests.SyntheticClip(new Random(2), 50);
        var path = Path.Combine(Path.GetTempPath(), $"mien-clips-{Guid.NewGuid():N}.csv");
        try
        {
            ClipCsv.Write(path, [clip]);
            var back = Assert.Single(ClipCsv.Read(path));
            Assert.Equal(clip.Labels, back.Labels);
            for (var i = 0; i < clip.Frames.Count; i++)
            {
                var (a, b) = (clip.Frames[i], back.Frames[i]);
                Assert.Equal(a.Timestamp.TotalSeconds, b.Timestamp.TotalSeconds, 6);
                Assert.Equal(a.Probabilities, b.Probabilities);
                Assert.Equal(a.Reliability, b.Reliability);
                Assert.Equal(a.Pose, b.Pose);
                Assert.Equal(a.EyeOpenness, b.EyeOpenness);
                Assert.Equal(a.MouthOpening, b.MouthOpening);
                Assert.Equal(a.Units?.Intensities, b.Units?.Intensities);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ClipCsvNamesTheLineOfABadLabel()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mien-clips-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllLines(path, ["subject,clip,time_s,label,anger,disgust,fear,happiness,sadness,surprise,neutral", "a,1,0,happiness,0,0,0,1,0,0,0", "a,1,0.04,joy,0,0,0,1,0,0,0"]);
            var e = Assert.Throws<TrainingDataException>(() => ClipCsv.Read(path));
            Assert.Contains("line 3", e.Message, StringComparison.Ordinal);
            Assert.Contains("joy", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Property(MaxTest = 50)]
    public bool UnreliableFramesAreLeftOutOfTrainingFeaturesAndDeltaCountsFromTheLastKeptFrame(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var clip = GruParityTests.SyntheticClip(random, 40);
        var frames = clip.Frames.Select(f => random.Next(4) == 0 ? f with { Reliability = 0 } : f).ToArray();
        var features = ClipFeatures.From(clip with { Frames = frames });
        var kept = frames.Where(f => f.Reliability > 0).ToArray();
        if (features.Length != kept.Length)
        {
            return false;
        }

        for (var i = 1; i < kept.Length; i++)
        {
            var expected = (float)Math.Min(1, (kept[i].Timestamp - kept[i - 1].Timestamp).TotalSeconds);
            if (MathF.Abs(features.Features[(i * Mien.Affect.Recurrent.TemporalFeatures.Length) + Mien.Affect.Recurrent.TemporalFeatures.DeltaIndex] - expected) > 1e-6f)
            {
                return false;
            }
        }

        return true;
    }
}
