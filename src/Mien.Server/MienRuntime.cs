using Mien.Models;
using Mien.Packages;
using Mien.Pipeline;
using Mien.Voice;

namespace Mien.Server;

/// <summary>
/// What the whole process shares: the package and model stores, one <see cref="ModelSet"/> (every ONNX session
/// loaded once) and the voice analyser. Readiness means the default pipeline's models are imported and loaded.
/// </summary>
internal sealed class MienRuntime : IAsyncDisposable
{
    private readonly NpmPackageStore _packages;
    private readonly Lazy<Task<VoiceAnalyzer>> _voice;
    private volatile string? _notReady = "models are being prepared";

    public MienRuntime(ServerOptions options)
    {
        var store = NpmStoreOptions.FromEnvironment();
        store.Offline = options.Offline;
        store.Validate();
        _packages = new NpmPackageStore(store);
        Models = new ModelSet(new ModelStore(_packages, store.CacheDirectory));
        _voice = new Lazy<Task<VoiceAnalyzer>>(() => VoiceAnalyzer.CreateAsync(_packages));
        _sentiment = new Lazy<Task<Text.Sentiment.VaderSentimentAnalyzer>>(() => Text.Sentiment.VaderPackage.CreateAnalyzerAsync(_packages));
    }

    private readonly Lazy<Task<Text.Sentiment.VaderSentimentAnalyzer>> _sentiment;

    /// <summary>VADER over the verified lexicon, created on first use (it fetches npm vader-sentiment once).</summary>
    public Task<Text.Sentiment.VaderSentimentAnalyzer> SentimentAsync() => _sentiment.Value;

    public ModelSet Models { get; }

    /// <summary>Null when ready, otherwise why not.</summary>
    public string? NotReady => _notReady;

    /// <summary>The voice analyser, created on first use (it fetches the VAD model).</summary>
    public Task<VoiceAnalyzer> VoiceAsync() => _voice.Value;

    /// <summary>Imports and loads the default pipeline's models so the first session starts at once.</summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        try
        {
            var defaults = new PipelineOptions { Body = true, Skin = true };
            foreach (var id in defaults.ModelIds)
            {
                _ = await Models.GetAsync(id, defaults.Inference, cancellationToken).ConfigureAwait(false);
            }

            _notReady = null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _notReady = "models could not be prepared: " + e.Message;
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_voice.IsValueCreated && _voice.Value.IsCompletedSuccessfully)
        {
            (await _voice.Value.ConfigureAwait(false)).Dispose();
        }

        Models.Dispose();
        _packages.Dispose();
    }
}
