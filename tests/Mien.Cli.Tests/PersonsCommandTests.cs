namespace Mien.Cli.Tests;

/// <summary>
/// `mien persons` refuses what it cannot do with a message and its exit code (the split itself runs on real stored
/// results in Mien.Server.Tests' PersonSplitTests, through the same <c>ResultFolderPersons</c>).
/// </summary>
[Collection(CliCollection.Name)]
public sealed class PersonsCommandTests
{
    [Fact]
    public async Task Missing_results_and_malformed_tracks_are_refused_with_their_exit_codes()
    {
        var empty = Directory.CreateTempSubdirectory("mien-persons-").FullName;
        try
        {
            var (code, _, err) = await InProcessMien.RunAsync("persons", "list", empty);
            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains("no faces.jsonl", err, StringComparison.Ordinal);

            (code, _, err) = await InProcessMien.RunAsync("persons", "split", empty, "--person", "1", "--tracks", "3,x");
            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains("--tracks: track 'x'", err, StringComparison.Ordinal);

            (code, _, err) = await InProcessMien.RunAsync("persons", "split", Path.Combine(empty, "nope"), "--person", "1", "--tracks", "2");
            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains("nope", err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }
}
