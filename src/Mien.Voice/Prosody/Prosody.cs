namespace Mien.Voice;

/// <summary>
/// Prosodic and spectral measurements of one speech segment. Values that need voiced speech are
/// <see cref="float.NaN"/> when the segment has too little of it.
/// </summary>
/// <param name="Duration">Length of the segment.</param>
/// <param name="VoicedFraction">Share of 10 ms frames with a pitch (0–1).</param>
/// <param name="F0MeanHz">Mean fundamental frequency over voiced frames, Hz (YIN).</param>
/// <param name="F0MeanSemitones">Mean F0 in semitones re 27.5 Hz (the eGeMAPS convention).</param>
/// <param name="F0SdSemitones">Standard deviation of F0 over voiced frames, semitones.</param>
/// <param name="F0RangeSemitones">5th-to-95th percentile F0 range, semitones.</param>
/// <param name="LoudnessMeanDb">Mean frame energy, dB RMS re full scale (dBFS; depends on recording gain).</param>
/// <param name="LoudnessSdDb">Standard deviation of frame energy, dB.</param>
/// <param name="SpeakingRate">Syllable nuclei per second (intensity peaks in voiced frames, after de Jong &amp; Wempe 2009).</param>
/// <param name="JitterPercent">Local jitter: mean absolute difference of consecutive glottal periods / mean period, %.</param>
/// <param name="ShimmerPercent">Local shimmer: mean absolute difference of consecutive cycle peak amplitudes / mean amplitude, %.</param>
/// <param name="ShimmerDb">Local shimmer as mean |20·log10(A[i+1]/A[i])|, dB.</param>
/// <param name="HnrDb">Harmonics-to-noise ratio from the normalised autocorrelation at the pitch period, dB, mean over voiced frames.</param>
/// <param name="AlphaRatioDb">Spectral tilt: energy 1–5 kHz over energy 50 Hz–1 kHz, dB, mean over voiced frames (higher = flatter, "tenser").</param>
/// <param name="SpectralSlopeDbPerOctave">Least-squares slope of octave-band levels (125 Hz–4 kHz) over voiced frames, dB/octave.</param>
/// <param name="MfccMean">Mean of MFCC 1–13 (26 mel bands 20 Hz–8 kHz, log power, DCT-II; c0 excluded), dimensionless.</param>
/// <param name="MfccSd">Standard deviation of MFCC 1–13 over the segment's frames.</param>
public sealed record Prosody(
    TimeSpan Duration,
    float VoicedFraction,
    float F0MeanHz,
    float F0MeanSemitones,
    float F0SdSemitones,
    float F0RangeSemitones,
    float LoudnessMeanDb,
    float LoudnessSdDb,
    float SpeakingRate,
    float JitterPercent,
    float ShimmerPercent,
    float ShimmerDb,
    float HnrDb,
    float AlphaRatioDb,
    float SpectralSlopeDbPerOctave,
    IReadOnlyList<float> MfccMean,
    IReadOnlyList<float> MfccSd)
{
    /// <summary>Seconds of voiced speech: <see cref="Duration"/> × <see cref="VoicedFraction"/>.</summary>
    public double VoicedSeconds => Duration.TotalSeconds * VoicedFraction;
}
