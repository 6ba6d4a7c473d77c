using OpenCvSharp;

/// <summary>
/// Renders presentation attacks from a real face frame: the frame printed or shown on a screen, held in front of the
/// camera in a room, and photographed again. Deterministic given the random generator. Every step is a physical
/// effect an attacker cannot avoid: a print's smaller gamut, its halftone dots and paper texture; a screen's RGB
/// sub-pixel grid, which the camera re-samples into moiré, its gamma and tint, its bezel; both are planes seen in
/// perspective under a light that reflects off them, then blurred, noised and JPEG-compressed by the camera.
/// </summary>
internal static class Scene
{
    /// <summary>A blurred room: the same frame size, low-frequency colour blobs over a wall tone.</summary>
    public static Mat Create(Size size, Random rng)
    {
        var scene = new Mat(size, MatType.CV_8UC3, new Scalar(90 + rng.Next(80), 90 + rng.Next(80), 90 + rng.Next(80)));
        for (var i = 0; i < 6; i++)
        {
            var centre = new Point(rng.Next(size.Width), rng.Next(size.Height));
            Cv2.Circle(scene, centre, size.Width / (3 + rng.Next(4)), new Scalar(rng.Next(256), rng.Next(256), rng.Next(256)), -1);
        }

        Cv2.GaussianBlur(scene, scene, new Size(0, 0), size.Width / 12.0);
        return scene;
    }

    /// <summary>The frame printed on paper and photographed in <paramref name="scene"/>.</summary>
    public static Mat Print(Mat frame, Mat scene, int layoutSeed, Random jitter)
    {
        using var f = new Mat();
        frame.ConvertTo(f, MatType.CV_32FC3, 1 / 255.0);
        // Print gamut: less saturated, paper white and ink black instead of 1 and 0.
        using (var grey = new Mat())
        using (var grey3 = new Mat())
        {
            Cv2.CvtColor(f, grey, ColorConversionCodes.BGR2GRAY);
            Cv2.CvtColor(grey, grey3, ColorConversionCodes.GRAY2BGR);
            Cv2.AddWeighted(f, 0.75, grey3, 0.25, 0, f);
        }

        Cv2.Multiply(f, new Scalar(0.78, 0.80, 0.80), f);
        Cv2.Add(f, new Scalar(0.10, 0.10, 0.11), f);
        // Halftone dots (period 3.3 px at print resolution) and paper fibre texture.
        int rows = f.Rows, cols = f.Cols;
        var dots = new float[rows * cols];
        for (var y = 0; y < rows; y++)
        {
            for (var x = 0; x < cols; x++)
            {
                dots[(y * cols) + x] = 1f - (0.12f * (0.5f + (0.5f * MathF.Cos(2 * MathF.PI * x / 3.3f) * MathF.Cos(2 * MathF.PI * y / 3.3f))));
            }
        }

        using var pattern = new Mat(rows, cols, MatType.CV_32FC1);
        pattern.SetArray(dots);
        using (var noise = new Mat(f.Size(), MatType.CV_32FC1))
        {
            Cv2.Randn(noise, 0, 0.05);
            Cv2.GaussianBlur(noise, noise, new Size(0, 0), 1.2);
            Cv2.Add(pattern, noise, pattern);
        }

        using (var pattern3 = new Mat())
        {
            Cv2.Merge([pattern, pattern, pattern], pattern3);
            Cv2.Multiply(f, pattern3, f);
        }

        using var print = new Mat();
        f.ConvertTo(print, MatType.CV_8UC3, 255);
        return Photograph(print, scene, layoutSeed, jitter, borderGrey: 235);
    }

    /// <summary>The frame shown on a screen and photographed in <paramref name="scene"/>.</summary>
    public static Mat Screen(Mat frame, Mat scene, int layoutSeed, Random jitter)
    {
        // The panel: each pixel as three vertical sub-pixel stripes (B, G, R in OpenCV's order) at 3× the frame's size.
        using var big = new Mat();
        Cv2.Resize(frame, big, new Size(frame.Width * 3, frame.Height * 3), 0, 0, InterpolationFlags.Nearest);
        var gamma = (layoutSeed & 1) == 0 ? 0.85 : 1.15;
        var lut = new byte[256];
        for (var i = 0; i < 256; i++)
        {
            lut[i] = (byte)Math.Clamp(Math.Round(255 * Math.Pow(i / 255.0, gamma) * 2.4), 0, 255);
        }

        int rows = big.Rows, cols = big.Cols;
        big.GetArray(out Vec3b[] pixels);
        for (var y = 0; y < rows; y++)
        {
            // Dark rows between pixel rows (the panel's black matrix) every third line.
            var row = y % 3 == 2 ? 0.55 : 1.0;
            for (var x = 0; x < cols; x++)
            {
                var v = pixels[(y * cols) + x];
                var c = x % 3;
                pixels[(y * cols) + x] = new Vec3b(
                    c == 0 ? (byte)Math.Min(255, lut[v.Item0] * row * 1.06) : (byte)0,
                    c == 1 ? (byte)(lut[v.Item1] * row) : (byte)0,
                    c == 2 ? (byte)(lut[v.Item2] * row) : (byte)0);
            }
        }

        var panel = new Mat(rows, cols, MatType.CV_8UC3);
        panel.SetArray(pixels);

        // The camera's optics average about three panel pixels per sensor pixel: most of the sub-pixel grid blurs away,
        // what aliases past it is the moiré a re-photographed screen shows.
        Cv2.GaussianBlur(panel, panel, new Size(0, 0), 1.0);

        // A bezel around the panel.
        var bezel = panel.Width / 25;
        using var framed = new Mat();
        Cv2.CopyMakeBorder(panel, framed, bezel, bezel, bezel, bezel, BorderTypes.Constant, new Scalar(12, 12, 12));
        panel.Dispose();
        return Photograph(framed, scene, layoutSeed, jitter, borderGrey: 12);
    }

    /// <summary>Places <paramref name="surface"/> into the scene in perspective, adds a reflection, and re-captures it with a camera's blur, noise and JPEG.</summary>
    private static Mat Photograph(Mat surface, Mat scene, int layoutSeed, Random jitter, int borderGrey)
    {
        var w = scene.Width;
        var h = scene.Height;
        // The layout is shared by a burst (the scene's generator drew it); the jitter moves each frame a little.
        var layout = new Random(layoutSeed);
        var scale = 0.78 + (0.15 * layout.NextDouble());
        var angle = (layout.NextDouble() - 0.5) * 0.12;
        var cx = (w / 2.0) + ((layout.NextDouble() - 0.5) * w * 0.08);
        var cy = (h / 2.0) + ((layout.NextDouble() - 0.5) * h * 0.08);
        var hw = w * scale / 2;
        var hh = h * scale / 2;
        Point2f Corner(double dx, double dy, double tilt)
        {
            var x = (dx * Math.Cos(angle)) - (dy * Math.Sin(angle));
            var y = (dx * Math.Sin(angle)) + (dy * Math.Cos(angle));
            return new Point2f((float)(cx + x + ((jitter.NextDouble() - 0.5) * w * 0.02) + (tilt * w * 0.03)), (float)(cy + y + ((jitter.NextDouble() - 0.5) * h * 0.02)));
        }

        var tiltSign = layout.NextDouble() > 0.5 ? 1 : -1;
        Point2f[] to = [Corner(-hw, -hh, tiltSign), Corner(hw, -hh, -tiltSign), Corner(hw, hh, 0), Corner(-hw, hh, 0)];
        Point2f[] from = [new(0, 0), new(surface.Width - 1, 0), new(surface.Width - 1, surface.Height - 1), new(0, surface.Height - 1)];
        using var homography = Cv2.GetPerspectiveTransform(from, to);
        var result = scene.Clone();
        using var warped = new Mat();
        Cv2.WarpPerspective(surface, warped, homography, scene.Size(), InterpolationFlags.Linear, BorderTypes.Constant, new Scalar(borderGrey, borderGrey, borderGrey));
        using var mask = new Mat(surface.Size(), MatType.CV_8UC1, Scalar.All(255));
        using var warpedMask = new Mat();
        Cv2.WarpPerspective(mask, warpedMask, homography, scene.Size(), InterpolationFlags.Nearest);
        warped.CopyTo(result, warpedMask);

        // A specular reflection: a soft bright blob over part of the surface.
        using var reflection = new Mat(scene.Size(), MatType.CV_32FC1, Scalar.All(0));
        Cv2.Circle(reflection, new Point((int)(cx + ((layout.NextDouble() - 0.5) * hw)), (int)(cy + ((layout.NextDouble() - 0.5) * hh))), (int)(w * 0.18), Scalar.All(1), -1);
        Cv2.GaussianBlur(reflection, reflection, new Size(0, 0), w * 0.08);
        using var r3 = new Mat();
        Cv2.Merge([reflection, reflection, reflection], r3);
        using var rf = new Mat();
        r3.ConvertTo(rf, MatType.CV_32FC3, 255 * (0.12 + (0.2 * layout.NextDouble())));
        using var rm = new Mat();
        Cv2.Multiply(rf, new Mat(warpedMask.Size(), MatType.CV_32FC3, Scalar.All(1)), rm);
        using var f = new Mat();
        result.ConvertTo(f, MatType.CV_32FC3);
        Cv2.Add(f, rm, f);

        // The camera: optics blur, sensor noise, JPEG.
        Cv2.GaussianBlur(f, f, new Size(0, 0), 0.7);
        using (var noise = new Mat(f.Size(), MatType.CV_32FC3))
        {
            Cv2.Randn(noise, Scalar.All(0), Scalar.All(2.5));
            Cv2.Add(f, noise, f);
        }

        f.ConvertTo(result, MatType.CV_8UC3);
        var jpeg = result.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 85));
        result.Dispose();
        return Cv2.ImDecode(jpeg, ImreadModes.Color);
    }
}
