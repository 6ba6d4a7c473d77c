using Mien.Affect;
using Mien.Results;

namespace Mien.Training;

/// <summary>
/// One labelled sequence of per-frame inputs from one person: what the temporal models see, with the expression
/// shown at every frame. <see cref="Subject"/> is the person, the unit of every train/test split.
/// </summary>
/// <param name="Subject">Person id (frames of one person never go to both sides of a split).</param>
/// <param name="Id">Clip id, unique within the subject.</param>
/// <param name="Frames">Frames in increasing time.</param>
/// <param name="Labels">Class index (<see cref="ExpressionEstimate.Labels"/>) of each frame.</param>
public sealed record LabelledClip(string Subject, string Id, IReadOnlyList<TemporalInput> Frames, IReadOnlyList<int> Labels)
{
    /// <summary>Time from the first to the last frame.</summary>
    public TimeSpan Duration => Frames.Count == 0 ? TimeSpan.Zero : Frames[^1].Timestamp - Frames[0].Timestamp;

    /// <summary>Throws <see cref="TrainingDataException"/> unless frames and labels match, labels are valid and time increases.</summary>
    public void Validate()
    {
        if (Frames.Count != Labels.Count)
        {
            throw new TrainingDataException($"clip {Subject}/{Id}: {Frames.Count} frames but {Labels.Count} labels");
        }

        for (var i = 0; i < Frames.Count; i++)
        {
            if (Labels[i] < 0 || Labels[i] >= ExpressionEstimate.Labels.Count)
            {
                throw new TrainingDataException($"clip {Subject}/{Id}: frame {i} has label index {Labels[i]}");
            }

            if (Frames[i].Probabilities.Count != ExpressionEstimate.Labels.Count)
            {
                throw new TrainingDataException($"clip {Subject}/{Id}: frame {i} has {Frames[i].Probabilities.Count} probabilities, expected {ExpressionEstimate.Labels.Count}");
            }

            if (i > 0 && Frames[i].Timestamp <= Frames[i - 1].Timestamp)
            {
                throw new TrainingDataException($"clip {Subject}/{Id}: time does not increase at frame {i} ({Frames[i].Timestamp.TotalSeconds} s)");
            }
        }
    }
}

/// <summary>Training input is missing, malformed or unusable; the message names the file, line or clip.</summary>
public sealed class TrainingDataException(string message, Exception? inner = null) : Mien.Failures.InputException(message, inner);
