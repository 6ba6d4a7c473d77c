namespace Mien.Cli.Tests;

/// <summary>
/// Runs `mien args…` in this process through the real command tree, capturing the console. The console is
/// process-wide, so every test class using it belongs to <see cref="CliCollection"/> (not parallelised).
/// </summary>
internal static class InProcessMien
{
    public static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var outWriter = new StringWriter();
        using var errWriter = new StringWriter();
        Console.SetOut(outWriter);
        Console.SetError(errWriter);
        try
        {
            var code = await CommandRunner.InvokeAsync(Program.CreateRoot(), args);
            return (code, outWriter.ToString(), errWriter.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }
}
