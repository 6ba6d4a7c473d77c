namespace Mien.Results;

/// <summary>Prosody of one stretch of speech (NaN where undefined, e.g. no voiced frames for F0).</summary>
/// <param name="VoicedFraction">Share of 10 ms frames with a pitch, 0..1.</param>
/// <param name="F0MeanHz">Mean fundamental frequency in Hz.</param>
/// <param name="F0SdSemitones">F0 standard deviation in semitones.</param>
/// <param name="F0RangeSemitones">F0 range (5th–95th percentile) in semitones.</param>
/// <param name="LoudnessMeanDb">Mean loudness in dBFS.</param>
/// <param name="LoudnessSdDb">Loudness standard deviation in dB.</param>
/// <param name="SpeakingRate">Syllable-like nuclei per second.</param>
/// <param name="JitterPercent">Period-to-period F0 variation in percent.</param>
/// <param name="ShimmerPercent">Period-to-period amplitude variation in percent.</param>
/// <param name="HnrDb">Harmonics-to-noise ratio in dB.</param>
/// <param name="AlphaRatioDb">Energy 1–5 kHz over 50–1000 Hz in dB.</param>
/// <param name="SpectralSlopeDbPerOctave">Spectral slope in dB per octave.</param>
public sealed record SpeechProsody(
    float VoicedFraction,
    float F0MeanHz,
    float F0SdSemitones,
    float F0RangeSemitones,
    float LoudnessMeanDb,
    float LoudnessSdDb,
    float SpeakingRate,
    float JitterPercent,
    float ShimmerPercent,
    float HnrDb,
    float AlphaRatioDb,
    float SpectralSlopeDbPerOctave);

/// <summary>A stretch of speech with the voice's valence/arousal estimate and the visible person it was attributed to.</summary>
/// <param name="TrackId">The person whose mouth moved with the sound, or null (off-screen or unclear).</param>
/// <param name="Start">Start on the container clock.</param>
/// <param name="End">End on the container clock.</param>
/// <param name="Arousal">Voice arousal estimate in [−1, 1].</param>
/// <param name="Valence">Voice valence estimate in [−1, 1] (weak evidence).</param>
/// <param name="Confidence">Confidence of the voice estimate in [0, 1].</param>
/// <param name="MouthAudioCorrelation">Mouth-movement ↔ audio-energy correlation behind the attribution, when computed.</param>
/// <param name="Prosody">Prosody of the stretch.</param>
public sealed record SpeechResult(
    int? TrackId,
    TimeSpan Start,
    TimeSpan End,
    float Arousal,
    float Valence,
    float Confidence,
    float? MouthAudioCorrelation,
    SpeechProsody Prosody);

/// <summary>A stretch of speech in the audio.</summary>
/// <param name="Speech">The speech and its estimate.</param>
public sealed record SpeechUpdate(SpeechResult Speech) : AnalysisUpdate;
