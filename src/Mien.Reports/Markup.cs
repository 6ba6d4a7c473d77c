using System.Globalization;
using System.Text;

namespace Mien.Reports;

/// <summary>Text and numbers as they go into the report's HTML and SVG.</summary>
internal static class Markup
{
    /// <summary>
    /// Escapes text from data (file names, labels, problems) for element content and quoted attributes:
    /// &amp; &lt; &gt; " ' become references, and characters XML forbids (C0 controls other than tab, LF, CR;
    /// lone surrogates; U+FFFE/U+FFFF) become U+FFFD, so the page also parses as XML.
    /// </summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            string? replacement = c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\t' or '\n' or '\r' => null,
                < ' ' or '\uFFFE' or '\uFFFF' => "\uFFFD",
                _ when char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) => null,
                _ when char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1]) => null,
                _ when char.IsSurrogate(c) => "\uFFFD",
                _ => null,
            };

            if (replacement is null)
            {
                sb?.Append(c);
                continue;
            }

            sb ??= new StringBuilder(text.Length + 16).Append(text, 0, i);
            sb.Append(replacement);
        }

        return sb?.ToString() ?? text;
    }

    /// <summary>An SVG coordinate: one decimal is a tenth of a viewBox unit, finer than a screen pixel.</summary>
    public static string Coordinate(double value) => (Math.Round(value, 1) + 0.0).ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>A number for people, with a fixed number of decimals.</summary>
    public static string Number(double value, int decimals) =>
        (Math.Round(value, decimals, MidpointRounding.AwayFromZero) + 0.0).ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>Seconds for people: "12.3 s", "3 min 05 s", "1 h 02 min".</summary>
    public static string Duration(double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0)
        {
            return "–";
        }

        if (seconds < 60)
        {
            return Number(seconds, 1) + " s";
        }

        var total = (long)Math.Round(seconds);
        if (total < 3600)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{total / 60} min {total % 60:00} s");
        }

        return string.Create(CultureInfo.InvariantCulture, $"{total / 3600} h {total / 60 % 60:00} min");
    }

    /// <summary>A time on the timeline: "14.2 s".</summary>
    public static string Time(double seconds) => Number(seconds, 1) + " s";

    /// <summary>A share as a percentage: "72 %".</summary>
    public static string Percent(double share) => Number(share * 100, 0) + " %";
}
