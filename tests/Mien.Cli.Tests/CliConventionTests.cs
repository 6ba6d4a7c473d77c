using System.Text.Json;
using Mien.Testing;
using Spectre.Console;

namespace Mien.Cli.Tests;

/// <summary>The conventions every command follows: -o/--output, --json, lower-case enum values, tables that survive a pipe.</summary>
[Collection(CliCollection.Name)]
public sealed class CliConventionTests(RealModels models) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-conventions-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("eval")]
    [InlineData("train", "temporal")]
    [InlineData("bench", "models")]
    [InlineData("bench", "pipeline")]
    [InlineData("keys", "generate")]
    [InlineData("skin")]
    [InlineData("analyze")]
    public async Task Commands_that_write_a_file_take_o_and_output(params string[] command)
    {
        var (code, stdout, _) = await InProcessMien.RunAsync([.. command, "--help"]);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("-o, --output <output>", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("--out ", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("eval")]
    [InlineData("train", "temporal")]
    [InlineData("bench", "models")]
    public async Task Commands_offer_json_output(params string[] command)
    {
        var (_, stdout, _) = await InProcessMien.RunAsync([.. command, "--help"]);

        Assert.Contains("--json", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_command_names_its_options_one_way()
    {
        // Walk the whole tree: an output is -o/--output, the detector interval is --detect-every, nothing says --out or --every.
        var problems = new List<string>();
        var stack = new Stack<(string Path, System.CommandLine.Command Command)>([("mien", Program.CreateRoot())]);
        while (stack.TryPop(out var item))
        {
            foreach (var option in item.Command.Options)
            {
                string[] names = [option.Name, .. option.Aliases];
                if (names.Any(n => n is "--out" or "--every" or "--detect"))
                {
                    problems.Add($"{item.Path} {option.Name}");
                }

                if (option.Name == "--output" && !option.Aliases.Contains("-o"))
                {
                    problems.Add($"{item.Path} --output without -o");
                }
            }

            foreach (var sub in item.Command.Subcommands)
            {
                stack.Push(($"{item.Path} {sub.Name}", sub));
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public async Task Skin_profiles_have_one_option_and_one_default_in_analyze_and_skin()
    {
        // Column padding differs between commands; the words may not.
        static string ProfilesLine(string help) => string.Join(' ', help.Split('\n').Single(l => l.TrimStart().StartsWith("--profiles ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var (_, analyze, _) = await InProcessMien.RunAsync("analyze", "--help");
        var (_, skin, _) = await InProcessMien.RunAsync("skin", "--help");

        Assert.Equal(ProfilesLine(analyze), ProfilesLine(skin));
        Assert.EndsWith($"[default: {Path.Combine("out", "profiles")}]", ProfilesLine(skin), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("analyze", "--max-faces", "abc", "--max-faces 'abc': expected a whole number")]
    [InlineData("skin", "--interval", "soon", "--interval 'soon': expected a number")]
    public async Task A_value_of_the_wrong_kind_is_named_in_words_not_as_a_dotnet_type(string command, string option, string value, string expected)
    {
        var (code, _, stderr) = await InProcessMien.RunAsync(command, Path.Combine(_dir, "x.mp4"), option, value);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains($"mien: {expected}", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enum_options_are_listed_and_defaulted_in_lower_case_and_accepted_in_any_case()
    {
        var (_, help, _) = await InProcessMien.RunAsync("eval", "--help");
        Assert.Contains("--detector <back|front>", help, StringComparison.Ordinal);
        Assert.Contains("[default: back]", help, StringComparison.Ordinal);
        Assert.DoesNotContain("Back", help, StringComparison.Ordinal);

        // Accepted in capitals too: the run gets past option checking and fails on the (missing) folder instead.
        var (code, _, stderr) = await InProcessMien.RunAsync("eval", Path.Combine(_dir, "absent"), "--detector", "FRONT", "--offline");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("absent: folder not found", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await InProcessMien.RunAsync("eval", _dir, "--detector", "sideways");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--detector 'sideways': use back or front.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_json_prints_the_report_alone_on_stdout_with_a_prediction_per_image()
    {
        Assert.NotNull(models.Artifacts["emotion"]);
        var set = FaceCrops.SmileSet(Path.Combine(_dir, "set"), 3);
        File.WriteAllText(Path.Combine(set, "happiness", "broken.png"), "not an image");

        var (code, stdout, stderr) = await InProcessMien.RunAsync("eval", set, "--crops", "--json", "--offline");

        Assert.True(code == ExitCodes.ProblemsFound, stderr);   // one unreadable image among good ones
        using var json = JsonDocument.Parse(stdout);                 // nothing but the document on stdout
        var predictions = json.RootElement.GetProperty("predictions").EnumerateArray().ToArray();
        Assert.Equal(4, predictions.Length);
        var scored = predictions.Where(p => p.GetProperty("outcome").GetString() == "predicted").ToArray();
        Assert.Equal(3, scored.Length);
        foreach (var p in scored)
        {
            Assert.Equal("happiness", p.GetProperty("label").GetString());
            Assert.StartsWith("happiness/0000", p.GetProperty("image").GetString(), StringComparison.Ordinal);
            var probabilities = p.GetProperty("probabilities").EnumerateObject().ToDictionary(x => x.Name, x => x.Value.GetDouble());
            Assert.Equal(7, probabilities.Count);
            Assert.InRange(probabilities.Values.Sum(), 0.99, 1.01);
            var best = probabilities.MaxBy(x => x.Value);
            Assert.Equal(best.Key, p.GetProperty("predicted").GetString());
            Assert.Equal(best.Value, p.GetProperty("confidence").GetDouble(), 3);
        }

        var broken = predictions.Single(p => p.GetProperty("outcome").GetString() == "unreadable");
        Assert.Equal(JsonValueKind.Null, broken.GetProperty("predicted").ValueKind);
        Assert.Contains("not a decodable image", broken.GetProperty("problem").GetString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine("out", "eval", "set.json")) || File.Exists(Path.Combine("out", "eval", "set.json")));   // --json alone writes no file
    }

    [Fact]
    public void Piped_tables_keep_every_row_on_one_line()
    {
        using var writer = new StringWriter();
        var console = CliConsole.Create(writer, redirected: true);
        var table = new Table().AddColumns("id", "purpose");
        table.AddRow("mobilefacenet", "192-dimensional face embedding used to tell people apart across a long recording with several speakers");
        table.AddRow("emotion", "seven-class expression estimate (mini-Xception trained on FER2013) on an eye-aligned grey crop");

        console.Write(table);

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains("across a long recording with several speakers", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("on an eye-aligned grey crop", StringComparison.Ordinal));
        Assert.DoesNotContain("\u001b[", writer.ToString(), StringComparison.Ordinal);   // no colour codes in a pipe
    }
}
