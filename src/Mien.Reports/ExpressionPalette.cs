using Mien.Results;

namespace Mien.Reports;

/// <summary>
/// One colour per expression, used for every area, band, bar and swatch in the report. Everything that is not
/// an expression (pose, eyes, mouth) is drawn in slate tones, so in this report colour always means expression.
/// Neutral is grey so that it recedes and the expressions that are shown stand out.
/// </summary>
internal static class ExpressionPalette
{
    private static readonly string[] Colors =
    [
        "#d64550", // anger: red
        "#7a9a3a", // disgust: olive green
        "#8a63b8", // fear: violet
        "#f0b429", // happiness: warm yellow
        "#3a7bd5", // sadness: blue
        "#27a5a0", // surprise: teal
        "#c5ccd6", // neutral: light grey
    ];

    /// <summary>Colour of the label at <paramref name="index"/> in <see cref="ExpressionEstimate.Labels"/>.</summary>
    public static string Color(int index) => Colors[index];

    /// <summary>CSS class suffix for the label at <paramref name="index"/> (labels are fixed lowercase words).</summary>
    public static string Key(int index) => ExpressionEstimate.Labels[index];

    /// <summary>Index of <paramref name="label"/>, or -1.</summary>
    public static int IndexOf(string? label)
    {
        for (var i = 0; i < ExpressionEstimate.Labels.Count; i++)
        {
            if (ExpressionEstimate.Labels[i] == label)
            {
                return i;
            }
        }

        return -1;
    }
}
