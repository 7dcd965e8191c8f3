namespace KnowledgeGraph.Text;

/// <summary>Splits a passage into sentence-like segments: after ';', '!' or '?' followed by white space, after '.'
/// followed by white space and then anything but a lower-case letter, and at line breaks; segments without a letter or digit are dropped. Ranges are UTF-16 [Start, End). The passage classifier
/// learns and predicts on segments, so a long passage is as easy to read as a table cell.</summary>
public static class Segments
{
    /// <summary>Segments longer than this many characters are cut at the last space before it.</summary>
    public const int MaxLength = 600;

    public static IReadOnlyList<(int Start, int End)> Split(string text)
    {
        var result = new List<(int, int)>();
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            var end = i == text.Length || text[i] == '\n'
                || (text[i] is ';' or '!' or '?' && (i + 1 == text.Length || char.IsWhiteSpace(text[i + 1])))
                || (text[i] == '.' && (i + 1 == text.Length || char.IsWhiteSpace(text[i + 1])) && !NextIsLowerCase(text, i + 1));
            if (end)
            {
                Add(result, text, start, i < text.Length && text[i] != '\n' ? i + 1 : i);
                start = i + 1;
            }
            else if (i - start >= MaxLength)
            {
                // Too long without a sentence end: cut at the last space (or here).
                var space = text.LastIndexOf(' ', i, i - start);
                var stop = space > start ? space : i;
                Add(result, text, start, stop);
                start = stop;
            }
        }
        return result;
    }

    /// <summary>"e.g. land": a full stop followed by a lower-case word does not end a sentence.</summary>
    private static bool NextIsLowerCase(string text, int from)
    {
        var k = from;
        while (k < text.Length && text[k] is ' ' or '\t') k++;
        return k < text.Length && char.IsLower(text[k]);
    }

    private static void Add(List<(int, int)> result, string text, int start, int end)
    {
        while (start < end && char.IsWhiteSpace(text[start])) start++;
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        for (var k = start; k < end; k++)
        {
            if (char.IsLetterOrDigit(text[k]))
            {
                result.Add((start, end));
                return;
            }
        }
    }
}
