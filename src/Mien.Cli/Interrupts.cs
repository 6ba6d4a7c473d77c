using System.Runtime.InteropServices;

namespace Mien.Cli;

/// <summary>
/// The one handler of Ctrl+C (SIGINT) and SIGTERM for a run. The first signal cancels <see cref="Token"/> and lets the
/// command stop at its next check and keep what it finished; a second signal while stopping aborts at once with
/// <see cref="ExitCodes.Aborted"/>. It replaces System.CommandLine's own handler (the runner turns that off): two
/// handlers reacting to one signal is what made an early Ctrl+C crash on a disposed token source.
/// </summary>
internal sealed class Interrupts : IDisposable
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _cts = new();
    private readonly TextWriter _error;
    private readonly Action<int> _abort;
    private readonly PosixSignalRegistration[] _registrations;
    private PosixSignal? _signal;
    private bool _disposed;

    /// <param name="error">Where the "stopping" and "aborted" lines go.</param>
    /// <param name="abort">Ends the process at once with the given code (tests pass a recorder).</param>
    public Interrupts(TextWriter error, Action<int>? abort = null)
    {
        _error = error;
        _abort = abort ?? Environment.Exit;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
        ];
    }

    /// <summary>Cancelled by the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>The first signal received, if any.</summary>
    public PosixSignal? Signal
    {
        get
        {
            lock (_gate)
            {
                return _signal;
            }
        }
    }

    /// <summary>The exit code of a run stopped by <see cref="Signal"/>, or null when no signal came.</summary>
    public int? ExitCode => Signal switch
    {
        null => null,
        PosixSignal.SIGTERM => ExitCodes.Terminated,
        _ => ExitCodes.Interrupted,
    };

    public void Dispose()
    {
        // Unregister first: a signal after the run gets the default behaviour (the process ends), never a disposed source.
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        lock (_gate)
        {
            _disposed = true;
        }

        _cts.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        bool first;
        lock (_gate)
        {
            if (_disposed)
            {
                return;   // a signal racing the end of the run: leave the default behaviour
            }

            context.Cancel = true;
            first = _signal is null;
            _signal ??= context.Signal;
            if (first)
            {
                // Inside the lock so Dispose cannot free the source between the check and the call.
                _error.WriteLine(context.Signal == PosixSignal.SIGTERM
                    ? "mien: terminating; keeping what is finished (a second signal aborts at once)"
                    : "mien: interrupted; keeping what is finished (Ctrl+C again aborts at once)");
                _cts.Cancel();
                return;
            }
        }

        _error.WriteLine("mien: aborted");
        _error.Flush();
        _abort(ExitCodes.Aborted);
    }
}
