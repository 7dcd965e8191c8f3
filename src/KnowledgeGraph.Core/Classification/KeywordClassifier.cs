using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Classification;

/// <summary>The original system's keyword classifier, matched exactly:
/// <list type="bullet">
/// <item>labels (preferred + alternatives; negatives separately) sorted longest first, blank ones skipped;</item>
/// <item>a label is case-sensitive if it has an ASCII capital or any non-ASCII character, else case-insensitive;</item>
/// <item>whitespace, hyphens, en and em dashes between a label's words match any run of those separators;</item>
/// <item>a match must not touch a word character (Python's <c>\w</c>) on either side;</item>
/// <item>case-sensitive matches, then case-insensitive ones, are merged greedily where they overlap;</item>
/// <item>a positive span that shares a character with a (merged) negative span is dropped.</item>
/// </list>
/// Offsets are code points. It needs no training.</summary>
public sealed class KeywordClassifier : IClassifier
{
    private const string Separators = @"[\s\x1C-\x1F\-\u2013\u2014]";
    private static readonly Regex SeparatorSplit = new(Separators + "+", RegexOptions.CultureInvariant);

    private readonly Regex? _positiveSensitive;
    private readonly Regex? _positiveInsensitive;
    private readonly Regex? _negativeSensitive;
    private readonly Regex? _negativeInsensitive;
    // Shared by every span (immutable lists, so a span keeps them without copying).
    private readonly ValueList<string> _labellers;

    /// <param name="concept">The concept whose labels to match.</param>
    /// <param name="compiled">Compile the patterns to IL: slower to build, faster to run (false for short-lived matchers).</param>
    public KeywordClassifier(Concept concept, bool compiled = true)
    {
        ArgumentNullException.ThrowIfNull(concept);
        Concept = concept;
        Id = Identifier.Generate(Name, concept.Id);
        _labellers = new ValueList<string>([Labeller(concept)]);
        (_positiveSensitive, _positiveInsensitive) = BuildPatterns(concept.AllLabels, compiled);
        (_negativeSensitive, _negativeInsensitive) = BuildPatterns(concept.NegativeLabels, compiled);
        ScreenLabels = FindScreenLabels(concept.AllLabels);
    }

    public string Name => "KeywordClassifier";
    public string Id { get; }
    public Concept Concept { get; }

    /// <summary>The labeller recorded on predicted spans, the original's <c>repr</c>: <c>KeywordClassifier("label")</c>.</summary>
    public static string Labeller(Concept concept) => $"KeywordClassifier(\"{concept.PreferredLabel}\")";

    public IReadOnlyList<IReadOnlyList<Span>> Predict(IReadOnlyList<string> texts)
    {
        var stamps = Stamp();
        var result = new IReadOnlyList<Span>[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            result[i] = Predict(texts[i], stamps);
        }
        return result;
    }

    public IReadOnlyList<Span> Predict(string text) => Predict(text, Stamp());

    /// <summary>The timestamps of the spans of one prediction call: one, now.</summary>
    private static ValueList<string> Stamp() => new([Timestamp.Now()]);

    /// <summary>As <see cref="Predict(IReadOnlyList{string})"/>, when only the passages at <paramref name="candidates"/>
    /// (ascending indices, from a <see cref="KeywordScreen"/>) can hold a match: the others get no spans unread.</summary>
    public IReadOnlyList<IReadOnlyList<Span>> Predict(IReadOnlyList<string> texts, ReadOnlySpan<int> candidates)
    {
        var stamps = Stamp();
        var result = new IReadOnlyList<Span>[texts.Count];
        Array.Fill(result, []);
        foreach (var i in candidates)
        {
            result[i] = Predict(texts[i], stamps);
        }
        return result;
    }

    /// <summary>The word runs of each positive label (<see cref="KeywordScreen"/>): every match of the label holds each
    /// of them as a whole word of the text; null when some label has no word character, so nothing is certain.</summary>
    internal IReadOnlyList<ScreenLabel>? ScreenLabels { get; }

    private IReadOnlyList<Span> Predict(string text, ValueList<string> stamps)
    {
        var positives = Merge(Find(text, _positiveSensitive, _positiveInsensitive));
        if (positives.Count == 0)
        {
            return [];
        }
        var negatives = Merge(Find(text, _negativeSensitive, _negativeInsensitive));
        var surrogates = CodePoints.HasSurrogates(text);
        var spans = new List<Span>(positives.Count);
        foreach (var (start, end) in positives)
        {
            if (negatives.Any(n => n.Start < end && start < n.End))
            {
                continue;
            }
            var s = surrogates ? CodePoints.FromUtf16(text, start) : start;
            var e = surrogates ? CodePoints.FromUtf16(text, end) : end;
            spans.Add(new Span(text, s, e, Concept.WikibaseId, _labellers, stamps));
        }
        return spans;
    }

    private static List<(int Start, int End)> Find(string text, Regex? sensitive, Regex? insensitive)
    {
        var found = new List<(int, int)>();
        foreach (var regex in (ReadOnlySpan<Regex?>)[sensitive, insensitive])
        {
            if (regex is null)
            {
                continue;
            }
            for (var m = regex.Match(text); m.Success; m = m.NextMatch())
            {
                if (m.Length > 0)
                {
                    found.Add((m.Index, m.Index + m.Length));
                }
            }
        }
        return found;
    }

    /// <summary>The greedy grouping of <see cref="Span.GroupOverlapping"/> on plain ranges, replacing each group by its union.</summary>
    private static List<(int Start, int End)> Merge(List<(int Start, int End)> ranges)
    {
        if (ranges.Count <= 1)
        {
            return ranges;
        }
        var groups = new List<List<(int Start, int End)>>();
        foreach (var r in ranges)
        {
            var target = groups.FirstOrDefault(g => g.Any(m => m.Start < r.End && r.Start < m.End));
            if (target is null)
            {
                groups.Add([r]);
            }
            else
            {
                target.Add(r);
            }
        }
        return groups.Select(g => (g.Min(x => x.Start), g.Max(x => x.End))).ToList();
    }

    private static (Regex? Sensitive, Regex? Insensitive) BuildPatterns(IReadOnlyList<string> labels, bool compiled)
    {
        // Longest first (stable); ties in a fixed order so the patterns are deterministic.
        var ordered = labels
            .Select((label, index) => (label, index))
            .OrderByDescending(x => CodePoints.Length(x.label))
            .ThenBy(x => x.label, StringComparer.Ordinal)
            .Select(x => x.label)
            .Where(l => CodePoints.PythonStrip(l).Length > 0)
            .ToList();
        var sensitive = ordered.Where(IsCaseSensitive).Select(LabelPattern).ToList();
        var insensitive = ordered.Where(l => !IsCaseSensitive(l)).Select(LabelPattern).ToList();
        return (Compile(sensitive, ignoreCase: false, compiled), Compile(insensitive, ignoreCase: true, compiled));
    }

    private static ScreenLabel[]? FindScreenLabels(IReadOnlyList<string> labels)
    {
        var found = new List<ScreenLabel>();
        foreach (var label in labels.Where(l => CodePoints.PythonStrip(l).Length > 0))
        {
            var words = Parts(label).SelectMany(Words.Runs).Distinct(StringComparer.Ordinal).ToArray();
            if (words.Length == 0)
            {
                return null;
            }
            found.Add(new ScreenLabel(words, IsCaseSensitive(label)));
        }
        return [.. found];
    }

    /// <summary>Case-sensitive when the label has an uppercase letter or any character above U+007F.</summary>
    public static bool IsCaseSensitive(string label)
    {
        foreach (var c in label)
        {
            if (c > '\u007F' || c is >= 'A' and <= 'Z')
            {
                return true;
            }
        }
        return false;
    }

    private static string LabelPattern(string label)
    {
        var parts = Parts(label).Select(Regex.Escape).ToArray();
        return parts.Length == 1 ? parts[0] : string.Join(Separators + "+", parts);
    }

    /// <summary>A label's words as its pattern matches them: between two parts, any run of separators.</summary>
    private static IEnumerable<string> Parts(string label) =>
        SeparatorSplit.Split(CodePoints.PythonStrip(label)).Where(p => p.Length > 0);

    private static Regex? Compile(List<string> alternatives, bool ignoreCase, bool compiled)
    {
        if (alternatives.Count == 0)
        {
            return null;
        }
        var pattern = new StringBuilder()
            .Append("(?<!").Append(PythonText.WordClass).Append(")(?:")
            .AppendJoin('|', alternatives)
            .Append(")(?!").Append(PythonText.WordClass).Append(')')
            .ToString();
        var options = RegexOptions.CultureInvariant | (compiled ? RegexOptions.Compiled : RegexOptions.None);
        if (ignoreCase)
        {
            options |= RegexOptions.IgnoreCase;
        }
        return new Regex(pattern, options);
    }
}

/// <summary>Timestamps as the original writes them: naive local ISO-8601 with microseconds.</summary>
public static class Timestamp
{
    public static string Now() => DateTime.Now.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
}
