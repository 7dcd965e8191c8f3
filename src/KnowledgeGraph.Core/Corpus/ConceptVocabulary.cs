using KnowledgeGraph.Concepts;

namespace KnowledgeGraph.Corpus;

/// <summary>The concept's own words: its single-word labels, and the single words its annotators labelled on their own
/// (as a whole span) in at least two documents (for Q787: forestry, forests, forest, timber, logging, deforestation,
/// agroforestry...). A word of a text is a vocabulary word when it is one, or contains one of 5 letters or more
/// ("reforested" contains "forest"). Negative labels are never vocabulary.</summary>
public sealed class ConceptVocabulary
{
    private readonly HashSet<string> _words;
    private readonly string[] _longWords;

    public ConceptVocabulary(IEnumerable<string> words)
    {
        _words = words.Select(w => w.ToLowerInvariant()).Where(w => w.Length >= 3).ToHashSet(StringComparer.Ordinal);
        _longWords = _words.Where(w => w.Length >= 5).Order(StringComparer.Ordinal).ToArray();
    }

    public IReadOnlyCollection<string> Words => _words;

    /// <summary>Whether <paramref name="word"/> (lower case) is, or contains, a vocabulary word.</summary>
    public bool Contains(string word)
    {
        if (word.Length < 3) return false;
        if (_words.Contains(word)) return true;
        foreach (var v in _longWords)
        {
            if (word.Contains(v, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>The vocabulary of a concept and its labelled passages.</summary>
    public static ConceptVocabulary Of(Concept concept, IEnumerable<LabelledPassage> labelled) => new(Counted(concept, labelled, null));

    private static IEnumerable<string> Counted(Concept concept, IEnumerable<LabelledPassage> labelled, string? leaveOut)
    {
        var documents = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var p in labelled)
        {
            var document = Training.DocumentFolds.DocumentOf(p);
            if (document == leaveOut) continue;
            foreach (var s in p.Spans.Where(s => (s.ConceptId is null || s.ConceptId == concept.WikibaseId) && s.Labellers.All(l => l != "gold standard")))
            {
                var words = PossibleMentions.Words(s.LabelledText).ToList();
                if (words.Count != 1) continue;
                if (!documents.TryGetValue(words[0], out var docs)) documents[words[0]] = docs = new HashSet<string>(StringComparer.Ordinal);
                docs.Add(document);
            }
        }
        var labels = concept.AlternativeLabels.Append(concept.PreferredLabel).Select(l => PossibleMentions.Words(l).ToList()).Where(w => w.Count == 1).Select(w => w[0]);
        return documents.Where(kv => kv.Value.Count >= 2).Select(kv => kv.Key).Concat(labels);
    }
}
