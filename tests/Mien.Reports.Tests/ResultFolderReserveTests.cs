namespace Mien.Reports.Tests;

/// <summary>The space a result folder sets aside so a run whose disk fills can still write its summary and report.</summary>
public sealed class ResultFolderReserveTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-reserve-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_reserve_holds_real_blocks_until_released_and_never_outlives_the_run()
    {
        var path = Path.Combine(_dir, "clip");
        var reserveFile = Path.Combine(path, ".mien-reserve");
        using (var folder = ResultFolder.Open(path, 256 * 1024))
        {
            Assert.Equal(256 * 1024, folder.Reserved);
            Assert.Equal(folder.Reserved, new FileInfo(reserveFile).Length);   // written, not a sparse length

            folder.ReleaseReserve();
            Assert.Equal(0, folder.Reserved);
            Assert.False(File.Exists(reserveFile));
        }

        // A killed run's leftovers (its reserve, a half-written summary) are removed by the next run into the folder.
        Directory.CreateDirectory(path);
        File.WriteAllText(reserveFile, "left by a killed run");
        File.WriteAllText(Path.Combine(path, "summary.json.partial"), "{\"discl");
        using (var again = ResultFolder.Open(path))
        {
            Assert.Equal(0, again.Reserved);
            Assert.False(File.Exists(reserveFile));
            Assert.False(File.Exists(Path.Combine(path, "summary.json.partial")));
        }
    }
}
