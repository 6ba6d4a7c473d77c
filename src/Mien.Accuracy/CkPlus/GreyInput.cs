using OpenCvSharp;

namespace Mien.Accuracy.CkPlus;

/// <summary>How the CK+ embedders turn a face crop into network input: grey, resized, and (for RGB networks) replicated.</summary>
internal static class GreyInput
{
    /// <summary>The face in 8-bit grey: itself when it has one channel, else converted into <paramref name="buffer"/>.</summary>
    public static Mat Of(Mat face, Mat buffer)
    {
        if (face.Channels() != 3)
        {
            return face;
        }

        Cv2.CvtColor(face, buffer, ColorConversionCodes.BGR2GRAY);
        return buffer;
    }

    /// <summary>Writes a square 8-bit grey image ÷ <paramref name="divisor"/> into three identical NCHW planes of <paramref name="input"/>.</summary>
    public static void ThreePlanes(Mat grey, float divisor, float[] input)
    {
        var side = grey.Rows;
        var plane = side * side;
        for (var y = 0; y < side; y++)
        {
            for (var x = 0; x < side; x++)
            {
                var v = grey.At<byte>(y, x) / divisor;
                var p = (y * side) + x;
                input[p] = v;
                input[plane + p] = v;
                input[(2 * plane) + p] = v;
            }
        }
    }
}
