using Mien.Results;

namespace Mien.Monitoring;

/// <summary>
/// What monitoring reads of one face in one frame: the few measurements the indicators use, taken from the public
/// result schema (stored frames, faces.jsonl lines) or from a live <see cref="FaceObservation"/>. Null = not measured.
/// </summary>
/// <param name="TimeS">Media time in seconds.</param>
/// <param name="Track">The person (track id).</param>
/// <param name="Valence">Valence estimate, −1…1 (affect.valence).</param>
/// <param name="Arousal">Arousal estimate, −1…1 (affect.arousal).</param>
/// <param name="AffectConfidence">Confidence of valence and arousal, 0…1.</param>
/// <param name="Expressivity">Mean action-unit intensity above the person's neutral (0…5) over every unit except AU45 (blinks are counted apart).</param>
/// <param name="GazeYaw">Gaze yaw relative to the camera axis, degrees.</param>
/// <param name="GazePitch">Gaze pitch relative to the camera axis, degrees.</param>
/// <param name="InBlink">Whether the frame is inside a detected blink (null without eye measurements).</param>
public readonly record struct MonitorSample(
    double TimeS,
    int Track,
    double? Valence,
    double? Arousal,
    double? AffectConfidence,
    double? Expressivity,
    double? GazeYaw,
    double? GazePitch,
    bool? InBlink)
{
    /// <summary>Takes the monitored measurements of a live face.</summary>
    public static MonitorSample From(TimeSpan timestamp, FaceObservation face)
    {
        ArgumentNullException.ThrowIfNull(face);
        var affect = face.Affect;
        var va = affect?.Affect;
        return new MonitorSample(
            timestamp.TotalSeconds,
            face.TrackId,
            va?.Valence,
            va?.Arousal,
            va?.Confidence,
            affect?.Units is { } units ? ExpressivityOf(units.Intensities) : null,
            face.Gaze?.Yaw,
            face.Gaze?.Pitch,
            face.Eyes?.InBlink);
    }

    /// <summary>Mean intensity of every action unit but the last (AU45, blinks), in the order of <see cref="ActionUnits.Codes"/>.</summary>
    internal static double ExpressivityOf(IReadOnlyList<float> intensities)
    {
        var sum = 0.0;
        var n = intensities.Count - 1;
        for (var i = 0; i < n; i++)
        {
            sum += intensities[i];
        }

        return n > 0 ? sum / n : 0;
    }
}

/// <summary>A speech segment of the recording's audio (the <c>speech</c> event).</summary>
/// <param name="StartS">Start, seconds.</param>
/// <param name="EndS">End, seconds.</param>
/// <param name="Track">The visible person it was attributed to, or null.</param>
/// <param name="Arousal">Voice arousal estimate, −1…1, relative to the speaker's baseline.</param>
/// <param name="Confidence">Confidence of the voice estimate, 0…1.</param>
public readonly record struct SpeechSample(double StartS, double EndS, int? Track, double Arousal, double Confidence)
{
    /// <summary>Length in seconds (never negative).</summary>
    public double Duration => Math.Max(0, EndS - StartS);
}
