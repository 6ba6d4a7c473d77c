using Mien.Accuracy.Fairness;
using Mien.Accuracy.Landmarks;
using Mien.Skin;
using Mien.Testing;

namespace Mien.Accuracy.Tests;

[Collection(AccuracyCollection.Name)]
public sealed class FairnessTests(AccuracyModels models)
{
    private const string Helen = "landmarks/helen_test";

    [SharedDataFact(Helen)]
    public void AuditOfAFewRealFacesGroupsThemByMeasuredToneAndSaysTheGroupsAreTooSmall()
    {
        var images = AnnotatedImage.Scan(SharedData.Require(Helen), limit: 3);
        using var skin = new SkinAnalyzer();
        var records = images.Select(i => FairnessAudit.Measure(models.Faces, skin, i)).ToArray();

        Assert.All(records, r => Assert.True(r.Detected, r.Image));
        var measured = records.Where(r => r.Monk is not null).ToArray();
        Assert.NotEmpty(measured);
        Assert.All(measured, r => Assert.InRange(r.Monk!.Value, 1, 10));
        var groups = FairnessAudit.Groups(records);
        Assert.Equal(measured.Length, groups.Where(g => g.Grouping == "Monk").Sum(g => g.Faces));
        Assert.Equal(measured.Length, groups.Where(g => g.Grouping == "ITA°").Sum(g => g.Faces));
        Assert.All(groups, g => Assert.False(g.Conclusive));
        var md = FairnessAudit.Markdown("helen_test", records);
        Assert.Contains("too few to conclude", md, StringComparison.Ordinal);
        Assert.All(measured.Where(r => r.ItaShift is not null), r => Assert.InRange(r.ItaShift!.Value, 0, 30));
    }
}
