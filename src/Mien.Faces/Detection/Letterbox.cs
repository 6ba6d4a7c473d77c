using Mien.Results;
namespace Mien.Faces.Detection;

/// <summary>
/// Maps a frame into a square model input without distorting it: scaled to fit, centred, padded.
/// BlazeFace's anchors assume undistorted faces; squashing a 16:9 frame (as Human does) makes every
/// face narrower than the model was trained on.
/// </summary>
internal readonly record struct Letterbox(float Scale, float PadX, float PadY, int ResizedWidth, int ResizedHeight)
{
    public static Letterbox Fit(int width, int height, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var scale = (float)size / Math.Max(width, height);
        var w = Math.Clamp((int)MathF.Round(width * scale), 1, size);
        var h = Math.Clamp((int)MathF.Round(height * scale), 1, size);
        return new Letterbox(scale, (size - w) / 2, (size - h) / 2, w, h);
    }

    public FacePoint ToSource(float x, float y) => new((x - PadX) / Scale, (y - PadY) / Scale);

    public FaceBox ToSource(FaceBox b) => new((b.X - PadX) / Scale, (b.Y - PadY) / Scale, b.Width / Scale, b.Height / Scale);
}
