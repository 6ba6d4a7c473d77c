using System.Collections.Concurrent;

namespace Mien.Models;

/// <summary>
/// The models of one process: each ONNX Runtime session is loaded once per model and inference setting and shared
/// by every pipeline and stream. ORT's <c>InferenceSession.Run</c> is thread-safe, so streams on different threads
/// may run the same <see cref="OnnxModel"/> at once; what is not thread-safe is a <see cref="ModelRunner"/> (its
/// pre-allocated buffers), so every estimator creates its own runners from the shared model.
/// </summary>
public sealed class ModelSet : IDisposable
{
    private readonly ModelStore _store;
    private readonly ConcurrentDictionary<(string Id, string Settings), Lazy<Task<OnnxModel>>> _models = new();
    private int _disposed;

    /// <summary>Creates an empty set that fetches, imports and loads models from <paramref name="store"/> on first use.</summary>
    public ModelSet(ModelStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>The store models come from.</summary>
    public ModelStore Store => _store;

    /// <summary>Models loaded so far (model id and inference setting).</summary>
    public int Count => _models.Count;

    /// <summary>
    /// The shared model <paramref name="id"/> for <paramref name="options"/>, loading it on first use (concurrent
    /// callers wait for the same load). The set owns it: callers never dispose it.
    /// </summary>
    public Task<OnnxModel> GetAsync(string id, InferenceOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ArgumentException.ThrowIfNullOrEmpty(id);
        options ??= new InferenceOptions();
        options.Validate();
        var key = (id, Settings(options));
        var lazy = _models.GetOrAdd(key, _ => new Lazy<Task<OnnxModel>>(() => LoadAsync(id, options, cancellationToken)));
        var task = lazy.Value;
        if (!task.IsCompletedSuccessfully)
        {
            // A failed or cancelled load (network down, corrupt file) must not poison the set for the rest of the process.
            _ = task.ContinueWith(
                _ => _models.TryRemove(new KeyValuePair<(string, string), Lazy<Task<OnnxModel>>>(key, lazy)),
                CancellationToken.None,
                TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        return task;
    }

    private async Task<OnnxModel> LoadAsync(string id, InferenceOptions options, CancellationToken cancellationToken)
    {
        var artifact = await _store.EnsureAsync(id, cancellationToken: cancellationToken).ConfigureAwait(false);
        return OnnxModel.Load(artifact, options);
    }

    private static string Settings(InferenceOptions o) =>
        FormattableString.Invariant($"{o.IntraOpThreads}|{o.OptimizationLevel}|{o.UseMemoryArena}|{o.AllowSpinning}|{o.ExecutionProvider.ToUpperInvariant()}");

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var lazy in _models.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                lazy.Value.Result.Dispose();
            }
        }

        _models.Clear();
    }
}
