using System.CommandLine;
using Mien.Affect.Recurrent;
using Mien.Cli.Commands;
using Mien.Testing;

namespace Mien.Cli.Tests;

/// <summary>`mien train temporal` in-process on a small real CK+48 subset (../shared/data) with the real emotion model.</summary>
[Collection(CliCollection.Name)]
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-train-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Out, string Err)> Mien(params string[] args)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var outWriter = new StringWriter();
        using var errWriter = new StringWriter();
        Console.SetOut(outWriter);
        Console.SetError(errWriter);
        try
        {
            var code = await CommandRunner.InvokeAsync(new RootCommand { TrainCommand.Create() }, args);
            return (code, outWriter.ToString(), errWriter.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    /// <summary>A CK+48 folder with the first <paramref name="subjects"/> subjects (labels.csv rewritten, images copied).</summary>
    private string CkPlusSubset(int subjects)
    {
        var source = SharedData.Require("ckplus48_dev");

        var target = Path.Combine(_dir, "ckplus");
        var lines = File.ReadAllLines(Path.Combine(source, "labels.csv"));
        var keep = lines.Skip(1).Select(l => l.Split(',')).Where(c => c[1] != "contempt").Select(c => c[2]).Distinct().Order(StringComparer.Ordinal).Take(subjects).ToHashSet();
        var rows = lines.Skip(1).Where(l => keep.Contains(l.Split(',')[2])).ToArray();
        foreach (var row in rows)
        {
            var file = row.Split(',')[0];
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, file))!);
            File.Copy(Path.Combine(source, file), Path.Combine(target, file));
        }

        File.WriteAllLines(Path.Combine(target, "labels.csv"), [lines[0], .. rows]);
        return target;
    }

    [SharedDataFact("ckplus48_dev")]
    public async Task CkPlus_training_evaluates_by_subject_and_writes_loadable_weights_and_clips()
    {
        var ckplus = CkPlusSubset(6);

        var weights = Path.Combine(_dir, "out", "model.gru");
        var clips = Path.Combine(_dir, "clips.csv");
        var (code, stdout, stderr) = await Mien("train", "temporal", ckplus, "--ckplus", "-o", weights, "--save-clips", clips,
            "--folds", "2", "--epochs", "3", "--hidden", "8", "--clips-per-subject", "1", "--offline");

        Assert.True(code == 0, stderr);
        Assert.Contains("6 subject(s)", stdout, StringComparison.Ordinal);
        Assert.Contains("fold 2/2", stdout, StringComparison.Ordinal);
        foreach (var model in new[] { "truth", "raw", "hmm", "gru" })
        {
            Assert.Matches($@"(?m)^\s+{model}\s+\d+\.\d %", stdout);
        }

        var model8 = GruExpressionModel.Load(weights);
        Assert.Equal(8, model8.Weights.HiddenSize);
        Assert.True(File.Exists(Path.ChangeExtension(weights, ".json")));
        Assert.True(new FileInfo(clips).Length > 0);

        // The saved clips train again without rebuilding, and the same seed gives the same weights byte for byte.
        var a = Path.Combine(_dir, "a.gru");
        var b = Path.Combine(_dir, "b.gru");
        Assert.Equal(0, (await Mien("train", "temporal", clips, "-o", a, "--folds", "0", "--epochs", "2", "--hidden", "8", "--seed", "5")).Code);
        Assert.Equal(0, (await Mien("train", "temporal", clips, "-o", b, "--folds", "0", "--epochs", "2", "--hidden", "8", "--seed", "5")).Code);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }

    [Fact]
    public async Task Missing_or_malformed_input_is_a_bad_input_error_naming_the_problem()
    {
        var (code, _, stderr) = await Mien("train", "temporal", Path.Combine(_dir, "nope.csv"), "-o", Path.Combine(_dir, "x.gru"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("does not exist", stderr, StringComparison.Ordinal);

        var csv = Path.Combine(_dir, "one-subject.csv");
        File.WriteAllLines(csv, ["subject,clip,time_s,label,anger,disgust,fear,happiness,sadness,surprise,neutral", "a,1,0,happiness,0,0,0,1,0,0,0", "a,1,0.04,happiness,0,0,0,1,0,0,0"]);
        (code, _, stderr) = await Mien("train", "temporal", csv, "-o", Path.Combine(_dir, "x.gru"), "--folds", "0");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("1 subject(s)", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await Mien("train", "temporal", csv, "-o", Path.Combine(_dir, "x.gru"), "--folds", "1");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--folds 1", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "x.gru")));
    }
}
