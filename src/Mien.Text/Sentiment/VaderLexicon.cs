using System.Collections.Frozen;
using System.Globalization;
using Mien.Failures;

namespace Mien.Text.Sentiment;

/// <summary>
/// VADER's sentiment lexicon: token → mean valence rating (−4 … +4) from ten human raters. Read from the
/// <c>vader_lexicon.txt</c> the npm package ships (tab-separated: token, mean, standard deviation, the ten ratings);
/// only the first two columns are used, as by the reference. A token listed twice keeps its last rating, as the
/// reference's JavaScript object literal does.
/// </summary>
public sealed class VaderLexicon
{
    private readonly FrozenDictionary<string, double> _valences;

    private VaderLexicon(FrozenDictionary<string, double> valences) => _valences = valences;

    /// <summary>How many distinct tokens the lexicon rates.</summary>
    public int Count => _valences.Count;

    /// <summary>The valence of <paramref name="token"/> (already lower-cased), when the lexicon rates it.</summary>
    public bool TryGetValence(string token, out double valence) => _valences.TryGetValue(token, out valence);

    /// <summary>Whether the lexicon rates <paramref name="token"/> (already lower-cased).</summary>
    public bool Contains(string token) => _valences.ContainsKey(token);

    /// <summary>Reads the lexicon file at <paramref name="path"/> (UTF-8).</summary>
    /// <exception cref="InputException">The file is missing, unreadable or malformed (the message names the line).</exception>
    public static VaderLexicon Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            using var reader = new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return Parse(reader, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"{path}: the VADER lexicon cannot be read ({e.Message}).", e);
        }
    }

    /// <summary>Parses lexicon lines from <paramref name="reader"/>; <paramref name="name"/> names the source in errors.</summary>
    /// <exception cref="InputException">A line has no tab or its rating is not a number.</exception>
    public static VaderLexicon Parse(TextReader reader, string name)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var valences = new Dictionary<string, double>(StringComparer.Ordinal);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            var next = tab < 0 ? -1 : line.IndexOf('\t', tab + 1);
            var rating = tab < 0 ? "" : next < 0 ? line[(tab + 1)..] : line[(tab + 1)..next];
            if (tab <= 0 || !double.TryParse(rating, NumberStyles.Float, CultureInfo.InvariantCulture, out var valence) || !double.IsFinite(valence))
            {
                throw new InputException($"{name} line {lineNumber}: expected 'token<TAB>mean rating<TAB>…', got '{Shorten(line)}'.");
            }

            valences[line[..tab]] = valence;
        }

        if (valences.Count == 0)
        {
            throw new InputException($"{name}: the VADER lexicon is empty.");
        }

        return new VaderLexicon(valences.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static string Shorten(string line) => line.Length <= 60 ? line : line[..60] + "…";
}
