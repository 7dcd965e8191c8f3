using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Classification;

/// <summary>Tells, for many keyword classifiers at once, which passages can hold one of their matches, so that each
/// runs its patterns only on those (<see cref="KeywordClassifier.Predict(IReadOnlyList{string}, ReadOnlySpan{int})"/>).
/// <para>Why it is exact: a label's pattern begins with "no word character before" and ends with "no word character
/// after", and between its parts stand separators, none of them a word character. So every maximal run of word
/// characters in a label (<see cref="PythonText.WordClass"/>) matches a whole run of word characters in the text: equal
/// for a case-sensitive label, equal ignoring ASCII case for a case-insensitive one (whose labels are ASCII). A
/// passage that lacks one of the words of each of a classifier's labels cannot match it. Text with a character that
/// the patterns' case-insensitive matching equates with an ASCII letter (the Kelvin sign, for example) is screened by
/// no one: every classifier looks at it. A classifier with a label without any word character is never screened.</para>
/// <para>Why it exists: the patterns of a concept with many labels cost a few microseconds per passage, most of
/// which match nothing; splitting a passage into words once and looking each up costs less than one such concept
/// does, for all of them.</para></summary>
public sealed class KeywordScreen
{
    private readonly int _count;
    private readonly int _maskWords; // 64-bit words per classifier mask
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly List<Label>[] _labelsByKey; // by word ID: the labels that word is the key of (their longest word)
    private readonly ulong[] _always;

    public KeywordScreen(IReadOnlyList<KeywordClassifier> classifiers)
    {
        ArgumentNullException.ThrowIfNull(classifiers);
        _count = classifiers.Count;
        _maskWords = Math.Max(1, (_count + 63) / 64);
        _always = new ulong[_maskWords];
        var labelsByKey = new List<List<Label>>();
        int IdOf(string word, bool caseSensitive)
        {
            if (!_entries.TryGetValue(word, out var entry))
            {
                _entries[word] = entry = new Entry();
            }
            if (!caseSensitive)
            {
                if (entry.Insensitive < 0)
                {
                    entry.Insensitive = labelsByKey.Count;
                    labelsByKey.Add([]);
                }
                return entry.Insensitive;
            }
            var exact = entry.Sensitive.FindIndex(s => s.Word == word);
            if (exact >= 0)
            {
                return entry.Sensitive[exact].Id;
            }
            entry.Sensitive.Add((word, labelsByKey.Count));
            labelsByKey.Add([]);
            return labelsByKey.Count - 1;
        }
        for (var k = 0; k < _count; k++)
        {
            if (classifiers[k].ScreenLabels is not { } labels)
            {
                _always[k / 64] |= 1UL << (k % 64);
                continue;
            }
            foreach (var label in labels)
            {
                var ids = label.Words.Select(w => IdOf(w, label.CaseSensitive)).ToArray();
                var key = Array.IndexOf(label.Words, label.Words.MaxBy(w => w.Length));
                labelsByKey[ids[key]].Add(new Label(k, [.. ids.Where((_, i) => i != key)]));
            }
        }
        _labelsByKey = [.. labelsByKey];
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>For each classifier (in the constructor's order), the indices of the passages of
    /// <paramref name="texts"/> that can hold one of its matches, ascending.</summary>
    public int[][] Candidates(IReadOnlyList<string> texts)
    {
        var found = new List<int>[_count];
        for (var k = 0; k < _count; k++)
        {
            found[k] = [];
        }
        var mask = new ulong[_maskWords];
        var seen = new int[_labelsByKey.Length]; // the passage number + 1 in which a word was last seen
        var present = new List<int>();
        for (var i = 0; i < texts.Count; i++)
        {
            var text = texts[i].AsSpan();
            if (text.ContainsAny(FoldsToAscii))
            {
                mask.AsSpan().Fill(ulong.MaxValue);
            }
            else
            {
                _always.CopyTo(mask, 0);
                Screen(text, i + 1, seen, present, mask);
            }
            for (var w = 0; w < _maskWords; w++)
            {
                for (var bits = mask[w]; bits != 0; bits &= bits - 1)
                {
                    var k = w * 64 + BitOperations.TrailingZeroCount(bits);
                    if (k < _count)
                    {
                        found[k].Add(i);
                    }
                }
            }
        }
        return found.Select(f => f.ToArray()).ToArray();
    }

    /// <summary>Marks in <paramref name="mask"/> the classifiers one of whose labels has all its words in the text.</summary>
    private void Screen(ReadOnlySpan<char> text, int stamp, int[] seen, List<int> present, ulong[] mask)
    {
        present.Clear();
        var i = 0;
        while (i < text.Length)
        {
            if (!Words.IsWord(text[i]))
            {
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && Words.IsWord(text[i]))
            {
                i++;
            }
            var word = text[start..i];
            if (!_lookup.TryGetValue(word, out var entry))
            {
                continue;
            }
            if (entry.Insensitive >= 0)
            {
                See(entry.Insensitive);
            }
            foreach (var (exact, id) in entry.Sensitive)
            {
                if (word.SequenceEqual(exact))
                {
                    See(id);
                }
            }
        }
        foreach (var id in present)
        {
            foreach (var label in _labelsByKey[id])
            {
                if ((mask[label.Classifier / 64] & (1UL << (label.Classifier % 64))) == 0 && AllSeen(label.Others, seen, stamp))
                {
                    mask[label.Classifier / 64] |= 1UL << (label.Classifier % 64);
                }
            }
        }

        void See(int id)
        {
            if (seen[id] != stamp)
            {
                seen[id] = stamp;
                present.Add(id);
            }
        }
    }

    private static bool AllSeen(int[] ids, int[] seen, int stamp)
    {
        foreach (var id in ids)
        {
            if (seen[id] != stamp)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The IDs of the words equal to a text word ignoring ASCII case: the case-insensitive one, and the
    /// case-sensitive ones with their exact spelling.</summary>
    private sealed class Entry
    {
        public int Insensitive { get; set; } = -1;
        public List<(string Word, int Id)> Sensitive { get; } = [];
    }

    /// <summary>A label of classifier <see cref="Classifier"/>, found under its longest word: it can match only where its
    /// other words are present too.</summary>
    private sealed record Label(int Classifier, int[] Others);

    /// <summary>Characters other than ASCII that case-insensitive patterns equate with an ASCII letter or digit
    /// (asked of the regular expression engine itself, so that its case table, not a guess, decides).</summary>
    private static readonly SearchValues<char> FoldsToAscii = SearchValues.Create(FindFoldsToAscii());

    private static char[] FindFoldsToAscii()
    {
        var ascii = new Regex("^[a-z0-9_]$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        var found = new List<char>();
        for (var c = 0x80; c <= 0xFFFF; c++)
        {
            var ch = (char)c;
            if (char.IsSurrogate(ch))
            {
                continue;
            }
            if (ascii.IsMatch(ch.ToString()) || char.ToLowerInvariant(ch) < 0x80 || char.ToUpperInvariant(ch) < 0x80)
            {
                found.Add(ch);
            }
        }
        return [.. found];
    }
}

/// <summary>Python's <c>\w</c> for one UTF-16 unit (<see cref="PythonText.WordClass"/>), from a table built once.</summary>
internal static class Words
{
    private static readonly bool[] Table = Build();

    public static bool IsWord(char c) => Table[c];

    private static bool[] Build()
    {
        var table = new bool[0x10000];
        for (var c = 0; c < table.Length; c++)
        {
            table[c] = c == '_' || CharUnicodeInfo.GetUnicodeCategory((char)c) is
                UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
        }
        return table;
    }

    /// <summary>The maximal runs of word characters in <paramref name="text"/>.</summary>
    public static IEnumerable<string> Runs(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            if (!IsWord(text[i]))
            {
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && IsWord(text[i]))
            {
                i++;
            }
            yield return text[start..i];
        }
    }
}

/// <summary>The words of a keyword label (maximal runs of word characters), and whether it is matched case-sensitively.</summary>
internal sealed record ScreenLabel(string[] Words, bool CaseSensitive);
