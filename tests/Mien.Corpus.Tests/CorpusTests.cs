using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mien.Media;
using Mien.ModelImport;
using Mien.Voice;
using Xunit.Abstractions;

namespace Mien.Corpus.Tests;

/// <summary>
/// Runs Mien's openers over the whole hostile corpus (tools/corpus): every input gets a result or one clear error
/// of the opener's own exception type naming it — never another exception, a hang, or gigabytes of memory.
/// Set MIEN_CORPUS_OUT to keep the generated files and a results.tsv (tools/corpus/generate.sh does).
/// </summary>
public sealed class CorpusTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(20);
    private readonly string? _keep = Environment.GetEnvironmentVariable("MIEN_CORPUS_OUT");
    private readonly string _dir = Environment.GetEnvironmentVariable("MIEN_CORPUS_OUT") is { Length: > 0 } keep
        ? Path.GetFullPath(keep)
        : Path.Combine(Path.GetTempPath(), "mien-corpus-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (_keep is null && Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private sealed record Outcome(string Result, string? Message, bool Clean);

    [Fact]
    public async Task Every_hostile_input_gets_a_result_or_one_clear_error_naming_it()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }

        var cases = HostileCorpus.Generate(_dir, RealEmotionModel());
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        var table = new StringBuilder("case\topener\texpect\tresult\tmessage\n");
        foreach (var c in cases)
        {
            var started = clock.Elapsed;
            Outcome outcome;
            try
            {
                outcome = await Task.Run(() => Open(c)).WaitAsync(PerCase);
            }
            catch (TimeoutException)
            {
                outcome = new Outcome("hang", $"no answer within {PerCase.TotalSeconds:0} s", false);
            }

            var took = (clock.Elapsed - started).TotalSeconds;
            table.Append(CultureInfo.InvariantCulture, $"{c.Name}\t{c.Opener}\t{c.Expect}\t{outcome.Result}\t{outcome.Message?.ReplaceLineEndings(" ")}\n");
            var problem = !outcome.Clean ? $"{outcome.Result}: {outcome.Message}"
                : c.Expect == "refused" && outcome.Result != "refused" ? $"expected a refusal, got {outcome.Result}"
                : c.Expect is not ("refused" or "any") && outcome.Result != c.Expect ? $"expected {c.Expect}, got {outcome.Result}: {outcome.Message}"
                : outcome is { Result: "refused", Message: { } m } && !Names(m, c) ? $"the message does not name the input: {m}"
                : outcome is { Result: "refused", Message: { } m2 } && (m2.Length > 1000 || m2.Contains('\n', StringComparison.Ordinal)) ? $"the message is not one short line ({m2.Length} chars)"
                : null;
            if (problem is not null)
            {
                failures.Add($"{c.Name} ({c.Opener}, {took:F1} s): {problem}");
            }
        }

        if (_keep is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(_dir, "results.tsv"), table.ToString());
        }

        output.WriteLine($"{cases.Count} cases in {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine(table.ToString());
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static bool Names(string message, CorpusCase c) =>
        message.Contains(Path.GetFileName(c.Path), StringComparison.Ordinal)
        || message.Contains(Path.GetFileName(Path.GetDirectoryName(c.Path)!), StringComparison.Ordinal);

    private static async Task<Outcome> Open(CorpusCase c)
    {
        try
        {
            switch (c.Opener)
            {
                case CorpusOpener.Media:
                    await using (var source = MediaSource.Open(c.Path))
                    {
                        var frames = 0;
                        await foreach (var frame in source.ReadAsync())
                        {
                            frame.Dispose();
                            if (++frames >= 300)
                            {
                                break;
                            }
                        }

                        return new Outcome(source.Info.Kind, $"{frames} frame(s){(source.StopReason is { } r ? "; " + r : "")}", true);
                    }

                case CorpusOpener.Audio:
                    var clip = AudioClip.Load(c.Path);
                    return new Outcome(clip is null ? "no-audio" : "audio", clip is null ? null : $"{clip.Duration.TotalSeconds:F2} s, {clip.ReplacedSamples} repaired", true);
                default:
                    var model = TfjsOnnxImporter.ImportFile(c.Path, c.Name);
                    return new Outcome("model", $"{model.OnnxBytes.Length} bytes", true);
            }
        }
        catch (MediaException e) when (c.Opener == CorpusOpener.Media)
        {
            return new Outcome("refused", e.Message, true);
        }
        catch (AudioException e) when (c.Opener == CorpusOpener.Audio)
        {
            return new Outcome("refused", e.Message, true);
        }
        catch (ModelImportException e) when (c.Opener == CorpusOpener.Model)
        {
            return new Outcome("refused", e.Message, true);
        }
        catch (Exception e)
        {
            return new Outcome("crash", $"{e.GetType().Name}: {e.Message}", false);
        }
    }

    /// <summary>The real emotion model.json from Mien's npm cache, when a previous run fetched it.</summary>
    private static string? RealEmotionModel()
    {
        var cache = Environment.GetEnvironmentVariable("MIEN_CACHE_DIR")
            ?? Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "mien");
        var path = Path.Combine(cache, "npm", "packages", "@vladmandic", "human-models", "3.0.4", "files", "models", "emotion.json");
        return File.Exists(path) ? path : null;
    }
}
