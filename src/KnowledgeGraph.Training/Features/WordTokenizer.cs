using System.Text.RegularExpressions;

namespace KnowledgeGraph.Training.Features;

/// <summary>A token of a passage: its text and its UTF-16 range [Start, End).</summary>
public readonly record struct Token(string Text, int Start, int End);

/// <summary>Splits text into words (runs of Python <c>\w</c> characters: letters, numbers, underscore) and single other
/// non-space characters, keeping offsets.</summary>
public static partial class WordTokenizer
{
    public static IReadOnlyList<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        for (var m = Pattern().Match(text); m.Success; m = m.NextMatch())
        {
            tokens.Add(new Token(m.Value, m.Index, m.Index + m.Length));
        }
        return tokens;
    }

    [GeneratedRegex(@"[\p{L}\p{N}_]+|[^\s]", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
