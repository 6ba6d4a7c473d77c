using System.Collections.Frozen;
using System.Numerics;

namespace Mien.Text.Sentiment;

/// <summary>
/// VADER sentiment (Hutto &amp; Gilbert 2014, "VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social
/// Media Text", ICWSM-14) as the npm package <c>vader-sentiment</c> 1.1.3 computes it (Comcast's JavaScript port,
/// Apache-2.0; see NOTICE-vader.txt). Every rule follows that code, including where it differs from the later Python
/// releases: a lexicon rating per token; boosters and dampeners up to three tokens back (×0.95, ×0.9 with distance)
/// and their ALL-CAPS emphasis when only some tokens are capitalised; negation (×−0.74, case-sensitive negation words
/// and "n't"), "never so/this" (×1.5, ×1.25), "least" (unless "at least"/"very least"); the special idioms and the
/// "kind of"/"sort of" dampening bigrams; contrastive "but" (exactly "but" or "BUT": ×0.5 before, ×1.5 after);
/// emphasis from up to four '!' and two or more '?'; normalisation x/√(x²+15). This version has no emoji lexicon
/// (emoji score 0; the ASCII emoticons are in the lexicon). Stateless and thread-safe.
/// </summary>
/// <remarks>
/// Parity with the reference is checked by <c>tests/golden/vader/vader-golden.json</c>, written by running the npm
/// package itself (<c>tools/reference/vader-golden.mjs</c>). Lower-casing uses the invariant culture where the
/// reference uses JavaScript's <c>toLowerCase</c>; they agree on every lexicon token.
/// </remarks>
public sealed class VaderSentimentAnalyzer
{
    internal const double BoosterIncrement = 0.293;
    internal const double BoosterDecrement = -0.293;
    internal const double CapsIncrement = 0.733;
    internal const double NegationScalar = -0.74;

    // Punctuation that may cling to a word and is stripped by the token cleaning (the reference's PUNC_LIST).
    private static readonly string[] Punctuation = [".", "!", "?", ",", ";", ":", "-", "'", "\"", "!!", "!!!", "??", "???", "?!?", "!?!", "?!?!", "!?!?"];

    private static readonly FrozenSet<string> Negations = FrozenSet.Create(StringComparer.Ordinal,
    [
        "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt", "ain't", "aren't", "can't", "couldn't",
        "daren't", "didn't", "doesn't", "dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither", "don't",
        "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't", "neednt", "needn't", "never", "none", "nope", "nor",
        "not", "nothing", "nowhere", "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent", "oughtn't", "shan't",
        "shouldn't", "uh-uh", "wasn't", "weren't", "without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom",
        "despite",
    ]);

    private static readonly FrozenDictionary<string, double> Boosters = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["absolutely"] = BoosterIncrement, ["amazingly"] = BoosterIncrement, ["awfully"] = BoosterIncrement,
        ["completely"] = BoosterIncrement, ["considerably"] = BoosterIncrement, ["decidedly"] = BoosterIncrement,
        ["deeply"] = BoosterIncrement, ["effing"] = BoosterIncrement, ["enormously"] = BoosterIncrement,
        ["entirely"] = BoosterIncrement, ["especially"] = BoosterIncrement, ["exceptionally"] = BoosterIncrement,
        ["extremely"] = BoosterIncrement, ["fabulously"] = BoosterIncrement, ["flipping"] = BoosterIncrement,
        ["flippin"] = BoosterIncrement, ["fricking"] = BoosterIncrement, ["frickin"] = BoosterIncrement,
        ["frigging"] = BoosterIncrement, ["friggin"] = BoosterIncrement, ["fully"] = BoosterIncrement,
        ["fucking"] = BoosterIncrement, ["greatly"] = BoosterIncrement, ["hella"] = BoosterIncrement,
        ["highly"] = BoosterIncrement, ["hugely"] = BoosterIncrement, ["incredibly"] = BoosterIncrement,
        ["intensely"] = BoosterIncrement, ["majorly"] = BoosterIncrement, ["more"] = BoosterIncrement,
        ["most"] = BoosterIncrement, ["particularly"] = BoosterIncrement, ["purely"] = BoosterIncrement,
        ["quite"] = BoosterIncrement, ["really"] = BoosterIncrement, ["remarkably"] = BoosterIncrement,
        ["so"] = BoosterIncrement, ["substantially"] = BoosterIncrement, ["thoroughly"] = BoosterIncrement,
        ["totally"] = BoosterIncrement, ["tremendously"] = BoosterIncrement, ["uber"] = BoosterIncrement,
        ["unbelievably"] = BoosterIncrement, ["unusually"] = BoosterIncrement, ["utterly"] = BoosterIncrement,
        ["very"] = BoosterIncrement,
        ["almost"] = BoosterDecrement, ["barely"] = BoosterDecrement, ["hardly"] = BoosterDecrement,
        ["just enough"] = BoosterDecrement, ["kind of"] = BoosterDecrement, ["kinda"] = BoosterDecrement,
        ["kindof"] = BoosterDecrement, ["kind-of"] = BoosterDecrement, ["less"] = BoosterDecrement,
        ["little"] = BoosterDecrement, ["marginally"] = BoosterDecrement, ["occasionally"] = BoosterDecrement,
        ["partly"] = BoosterDecrement, ["scarcely"] = BoosterDecrement, ["slightly"] = BoosterDecrement,
        ["somewhat"] = BoosterDecrement, ["sort of"] = BoosterDecrement, ["sorta"] = BoosterDecrement,
        ["sortof"] = BoosterDecrement, ["sort-of"] = BoosterDecrement,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    // Idioms whose sentiment replaces the keyword's own (the reference's SPECIAL_CASE_IDIOMS; matched case-sensitively).
    private static readonly FrozenDictionary<string, double> Idioms = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["the shit"] = 3, ["the bomb"] = 3, ["bad ass"] = 1.5, ["yeah right"] = -2, ["cut the mustard"] = 2,
        ["kiss of death"] = -1.5, ["hand to mouth"] = -2,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly VaderLexicon _lexicon;

    /// <summary>Creates an analyser over <paramref name="lexicon"/> (<see cref="VaderPackage.LoadLexiconAsync"/>).</summary>
    public VaderSentimentAnalyzer(VaderLexicon lexicon)
    {
        ArgumentNullException.ThrowIfNull(lexicon);
        _lexicon = lexicon;
    }

    /// <summary>Scores <paramref name="text"/> (one sentence or utterance; VADER reads no context beyond it).</summary>
    public SentimentScores Score(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = Tokenize(text);
        var capDifferential = AllCapsDifferential(words);
        var sentiments = new double[words.Count];
        for (var i = 0; i < words.Count; i++)
        {
            var lower = words[i].ToLowerInvariant();
            // A booster, or "kind" of "kind of", carries no sentiment itself: it modifies what follows.
            if ((i < words.Count - 1 && lower == "kind" && words[i + 1].ToLowerInvariant() == "of") || Boosters.ContainsKey(lower))
            {
                continue;
            }

            sentiments[i] = Valence(words, i, lower, capDifferential);
        }

        ButCheck(words, sentiments);
        return ScoreValence(sentiments, text);
    }

    private double Valence(List<string> words, int index, string lower, bool capDifferential)
    {
        if (!_lexicon.TryGetValence(lower, out var valence))
        {
            return 0;
        }

        if (IsUpper(words[index]) && capDifferential)
        {
            valence += valence > 0 ? CapsIncrement : -CapsIncrement;
        }

        for (var back = 0; back < 3; back++)
        {
            if (index > back && !_lexicon.Contains(words[index - (back + 1)].ToLowerInvariant()))
            {
                // Modifiers further away count less.
                var s = ScalarIncDec(words[index - (back + 1)], valence, capDifferential);
                if (back == 1 && s != 0)
                {
                    s *= 0.95;
                }
                else if (back == 2 && s != 0)
                {
                    s *= 0.9;
                }

                valence += s;
                valence = NeverCheck(valence, words, back, index);
                if (back == 2)
                {
                    valence = IdiomsCheck(valence, words, index);
                }
            }
        }

        return LeastCheck(valence, words, index);
    }

    private static double ScalarIncDec(string word, double valence, bool capDifferential)
    {
        if (!Boosters.TryGetValue(word.ToLowerInvariant(), out var scalar))
        {
            return 0;
        }

        if (valence < 0)
        {
            scalar *= -1;
        }

        if (capDifferential && IsUpper(word))
        {
            scalar += valence > 0 ? CapsIncrement : -CapsIncrement;
        }

        return scalar;
    }

    // The reference compares these words case-sensitively (the Python original lower-cases them).
    private static double NeverCheck(double valence, List<string> words, int back, int index)
    {
        if (back == 0 && IsNegation(words[index - 1]))
        {
            valence *= NegationScalar;
        }

        if (back == 1)
        {
            if (words[index - 2] == "never" && (words[index - 1] == "so" || words[index - 1] == "this"))
            {
                valence *= 1.5;
            }
            else if (IsNegation(words[index - 2]))
            {
                valence *= NegationScalar;
            }
        }

        if (back == 2)
        {
            // As in the reference: "so"/"this" right before the word also boosts, without a "never".
            if ((words[index - 3] == "never" && (words[index - 2] == "so" || words[index - 2] == "this")) || words[index - 1] == "so" || words[index - 1] == "this")
            {
                valence *= 1.25;
            }
            else if (IsNegation(words[index - 3]))
            {
                valence *= NegationScalar;
            }
        }

        return valence;
    }

    private static double IdiomsCheck(double valence, List<string> words, int index)
    {
        var oneZero = $"{words[index - 1]} {words[index]}";
        var twoOneZero = $"{words[index - 2]} {words[index - 1]} {words[index]}";
        var twoOne = $"{words[index - 2]} {words[index - 1]}";
        var threeTwoOne = $"{words[index - 3]} {words[index - 2]} {words[index - 1]}";
        var threeTwo = $"{words[index - 3]} {words[index - 2]}";
        foreach (var sequence in (ReadOnlySpan<string>)[oneZero, twoOneZero, twoOne, threeTwoOne, threeTwo])
        {
            if (Idioms.TryGetValue(sequence, out var idiom))
            {
                valence = idiom;
                break;
            }
        }

        if (words.Count - 1 > index && Idioms.TryGetValue($"{words[index]} {words[index + 1]}", out var zeroOne))
        {
            valence = zeroOne;
        }

        if (words.Count - 1 > index + 1 && Idioms.TryGetValue($"{words[index]} {words[index + 1]} {words[index + 2]}", out var zeroOneTwo))
        {
            valence = zeroOneTwo;
        }

        // Booster bigrams ("kind of", "sort of", "just enough") dampen, whatever the sign (as in the reference).
        if (Boosters.ContainsKey(threeTwo) || Boosters.ContainsKey(twoOne))
        {
            valence += BoosterDecrement;
        }

        return valence;
    }

    private double LeastCheck(double valence, List<string> words, int index)
    {
        if (index > 0 && words[index - 1].ToLowerInvariant() == "least" && !_lexicon.Contains("least"))
        {
            if (index == 1)
            {
                return valence * NegationScalar;
            }

            var before = words[index - 2].ToLowerInvariant();
            if (before != "at" && before != "very")
            {
                return valence * NegationScalar;
            }
        }

        return valence;
    }

    private static void ButCheck(List<string> words, double[] sentiments)
    {
        var but = words.IndexOf("but");
        if (but < 0)
        {
            but = words.IndexOf("BUT");
        }

        if (but < 0)
        {
            return;
        }

        for (var i = 0; i < sentiments.Length; i++)
        {
            if (i < but)
            {
                sentiments[i] *= 0.5;
            }
            else if (i > but)
            {
                sentiments[i] *= 1.5;
            }
        }
    }

    private static SentimentScores ScoreValence(double[] sentiments, string text)
    {
        if (sentiments.Length == 0)
        {
            return SentimentScores.Empty;
        }

        double sum = 0;
        foreach (var s in sentiments)
        {
            sum += s;
        }

        var emphasis = PunctuationEmphasis(text);
        if (sum > 0)
        {
            sum += emphasis;
        }
        else if (sum < 0)
        {
            sum -= emphasis;
        }

        var compound = Normalize(sum);
        double positive = 0, negative = 0;
        var neutral = 0;
        foreach (var s in sentiments)
        {
            // ±1 compensates for the neutral tokens, which count 1 each.
            if (s > 0)
            {
                positive += s + 1;
            }
            else if (s < 0)
            {
                negative += s - 1;
            }
            else
            {
                neutral++;
            }
        }

        if (positive > Math.Abs(negative))
        {
            positive += emphasis;
        }
        else if (positive < Math.Abs(negative))
        {
            negative -= emphasis;
        }

        var total = positive + Math.Abs(negative) + neutral;
        return new SentimentScores(
            ToFixed(Math.Abs(negative / total), 3),
            ToFixed(Math.Abs(neutral / total), 3),
            ToFixed(Math.Abs(positive / total), 3),
            ToFixed(compound, 4));
    }

    private static double PunctuationEmphasis(string text)
    {
        int exclamations = 0, questions = 0;
        foreach (var c in text)
        {
            exclamations += c == '!' ? 1 : 0;
            questions += c == '?' ? 1 : 0;
        }

        var ep = Math.Min(exclamations, 4) * 0.292;
        var qm = questions > 1 ? (questions <= 3 ? questions * 0.18 : 0.96) : 0;
        return ep + qm;
    }

    internal static double Normalize(double score, double alpha = 15)
    {
        var normalized = score / Math.Sqrt((score * score) + alpha);
        return normalized < -1 ? -1 : normalized > 1 ? 1 : normalized;
    }

    /// <summary>
    /// JavaScript's <c>parseFloat(x.toFixed(digits))</c>: the integer n nearest to x·10^digits computed on the exact
    /// binary value of x (ties away from zero), then the nearest double to n/10^digits.
    /// </summary>
    internal static double ToFixed(double x, int digits)
    {
        if (!double.IsFinite(x))
        {
            return x;
        }

        var negative = x < 0;
        var bits = BitConverter.DoubleToInt64Bits(Math.Abs(x));
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0)
        {
            exponent = 1;
        }
        else
        {
            mantissa |= 1L << 52;
        }

        // |x| = mantissa · 2^(exponent − 1075) exactly.
        var shift = exponent - 1075;
        var numerator = new BigInteger(mantissa) * BigInteger.Pow(10, digits);
        var denominator = BigInteger.One;
        if (shift >= 0)
        {
            numerator <<= shift;
        }
        else
        {
            denominator <<= -shift;
        }

        var n = ((2 * numerator) + denominator) / (2 * denominator);
        var value = double.Parse(n.ToString(System.Globalization.CultureInfo.InvariantCulture) + "e-" + digits.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
        return negative ? -value : value;
    }

    private static bool IsNegation(string word) => Negations.Contains(word) || word.Contains("n't", StringComparison.Ordinal);

    /// <summary>Python's <c>str.isupper</c> as the reference approximates it: no a–z and at least one A–Z.</summary>
    internal static bool IsUpper(string word)
    {
        var upper = false;
        foreach (var c in word)
        {
            if (c is >= 'a' and <= 'z')
            {
                return false;
            }

            upper |= c is >= 'A' and <= 'Z';
        }

        return upper;
    }

    private static bool AllCapsDifferential(List<string> words)
    {
        var caps = 0;
        foreach (var w in words)
        {
            caps += IsUpper(w) ? 1 : 0;
        }

        var differential = words.Count - caps;
        return differential > 0 && differential < words.Count;
    }

    /// <summary>
    /// The reference's tokens: split at every JavaScript whitespace character, drop tokens of one UTF-16 unit, and strip
    /// one listed punctuation run from the start or the end of a token when what remains is a word of the text with
    /// its ASCII punctuation removed (so "good!" → "good" but ":)" and "don't" stay whole).
    /// </summary>
    internal static List<string> Tokenize(string text)
    {
        var tokens = Split(text);
        var bare = new HashSet<string>(Split(RemovePunctuation(text)), StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            foreach (var p in Punctuation)
            {
                if (token.Length > p.Length && token.StartsWith(p, StringComparison.Ordinal) && bare.Contains(token[p.Length..]))
                {
                    tokens[i] = token[p.Length..];
                    break;
                }

                if (token.Length > p.Length && token.EndsWith(p, StringComparison.Ordinal) && bare.Contains(token[..^p.Length]))
                {
                    tokens[i] = token[..^p.Length];
                    break;
                }
            }
        }

        return tokens;
    }

    private static List<string> Split(string text)
    {
        var result = new List<string>();
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i == text.Length || IsJavaScriptWhiteSpace(text[i]))
            {
                if (i - start > 1)
                {
                    result.Add(text[start..i]);
                }

                start = i + 1;
            }
        }

        return result;
    }

    private static string RemovePunctuation(string text)
    {
        var buffer = new System.Text.StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (!IsAsciiPunctuation(c))
            {
                buffer.Append(c);
            }
        }

        return buffer.ToString();
    }

    // Python's string.punctuation, the reference's REGEX_REMOVE_PUNCTUATION.
    private static bool IsAsciiPunctuation(char c) => c is (>= '!' and <= '/') or (>= ':' and <= '@') or (>= '[' and <= '`') or (>= '{' and <= '~');

    // JavaScript's \s: differs from char.IsWhiteSpace in U+0085 (not JS whitespace) and U+FEFF (JS whitespace).
    private static bool IsJavaScriptWhiteSpace(char c) => c switch
    {
        '\t' or '\n' or '\v' or '\f' or '\r' or ' ' or '\u00a0' or '\u1680' or '\u2028' or '\u2029' or '\u202f' or '\u205f' or '\u3000' or '\ufeff' => true,
        >= '\u2000' and <= '\u200a' => true,
        _ => false,
    };
}
