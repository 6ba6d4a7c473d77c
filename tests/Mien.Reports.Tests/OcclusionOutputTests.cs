using Mien.Results;

namespace Mien.Reports.Tests;

/// <summary>The occlusion estimate in faces.csv and in the report (share of each track's frames covered, what was withheld).</summary>
public sealed class OcclusionOutputTests
{
    [Fact]
    public void Csv_rows_carry_the_occlusion_estimate_and_empty_cells_where_none_was_made()
    {
        var writer = new StringWriter();
        using (var csv = new CsvWriter(writer, leaveOpen: true))
        {
            foreach (var update in SyntheticRecords.Updates().OfType<FrameUpdate>())
            {
                csv.WriteFrame(update.Frame);
            }
        }

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',').ToList();
        string Cell(int row, string column) => lines[row].Split(',')[header.IndexOf(column)];

        // Row 2 is the face whose mouth and nose were covered (0.82): expression and identity withheld.
        Assert.Equal(("0.82", "0.1", "true", "false", "expression;identity"), (Cell(2, "occlusionMouthNose"), Cell(2, "occlusionEyes"), Cell(2, "mouthNoseCovered"), Cell(2, "eyesCovered"), Cell(2, "occlusionWithheld")));

        // Row 1 is a face with no estimate: empty cells, not "false".
        Assert.All(new[] { "occlusionMouthNose", "occlusionEyes", "mouthNoseCovered", "eyesCovered", "occlusionWithheld" }, c => Assert.Equal("", Cell(1, c)));
    }

    [Fact]
    public void Report_says_how_often_each_track_was_covered_and_what_was_withheld()
    {
        // Track 1's mouth and nose covered (a mask) for the first 15 s of 60, with expression and skin withheld then.
        var masked = new FaceOcclusion(0.93f, 0.05f, true, false) { Withheld = ["expression", "skin", "identity"] };
        var clear = new FaceOcclusion(0.1f, 0.05f, false, false);
        var frames = SyntheticSession.Create(secondPerson: true)
            .Select(f => f with { Faces = [.. f.Faces.Select(face => face.TrackId == 1 ? face with { Occlusion = f.Timestamp.TotalSeconds < 15 ? masked : clear } : face)] })
            .ToList();
        var writer = new StringWriter();
        HtmlReport.Write(writer, SyntheticSession.Summary(frames), SyntheticSession.Series(frames), [], new HtmlReportOptions { GeneratedAt = DateTimeOffset.UnixEpoch });
        var html = writer.ToString();

        var one = Between(html, "id=\"occlusion-1\"", "</div>");
        var seen = frames.Count(f => f.Faces.Any(x => x.TrackId == 1));
        var covered = frames.Count(f => f.Timestamp.TotalSeconds < 15 && f.Faces.Any(x => x.TrackId == 1));
        Assert.Contains($"Mouth and nose covered</th><td>{Markup.Number(covered, 0)} frames ({Markup.Percent((double)covered / seen)} of frames with an estimate)", one, StringComparison.Ordinal);
        Assert.Contains("Withheld: expression estimates", one, StringComparison.Ordinal);
        Assert.Contains("Eyes covered</th><td>none", one, StringComparison.Ordinal);

        // Track 2 had no estimate at all: said so, and nothing claimed withheld.
        Assert.Contains("Not estimated on any frame", Between(html, "id=\"occlusion-2\"", "</div>"), StringComparison.Ordinal);
    }

    private static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"'{start}' not in the report");
        var to = text.IndexOf(end, from, StringComparison.Ordinal);
        return text[from..to];
    }
}
