namespace Mien.Results;

/// <summary>An axis-aligned box in pixels of the source frame.</summary>
public readonly record struct FaceBox(float X, float Y, float Width, float Height)
{
    /// <summary>Horizontal centre.</summary>
    public float CenterX => X + (Width / 2);

    /// <summary>Vertical centre.</summary>
    public float CenterY => Y + (Height / 2);

    /// <summary>Area in square pixels (0 for degenerate boxes).</summary>
    public float Area => Math.Max(Width, 0) * Math.Max(Height, 0);

    /// <summary>Intersection over union with <paramref name="other"/> (0 when either box is empty).</summary>
    public float IoU(FaceBox other)
    {
        var x1 = Math.Max(X, other.X);
        var y1 = Math.Max(Y, other.Y);
        var x2 = Math.Min(X + Width, other.X + other.Width);
        var y2 = Math.Min(Y + Height, other.Y + other.Height);
        var inter = Math.Max(0, x2 - x1) * Math.Max(0, y2 - y1);
        var union = Area + other.Area - inter;
        return union <= 0 ? 0 : inter / union;
    }

    /// <summary>A square box of side <paramref name="scale"/> × the larger side, on the same centre.</summary>
    public FaceBox SquareScaled(float scale)
    {
        var side = Math.Max(Width, Height) * scale;
        return new FaceBox(CenterX - (side / 2), CenterY - (side / 2), side, side);
    }
}

/// <summary>A point in pixels of the source frame.</summary>
public readonly record struct FacePoint(float X, float Y);
