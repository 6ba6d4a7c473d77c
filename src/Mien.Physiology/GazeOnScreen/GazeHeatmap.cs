using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mien.Physiology.GazeOnScreen;

/// <summary>Where a stimulus (an image or video area) is drawn on the screen, in screen pixels.</summary>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
public readonly record struct StimulusArea(double X, double Y, double Width, double Height);

/// <summary>
/// Fixation density over a stimulus: each fixation splatted as a Gaussian weighted by its duration onto a grid of
/// cells, normalised so the densest cell is 1. <see cref="Cells"/> is row-major, <see cref="Columns"/> × <see cref="Rows"/>.
/// </summary>
/// <param name="Columns">Grid columns.</param>
/// <param name="Rows">Grid rows.</param>
/// <param name="CellPx">Cell size in stimulus pixels.</param>
/// <param name="SigmaPx">Gaussian standard deviation in stimulus pixels.</param>
/// <param name="Cells">Density per cell in [0, 1] (all 0 when no fixation fell on the stimulus).</param>
/// <param name="FixationCount">Fixations whose centre lay on the stimulus.</param>
/// <param name="FixationSeconds">Their total duration.</param>
public sealed record GazeHeatmap(int Columns, int Rows, double CellPx, double SigmaPx, float[] Cells, int FixationCount, double FixationSeconds)
{
    /// <summary>Builds the heatmap of fixations over a stimulus.</summary>
    /// <param name="fixations">Fixations in screen pixels (those centred off the stimulus are left out).</param>
    /// <param name="stimulus">Where the stimulus is on the screen.</param>
    /// <param name="sigmaPx">Gaussian standard deviation in screen pixels (about 1° of visual angle: <see cref="ScreenGeometry.PxPerDegree"/>; more for webcam gaze, whose error is several degrees).</param>
    /// <param name="cellPx">Cell size in screen pixels (default 8).</param>
    /// <exception cref="ArgumentException">The stimulus, sigma or cell size is not positive and finite, or the grid would exceed 4 million cells.</exception>
    public static GazeHeatmap Build(IReadOnlyList<Fixation> fixations, StimulusArea stimulus, double sigmaPx, double cellPx = 8)
    {
        ArgumentNullException.ThrowIfNull(fixations);
        ScreenGeometry.Require(stimulus.Width > 0 && stimulus.Height > 0 && double.IsFinite(stimulus.Width) && double.IsFinite(stimulus.Height) && double.IsFinite(stimulus.X) && double.IsFinite(stimulus.Y), nameof(stimulus), stimulus, "finite with a positive size");
        ScreenGeometry.Require(sigmaPx > 0 && double.IsFinite(sigmaPx), nameof(sigmaPx), sigmaPx, "positive and finite");
        ScreenGeometry.Require(cellPx > 0 && double.IsFinite(cellPx), nameof(cellPx), cellPx, "positive and finite");
        var columns = (int)Math.Ceiling(stimulus.Width / cellPx);
        var rows = (int)Math.Ceiling(stimulus.Height / cellPx);
        ScreenGeometry.Require((long)columns * rows <= 4_000_000, nameof(cellPx), cellPx, $"large enough for at most 4 million cells (got {columns}×{rows})");

        var cells = new float[columns * rows];
        var count = 0;
        var seconds = 0.0;
        var reach = 3 * sigmaPx;
        foreach (var f in fixations)
        {
            double x = f.Centre.X - stimulus.X, y = f.Centre.Y - stimulus.Y;
            if (!(x >= 0 && x <= stimulus.Width && y >= 0 && y <= stimulus.Height))
            {
                continue;
            }

            var w = f.Duration.TotalSeconds;
            count++;
            seconds += w;

            // Cells within 3σ only: beyond that the Gaussian is below 1 % of its peak.
            int c0 = Math.Max(0, (int)((x - reach) / cellPx)), c1 = Math.Min(columns - 1, (int)((x + reach) / cellPx));
            int r0 = Math.Max(0, (int)((y - reach) / cellPx)), r1 = Math.Min(rows - 1, (int)((y + reach) / cellPx));
            for (var r = r0; r <= r1; r++)
            {
                var dy = ((r + 0.5) * cellPx) - y;
                for (var c = c0; c <= c1; c++)
                {
                    var dx = ((c + 0.5) * cellPx) - x;
                    cells[(r * columns) + c] += (float)(w * Math.Exp(-((dx * dx) + (dy * dy)) / (2 * sigmaPx * sigmaPx)));
                }
            }
        }

        var max = cells.Length == 0 ? 0 : cells.Max();
        if (max > 0)
        {
            for (var i = 0; i < cells.Length; i++)
            {
                cells[i] /= max;
            }
        }

        return new GazeHeatmap(columns, rows, cellPx, sigmaPx, cells, count, seconds);
    }

    /// <summary>The grid as JSON (camelCase; <c>cells</c> row-major).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, GazeHeatmapJsonContext.Default.GazeHeatmap);

    /// <summary>
    /// The heatmap as an RGBA PNG of the given size (normally the stimulus's size), bilinearly sampled from the grid, to
    /// lay over the stimulus: colour runs blue → green → yellow → red with density and opacity rises to 70 % at the peak.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive or the image would exceed 64 million pixels.</exception>
    public byte[] ToPng(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)width * height, 64_000_000L, nameof(width) + "×" + nameof(height));

        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
        {
            var row = new byte[1 + (4 * width)];
            for (var y = 0; y < height; y++)
            {
                row[0] = 0; // PNG filter type: none.
                var gy = (((y + 0.5) * Rows) / height) - 0.5;
                for (var x = 0; x < width; x++)
                {
                    var gx = (((x + 0.5) * Columns) / width) - 0.5;
                    Colour(Sample(gx, gy), row.AsSpan(1 + (4 * x), 4));
                }

                z.Write(row);
            }
        }

        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bit depth
        header[9] = 6; // colour type RGBA
        Chunk(png, "IHDR"u8, header);
        Chunk(png, "IDAT"u8, raw.GetBuffer().AsSpan(0, (int)raw.Length));
        Chunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    private float Sample(double gx, double gy)
    {
        gx = Math.Clamp(gx, 0, Columns - 1);
        gy = Math.Clamp(gy, 0, Rows - 1);
        int x0 = (int)gx, y0 = (int)gy;
        int x1 = Math.Min(x0 + 1, Columns - 1), y1 = Math.Min(y0 + 1, Rows - 1);
        double fx = gx - x0, fy = gy - y0;
        var top = (Cells[(y0 * Columns) + x0] * (1 - fx)) + (Cells[(y0 * Columns) + x1] * fx);
        var bottom = (Cells[(y1 * Columns) + x0] * (1 - fx)) + (Cells[(y1 * Columns) + x1] * fx);
        return (float)((top * (1 - fy)) + (bottom * fy));
    }

    /// <summary>Density in [0, 1] to RGBA: hue from blue (0) over green and yellow to red (1), opacity 0.7 × density.</summary>
    private static void Colour(float d, Span<byte> rgba)
    {
        d = Math.Clamp(d, 0, 1);
        float r, g, b;
        if (d < 1f / 3)
        {
            var t = d * 3;
            (r, g, b) = (0, t, 1 - t);
        }
        else if (d < 2f / 3)
        {
            var t = (d * 3) - 1;
            (r, g, b) = (t, 1, 0);
        }
        else
        {
            var t = (d * 3) - 2;
            (r, g, b) = (1, 1 - t, 0);
        }

        rgba[0] = (byte)(r * 255);
        rgba[1] = (byte)(g * 255);
        rgba[2] = (byte)(b * 255);
        rgba[3] = (byte)(d * 0.7f * 255);
    }

    private static void Chunk(Stream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        png.Write(type);
        png.Write(data);
        var crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        png.Write(word);
    }

    /// <summary>PNG's CRC-32 (ISO 3309; System.IO.Hashing is a package this project does not otherwise need).</summary>
    private static class Crc32
    {
        private static readonly uint[] Table = Build();

        internal static uint Update(uint crc, ReadOnlySpan<byte> data)
        {
            foreach (var b in data)
            {
                crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }

            return crc;
        }

        private static uint[] Build()
        {
            var table = new uint[256];
            for (var n = 0u; n < 256; n++)
            {
                var c = n;
                for (var k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                }

                table[n] = c;
            }

            return table;
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(GazeHeatmap))]
internal sealed partial class GazeHeatmapJsonContext : JsonSerializerContext;
