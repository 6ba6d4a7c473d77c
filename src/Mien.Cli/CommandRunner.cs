using System.CommandLine;
using Mien.Models;
using Mien.Packages;

namespace Mien.Cli;

/// <summary>Runs a command and turns domain exceptions into one clear message and a documented exit code.</summary>
internal static class CommandRunner
{
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine(error.Message);
            }

            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Console.Error.WriteLine("Cancelled.");
            return ExitCodes.Cancelled;
        }
        catch (PackageStoreException e)
        {
            return Fail(e.Message, ExitCodes.Store);
        }
        catch (ModelStoreException e)
        {
            return Fail(e.Message, ExitCodes.Store);
        }
        catch (ModelRunException e)
        {
            return Fail(e.Message, ExitCodes.Model);
        }
        catch (Mien.Media.MediaException e)
        {
            return Fail(e.Message, ExitCodes.BadInput);
        }
        catch (InputException e)
        {
            return Fail(e.Message, ExitCodes.BadInput);
        }
        catch (Mien.Affect.Recurrent.GruWeightsException e)
        {
            return Fail(e.Message, ExitCodes.BadInput);
        }
        catch (ArgumentException e)
        {
            return Fail(e.Message, ExitCodes.Usage);
        }
    }

    private static int Fail(string message, int code)
    {
        Console.Error.WriteLine($"mien: {message}");
        return code;
    }
}

/// <summary>A user-supplied input (file, folder, URL) is missing, unreadable or unsupported.</summary>
internal sealed class InputException(string message) : Exception(message);
