using Mien.Results;

namespace Mien.Server.Privacy;

/// <summary>
/// Forwards updates to a storing sink until closed — when the subject withdraws consent mid-session. After
/// <see cref="Close"/> returns, no update reaches the inner sink any more, so a flush then an erasure leave nothing.
/// </summary>
internal sealed class GatedSink(IAnalysisSink inner) : IAnalysisSink
{
    private readonly Lock _lock = new();
    private bool _closed;

    /// <summary>Whether updates still pass.</summary>
    public bool IsOpen
    {
        get
        {
            lock (_lock)
            {
                return !_closed;
            }
        }
    }

    public void Write(AnalysisUpdate update)
    {
        lock (_lock)
        {
            if (!_closed)
            {
                inner.Write(update);
            }
        }
    }

    /// <summary>Stops forwarding; waits for a write in progress to finish.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
        }
    }
}
