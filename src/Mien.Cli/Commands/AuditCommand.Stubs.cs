using System.CommandLine;

namespace Mien.Cli.Commands;

internal static partial class AuditCommand
{
    private static Command CkPlus() => new("ckplus", "not yet");

    private static Command Fairness() => new("fairness", "not yet");
}
