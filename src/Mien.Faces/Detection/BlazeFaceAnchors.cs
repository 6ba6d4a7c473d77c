namespace Mien.Faces.Detection;

/// <summary>
/// The 896 SSD anchor centres of BlazeFace, in model-input pixels, in the order the model emits its two
/// output layers: a 16×16 grid with 2 anchors per cell, then an 8×8 grid with 6 anchors per cell
/// (MediaPipe's anchor configuration; every anchor has unit size, so only the centre matters).
/// </summary>
internal static class BlazeFaceAnchors
{
    /// <summary>Centres (x, y) of the first layer (16×16×2) then the second layer (8×8×6).</summary>
    public static float[] Generate(int inputSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        var anchors = new float[2 * 896];
        var k = 0;
        foreach (var (grid, perCell) in new[] { (16, 2), (8, 6) })
        {
            var stride = (float)inputSize / grid;
            for (var y = 0; y < grid; y++)
            {
                for (var x = 0; x < grid; x++)
                {
                    for (var a = 0; a < perCell; a++)
                    {
                        anchors[k++] = (x + 0.5f) * stride;
                        anchors[k++] = (y + 0.5f) * stride;
                    }
                }
            }
        }

        return anchors;
    }
}
