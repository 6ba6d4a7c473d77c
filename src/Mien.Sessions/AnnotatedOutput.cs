using System.Globalization;
using Mien.Body;
using Mien.Media;
using Mien.Media.Output;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Sessions;

/// <summary>
/// The annotated (or anonymised) picture of a session: a video for moving sources, one image per still. Draws on
/// the frame it is given, so the session calls it last, after everything that must see the clean frame.
/// </summary>
internal sealed class AnnotatedOutput : IDisposable
{
    private readonly string _folder;
    private readonly bool _anonymize;
    private readonly BackgroundVideoWriter? _video;
    private readonly Dictionary<int, BodyPose> _bodies = [];

    public AnnotatedOutput(string folder, IFrameSource source, bool anonymize, bool still)
    {
        _folder = folder;
        _anonymize = anonymize;
        if (!still)
        {
            var path = Path.Combine(folder, anonymize ? "anonymized.mp4" : "annotated.mp4");
            _video = new BackgroundVideoWriter(new AnnotatedVideoWriter(path, source.Info.NominalFps ?? 30, source.Info.Width, source.Info.Height, anonymize));
        }
    }

    /// <summary>Draws the results on <paramref name="image"/> and writes it; <paramref name="name"/> names a photo of a folder.</summary>
    public void Render(Mat image, FrameAnalysis analysis, string? name)
    {
        DrawBodies(image, analysis);
        if (_video is not null)
        {
            _video.Write(image, analysis);
        }
        else
        {
            WriteStill(image, analysis, name);
        }
    }

    /// <summary>Draws each person's latest body pose (held for a few frames between MoveNet runs).</summary>
    private void DrawBodies(Mat image, FrameAnalysis analysis)
    {
        foreach (var face in analysis.Faces)
        {
            if (face.BodyPose is { } fresh)
            {
                _bodies[face.TrackId] = fresh;
            }

            if (_bodies.TryGetValue(face.TrackId, out var pose) && pose.AssociationConfidence >= 0.3f)
            {
                BodyOverlay.Draw(image, pose);
            }
        }
    }

    /// <summary>Forgets the held pose of a person who left (bounded state on long streams).</summary>
    public void Forget(int trackId) => _bodies.Remove(trackId);

    private void WriteStill(Mat image, FrameAnalysis analysis, string? name)
    {
        if (_anonymize)
        {
            FaceAnonymizer.Apply(image, analysis.Faces.Select(f => f.Box).Concat(analysis.Unconfirmed));
        }

        foreach (var f in analysis.Faces)
        {
            Cv2.Rectangle(image, new Rect((int)f.Box.X, (int)f.Box.Y, (int)f.Box.Width, (int)f.Box.Height), Scalar.LimeGreen, Math.Max(2, image.Width / 640));
            if (f.Expression is { } e)
            {
                Cv2.PutText(image, string.Create(CultureInfo.InvariantCulture, $"#{f.TrackId} {e.Dominant} {e.Confidence:P0}"), new Point((int)f.Box.X, Math.Max(12, (int)f.Box.Y - 6)), HersheyFonts.HersheySimplex, Math.Max(0.5, image.Width / 1600.0), Scalar.White, 2);
            }
        }

        var kind = _anonymize ? "anonymized" : "annotated";
        if (name is null)
        {
            Cv2.ImWrite(Path.Combine(_folder, kind + ".jpg"), image);
        }
        else
        {
            // A folder of photos: one annotated picture per photo, named after it.
            var folder = Directory.CreateDirectory(Path.Combine(_folder, kind)).FullName;
            Cv2.ImWrite(Path.Combine(folder, Path.GetFileNameWithoutExtension(name) + ".jpg"), image);
        }
    }

    /// <summary>Closes the video; returns a problem to report when it could not be finished and was removed.</summary>
    public string? Close()
    {
        _video?.Dispose();
        return _video is { Unfinished: true } ? $"{(_anonymize ? "anonymized" : "annotated")}.mp4 could not be finished (the disk may be full) and was removed" : null;
    }

    public void Dispose() => _video?.Dispose();
}
