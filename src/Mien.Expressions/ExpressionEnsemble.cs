using System.Numerics.Tensors;
using Mien.Faces.Mesh;
using Mien.Models;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Expressions;

/// <summary>A loaded member of an <see cref="ExpressionEnsemble"/>.</summary>
/// <param name="Id">Id shown in reports.</param>
/// <param name="Classifier">The member's classifier (its labels and output kind already set); the ensemble disposes it.</param>
/// <param name="Weight">Positive weight (normalised over the members that answer).</param>
/// <param name="Every">Run every N-th frame of a track (1 = every frame).</param>
/// <param name="Temperature">Calibration temperature for the member's log-probabilities.</param>
public sealed record EnsembleMember(string Id, EmotionClassifier Classifier, float Weight, int Every, float Temperature);

/// <summary>
/// Several expression models averaged, over test-time views of the face (mirror, shifts of a few pixels). Each member's
/// estimate is first calibrated by its temperature (p^(1/T), renormalised), then the members are averaged as
/// probabilities or as log-probabilities (the latter equals averaging logits). In video a slow member can run on every
/// N-th frame of each track, its last calibrated estimate standing in between, so a 30 ms model costs 30/N ms per face
/// per frame on average. Reuses its buffers; not thread-safe.
/// </summary>
public sealed class ExpressionEnsemble : IExpressionClassifier
{
    // Tracks whose schedule is kept; beyond this the least recently seen are dropped (a bounded memory on endless streams).
    private const int MaxTracks = 256;

    // Crops are warped at the face's own size within these bounds, then each member resizes to its input.
    private const int MinAlignedSide = 64;
    private const int MaxAlignedSide = 256;

    private readonly EnsembleMember[] _members;
    private readonly bool _averageLogits;
    private readonly bool _flip;
    private readonly float _shift;
    private readonly float _cropScale;
    private readonly Dictionary<int, TrackSlot> _tracks = [];
    private readonly float[] _sum = new float[ExpressionEstimate.Labels.Count];
    private readonly float[] _member = new float[ExpressionEstimate.Labels.Count];
    private readonly float[] _affine = new float[6];
    private readonly Mat _crop = new();
    private readonly Mat _flipped = new();
    private readonly Mat _shifted = new();
    private long _calls;

    /// <summary>Creates an ensemble over loaded members; it disposes them.</summary>
    /// <param name="members">The members (at least one).</param>
    /// <param name="averageLogits">Average log-probabilities (true) or probabilities (false).</param>
    /// <param name="flip">Also classify the mirrored face.</param>
    /// <param name="shift">Also classify the face moved by this fraction of its side in four directions (0 = off).</param>
    /// <param name="cropScale">Side of the crop around a detector box (as <see cref="EmotionClassifierOptions.CropScale"/>).</param>
    public ExpressionEnsemble(IReadOnlyList<EnsembleMember> members, bool averageLogits, bool flip, float shift, float cropScale = 1.2f)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count is 0 or > ExpressionEnsembleSpec.MaxMembers)
        {
            throw new ArgumentException($"{nameof(members)}: {members.Count} member(s); an ensemble needs 1–{ExpressionEnsembleSpec.MaxMembers}.");
        }

        foreach (var m in members)
        {
            if (!(m.Weight > 0) || !float.IsFinite(m.Weight) || m.Every < 1 || !(m.Temperature >= 0.05f && m.Temperature <= 20f))
            {
                throw new ArgumentException($"ensemble member {m.Id}: weight {m.Weight} must be positive, every {m.Every} at least 1, temperature {m.Temperature} within [0.05, 20].");
            }
        }

        if (!(shift >= 0 && shift <= ExpressionEnsembleSpec.MaxShift))
        {
            throw new ArgumentException($"{nameof(shift)} = {shift}: must be within [0, {ExpressionEnsembleSpec.MaxShift}].");
        }

        if (cropScale is <= 0 or > 4 || float.IsNaN(cropScale))
        {
            throw new ArgumentException($"{nameof(cropScale)} = {cropScale}: must be within (0, 4].");
        }

        _members = [.. members];
        _averageLogits = averageLogits;
        _flip = flip;
        _shift = shift;
        _cropScale = cropScale;
    }

    /// <summary>
    /// Builds the ensemble a declaration describes: manifest members through <paramref name="manifestModel"/>, declared
    /// ones loaded here and added to <paramref name="loaded"/> (the caller disposes those models after the ensemble).
    /// </summary>
    /// <param name="spec">The declaration.</param>
    /// <param name="manifestModel">Loads (or shares) a manifest model by id.</param>
    /// <param name="inference">Inference options for the declared members.</param>
    /// <param name="loaded">Receives the models loaded here.</param>
    /// <param name="cropScale">Crop side around a detector box.</param>
    public static ExpressionEnsemble Create(ExpressionEnsembleSpec spec, Func<string, OnnxModel> manifestModel, InferenceOptions? inference, ICollection<OnnxModel> loaded, float cropScale = 1.2f)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(manifestModel);
        ArgumentNullException.ThrowIfNull(loaded);
        var members = new List<EnsembleMember>(spec.Members.Count);
        try
        {
            foreach (var m in spec.Members)
            {
                EmotionClassifier classifier;
                if (m.Spec is { } declared)
                {
                    var model = OnnxModel.Load(declared.ToArtifact(), inference);
                    loaded.Add(model);
                    classifier = new EmotionClassifier(model, new EmotionClassifierOptions { CropScale = cropScale, Labels = declared.Labels, OutputIsLogits = declared.OutputIsLogits });
                }
                else
                {
                    classifier = new EmotionClassifier(manifestModel(m.ModelId!), new EmotionClassifierOptions { CropScale = cropScale });
                }

                members.Add(new EnsembleMember(m.Id, classifier, m.Weight, m.Every, m.Temperature));
            }

            return new ExpressionEnsemble(members, spec.AverageLogits, spec.Flip, spec.Shift, cropScale);
        }
        catch
        {
            foreach (var m in members)
            {
                m.Classifier.Dispose();
            }

            throw;
        }
    }

    /// <summary>The members, in declaration order.</summary>
    public IReadOnlyList<EnsembleMember> Members => _members;

    /// <inheritdoc />
    public ExpressionEstimate Classify(Mat bgr, FaceBox box)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        EmotionClassifier.CropReplicate(bgr, box.SquareScaled(_cropScale), _crop);
        return Combine(_crop, null);
    }

    /// <inheritdoc />
    /// <remarks>A member with <c>Every</c> = N runs on the track's first frame and then on the frames where (track id + frame index) is a multiple of N.</remarks>
    public ExpressionEstimate ClassifyAligned(Mat bgr, FaceRoi roi, int track)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        var side = Math.Clamp((int)MathF.Round(roi.Size), MinAlignedSide, MaxAlignedSide);
        Array.Copy(roi.CropToFrame(side), _affine, 6);
        using (var matrix = Mat.FromPixelData(2, 3, MatType.CV_32FC1, _affine))
        {
            Cv2.WarpAffine(bgr, _crop, matrix, new Size(side, side), InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap, BorderTypes.Replicate);
        }

        return Combine(_crop, track < 0 ? null : Slot(track));
    }

    /// <inheritdoc />
    public ExpressionEstimate ClassifyCrop(Mat face)
    {
        ArgumentNullException.ThrowIfNull(face);
        return Combine(face, null);
    }

    /// <inheritdoc />
    public void Forget(int track) => _tracks.Remove(track);

    private TrackSlot Slot(int track)
    {
        if (!_tracks.TryGetValue(track, out var slot))
        {
            if (_tracks.Count >= MaxTracks)
            {
                _tracks.Remove(_tracks.MinBy(t => t.Value.LastCall).Key);
            }

            // The frame count starts at the track id, so tracks that start together run their slow members on
            // different frames (no spike of every face's teacher run on one frame); the first frame always runs.
            slot = new TrackSlot(_members.Length) { Frames = track };
            _tracks[track] = slot;
        }

        slot.LastCall = ++_calls;
        return slot;
    }

    private ExpressionEstimate Combine(Mat face, TrackSlot? slot)
    {
        Array.Clear(_sum);
        float weights = 0;
        for (var i = 0; i < _members.Length; i++)
        {
            var m = _members[i];
            var cached = slot?.Estimates[i];
            var run = slot is null || cached is null || slot.Frames % m.Every == 0;
            if (run)
            {
                MemberEstimate(m, face, _member);
                if (slot is not null)
                {
                    slot.Estimates[i] ??= new float[_member.Length];
                    _member.CopyTo(slot.Estimates[i]!, 0);
                }
            }
            else
            {
                cached!.CopyTo(_member, 0);
            }

            // _member holds calibrated log-probabilities; the sum is of logs or of probabilities.
            for (var k = 0; k < _sum.Length; k++)
            {
                _sum[k] += m.Weight * (_averageLogits ? _member[k] : MathF.Exp(_member[k]));
            }

            weights += m.Weight;
        }

        if (slot is not null)
        {
            slot.Frames++;
        }

        var probabilities = new float[_sum.Length];
        if (_averageLogits)
        {
            TensorPrimitives.Divide(_sum, weights, probabilities);
            TensorPrimitives.SoftMax(probabilities, probabilities);
        }
        else
        {
            TensorPrimitives.Divide(_sum, TensorPrimitives.Sum(_sum), probabilities);
        }

        return new ExpressionEstimate(probabilities);
    }

    /// <summary>The member's calibrated log-probabilities over the views of <paramref name="face"/>, into <paramref name="log"/>.</summary>
    private void MemberEstimate(EnsembleMember m, Mat face, float[] log)
    {
        Array.Clear(log);
        var views = 0;
        var shifts = _shift > 0 ? 5 : 1;
        for (var flip = 0; flip < (_flip ? 2 : 1); flip++)
        {
            var source = face;
            if (flip == 1)
            {
                Cv2.Flip(face, _flipped, FlipMode.Y);
                source = _flipped;
            }

            for (var s = 0; s < shifts; s++)
            {
                var view = s == 0 ? source : Shifted(source, s);
                var p = m.Classifier.ClassifyCrop(view).Probabilities;
                // Views are averaged the same way as members (probabilities or logs); the calibration comes after.
                for (var k = 0; k < log.Length; k++)
                {
                    log[k] += _averageLogits ? MathF.Log(Math.Max(p[k], 1e-7f)) : p[k];
                }

                views++;
            }
        }

        for (var k = 0; k < log.Length; k++)
        {
            var mean = log[k] / views;
            log[k] = (_averageLogits ? mean : MathF.Log(Math.Max(mean, 1e-7f))) / m.Temperature;
        }

        // Renormalise after the temperature: log-softmax of the scaled log-probabilities.
        var max = TensorPrimitives.Max(log);
        float z = 0;
        for (var k = 0; k < log.Length; k++)
        {
            z += MathF.Exp(log[k] - max);
        }

        TensorPrimitives.Subtract(log, max + MathF.Log(z), log);
    }

    /// <summary>The face moved by the shift fraction: 1 right, 2 left, 3 down, 4 up; edges replicated.</summary>
    private Mat Shifted(Mat source, int direction)
    {
        var d = _shift * source.Width;
        var (dx, dy) = direction switch { 1 => (d, 0f), 2 => (-d, 0f), 3 => (0f, d), _ => (0f, -d) };
        _affine[0] = 1;
        _affine[1] = 0;
        _affine[2] = dx;
        _affine[3] = 0;
        _affine[4] = 1;
        _affine[5] = dy;
        using var matrix = Mat.FromPixelData(2, 3, MatType.CV_32FC1, _affine);
        Cv2.WarpAffine(source, _shifted, matrix, source.Size(), InterpolationFlags.Linear, BorderTypes.Replicate);
        return _shifted;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var m in _members)
        {
            m.Classifier.Dispose();
        }

        _crop.Dispose();
        _flipped.Dispose();
        _shifted.Dispose();
    }

    private sealed class TrackSlot(int members)
    {
        public float[]?[] Estimates { get; } = new float[]?[members];

        public long Frames { get; set; }

        public long LastCall { get; set; }
    }
}
