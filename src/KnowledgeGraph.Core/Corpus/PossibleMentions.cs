using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;

namespace KnowledgeGraph.Corpus;

/// <summary>Decides which unlabelled corpus passages may mention the concept, so that they are never used as negatives
/// (positive-unlabelled learning: a corpus is unlabelled, and the passages that look like the concept are the ones most
/// likely to be unlabelled positives). A passage may mention the concept when it contains
/// <list type="bullet">
/// <item>one of the concept's labels, or a text that an annotator labelled as the concept (as a sequence of words, in
/// any case and with any separators between them), or</item>
/// <item>a word of the concept's vocabulary (<see cref="ConceptVocabulary"/>: forestry, forests, timber... for Q787),
/// also inside a longer word ("reforested").</item>
/// </list>
/// Negative labels never count: they name what the concept is not.</summary>
public sealed class PossibleMentions
{
    private readonly Dictionary<string, List<string[]>> _phrasesByFirstWord = new(StringComparer.Ordinal);
    private readonly ConceptVocabulary _vocabulary;

    public PossibleMentions(Concept concept, IEnumerable<LabelledPassage> labelled)
    {
        var passages = labelled.ToList();
        var phrases = new List<string> { concept.PreferredLabel };
        phrases.AddRange(concept.AlternativeLabels);
        var spans = passages.SelectMany(p => p.Spans.Where(s => s.ConceptId is null || s.ConceptId == concept.WikibaseId)).ToList();
        spans.AddRange(Evaluator.GoldStandard(passages).SelectMany(p => p.Spans));
        phrases.AddRange(spans.Select(s => Normalise(s.LabelledText)).Where(t => t.Length >= 3 && t.Any(char.IsLetter)));
        phrases = phrases.Where(p => p.Trim().Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        Phrases = phrases;
        foreach (var words in phrases.Select(p => Words(p).ToArray()).Where(w => w.Length > 0))
        {
            if (!_phrasesByFirstWord.TryGetValue(words[0], out var list)) _phrasesByFirstWord[words[0]] = list = [];
            list.Add(words);
        }

        _vocabulary = ConceptVocabulary.Of(concept, passages);
        // The other words annotators put inside spans ("management" in "forest management", "biomass" in "biomass
        // measurements"): text that uses them without being a mention is what a classifier most easily gets wrong.
        _spanWords = spans.SelectMany(s => Words(s.LabelledText)).Where(w => w.Length >= 4 && !_vocabulary.Contains(w) && w.Any(char.IsLetter))
            .ToHashSet(StringComparer.Ordinal);
    }

    private readonly HashSet<string> _spanWords;

    /// <summary>Words of the labelled spans that are not the concept's vocabulary.</summary>
    public IReadOnlyCollection<string> SpanWords => _spanWords;

    /// <summary>The words of the labelled spans a text (that is not a possible mention) uses: it is a near miss for each.</summary>
    public IEnumerable<string> SpanWordsIn(string text) => Words(text).Where(_spanWords.Contains).Distinct(StringComparer.Ordinal);

    /// <summary>The labels and labelled texts matched as phrases.</summary>
    public IReadOnlyList<string> Phrases { get; }

    /// <summary>The concept's vocabulary (lower case), matched as words.</summary>
    public IReadOnlyCollection<string> Vocabulary => _vocabulary.Words;

    public bool Matches(string text)
    {
        var words = Words(text).ToArray();
        for (var i = 0; i < words.Length; i++)
        {
            var word = words[i];
            if (_phrasesByFirstWord.TryGetValue(word, out var phrases) && phrases.Any(p => StartsAt(words, i, p)))
            {
                return true;
            }
            if (_vocabulary.Contains(word)) return true;
        }
        return false;
    }

    private static bool StartsAt(string[] words, int start, string[] phrase)
    {
        if (start + phrase.Length > words.Length) return false;
        for (var k = 1; k < phrase.Length; k++)
        {
            if (!string.Equals(words[start + k], phrase[k], StringComparison.Ordinal)) return false;
        }
        return true;
    }

    /// <summary>Lower-case runs of letters and digits (hyphenated words split).</summary>
    public static IEnumerable<string> Words(string text)
    {
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inWord && start < 0) start = i;
            else if (!inWord && start >= 0)
            {
                yield return text[start..i].ToLowerInvariant();
                start = -1;
            }
        }
    }

    private static string Normalise(string s) => string.Join(' ', s.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
