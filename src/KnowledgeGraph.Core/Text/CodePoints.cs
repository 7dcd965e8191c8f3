using System.Text;

namespace KnowledgeGraph.Text;

/// <summary>The original system counts offsets in Unicode code points (Python string indices); .NET strings are
/// UTF-16. These helpers convert between the two. Texts without surrogate pairs (nearly all) take a fast path
/// where both indices are equal.</summary>
public static class CodePoints
{
    public static bool HasSurrogates(string text) => text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    public static int Length(string text)
    {
        if (!HasSurrogates(text))
        {
            return text.Length;
        }
        var n = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            n++;
        }
        return n;
    }

    /// <summary>UTF-16 index of code point <paramref name="codePointIndex"/> (which may equal the length).</summary>
    public static int ToUtf16(string text, int codePointIndex)
    {
        if (!HasSurrogates(text))
        {
            return codePointIndex;
        }
        var cp = 0;
        var i = 0;
        while (cp < codePointIndex && i < text.Length)
        {
            i += char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            cp++;
        }
        if (cp != codePointIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(codePointIndex), codePointIndex, "Index is beyond the end of the text.");
        }
        return i;
    }

    /// <summary>Code-point index of UTF-16 index <paramref name="utf16Index"/>.</summary>
    public static int FromUtf16(string text, int utf16Index)
    {
        var cp = 0;
        for (var i = 0; i < utf16Index && i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                if (i >= utf16Index)
                {
                    break;
                }
            }
            cp++;
        }
        return cp;
    }

    /// <summary>Substring by code-point offsets [start, end).</summary>
    public static string Substring(string text, int start, int end)
    {
        if (!HasSurrogates(text))
        {
            return text[start..end];
        }
        var s = ToUtf16(text, start);
        var e = ToUtf16(text, end);
        return text[s..e];
    }

    /// <summary>Orders strings by code point, like Python's <c>sorted()</c> (ordinal UTF-16 order differs for
    /// characters above U+FFFF versus U+E000–U+FFFF).</summary>
    public static readonly IComparer<string> Comparer = Comparer<string>.Create(Compare);

    public static int Compare(string? a, string? b)
    {
        if (ReferenceEquals(a, b)) return 0;
        if (a is null) return -1;
        if (b is null) return 1;
        var ea = a.EnumerateRunes();
        var eb = b.EnumerateRunes();
        while (true)
        {
            var ha = ea.MoveNext();
            var hb = eb.MoveNext();
            if (!ha || !hb)
            {
                return ha == hb ? 0 : (ha ? 1 : -1);
            }
            var c = ea.Current.Value.CompareTo(eb.Current.Value);
            if (c != 0)
            {
                return c;
            }
        }
    }

    /// <summary>Python's <c>str.strip()</c>: removes leading and trailing characters for which <c>isspace()</c> is true.</summary>
    public static string PythonStrip(string s)
    {
        var start = 0;
        var end = s.Length;
        while (start < end && PythonText.IsSpace(s[start])) start++;
        while (end > start && PythonText.IsSpace(s[end - 1])) end--;
        return start == 0 && end == s.Length ? s : s[start..end];
    }
}

/// <summary>Python's definitions of character classes that the original's regular expressions rely on.</summary>
public static class PythonText
{
    /// <summary>Python <c>str.isspace()</c> for a BMP character: .NET white space plus the information separators U+001C–U+001F.</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001C' and <= '\u001F';

    /// <summary>A .NET character class equal to Python's <c>\w</c> for str patterns: letters, all numbers (Nd, Nl, No) and underscore
    /// (but not combining marks, unlike .NET's <c>\w</c>).</summary>
    public const string WordClass = @"[\p{L}\p{N}_]";

    /// <summary>A .NET character class equal to Python's <c>\s</c>.</summary>
    public const string SpaceClass = @"[\s\x1C-\x1F]";
}
