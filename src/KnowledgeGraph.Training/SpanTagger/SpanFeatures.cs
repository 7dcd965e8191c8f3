using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Text;
using KnowledgeGraph.Training.Features;

namespace KnowledgeGraph.Training.SpanTagger;

/// <summary>The inputs of the span tagger for one passage: its tokens, a hashed word ID per token, hashed character
/// n-gram IDs per token, and dense per-token features.</summary>
public sealed class PassageFeatures
{
    public required string Text { get; init; }
    public required IReadOnlyList<Token> Tokens { get; init; }
    public required long[] WordIds { get; init; }
    public required long[][] CharIds { get; init; }
    /// <summary>[token, DenseSize] row-major.</summary>
    public required float[] Dense { get; init; }
}

/// <summary>Turns passages into <see cref="PassageFeatures"/>. Dense features per token: six shape flags (capitalised,
/// all capitals, has a digit, punctuation, has a hyphen, long), then B/I/O one-hot of the concept's own labels (the
/// keyword classifier) and B/I/O one-hot of a gazetteer of gold strings seen in training.</summary>
public sealed class SpanFeaturizer(SpanTaggerSettings settings, KeywordClassifier conceptLabels)
{
    public const int DenseSize = 12;

    public PassageFeatures Featurize(string text, KeywordClassifier? gazetteer)
    {
        var tokens = WordTokenizer.Tokenize(text);
        var labelTags = Tags(text, tokens, conceptLabels.Predict(text));
        var gazetteerTags = gazetteer is null ? new int[tokens.Count] : Tags(text, tokens, gazetteer.Predict(text));
        var dense = new float[tokens.Count * DenseSize];
        var words = new long[tokens.Count];
        var chars = new long[tokens.Count][];
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i].Text;
            var lower = t.ToLowerInvariant();
            words[i] = FeatureHasher.Bucket(lower, settings.WordBuckets, "w");
            chars[i] = FeatureHasher.CharNgrams(lower, settings.MinNgram, settings.MaxNgram)
                .Select(g => FeatureHasher.Bucket(g, settings.CharBuckets, "c")).ToArray();
            var o = i * DenseSize;
            dense[o] = char.IsUpper(t[0]) ? 1 : 0;
            dense[o + 1] = t.Length > 1 && t.All(c => !char.IsLetter(c) || char.IsUpper(c)) && t.Any(char.IsLetter) ? 1 : 0;
            dense[o + 2] = t.Any(char.IsDigit) ? 1 : 0;
            dense[o + 3] = !char.IsLetterOrDigit(t[0]) ? 1 : 0;
            dense[o + 4] = t is "-" or "\u2013" or "\u2014" ? 1 : 0;
            dense[o + 5] = t.Length >= 8 ? 1 : 0;
            dense[o + 6 + labelTags[i]] = 1;
            dense[o + 9 + gazetteerTags[i]] = 1;
        }
        return new PassageFeatures { Text = text, Tokens = tokens, WordIds = words, CharIds = chars, Dense = dense };
    }

    /// <summary>Per token: 0 outside every span (O), 1 at the first token of a span (B), 2 inside it (I).</summary>
    public static int[] Tags(string text, IReadOnlyList<Token> tokens, IReadOnlyList<Span> spans)
    {
        var tags = new int[tokens.Count];
        var ranges = spans.Select(s => (Start: CodePoints.ToUtf16(text, s.StartIndex), End: CodePoints.ToUtf16(text, s.EndIndex)))
            .OrderBy(r => r.Start).ToArray();
        var previous = -1;
        for (var i = 0; i < tokens.Count; i++)
        {
            var (s, e) = (tokens[i].Start, tokens[i].End);
            var span = Array.FindIndex(ranges, r => s < r.End && e > r.Start);
            tags[i] = span < 0 ? 0 : span == previous ? 2 : 1;
            previous = span;
        }
        return tags;
    }
}

/// <summary>Gold strings seen in training, as a dictionary feature. For a training passage it leaves out strings that
/// only its own document contributed (a jackknife), so the feature is no more reliable in training than it will be on
/// new text.</summary>
public sealed class Gazetteer
{
    private readonly Dictionary<string, HashSet<string>> _documentsByString = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KeywordClassifier?> _forDocument = new(StringComparer.Ordinal);

    public Gazetteer(IEnumerable<LabelledPassage> goldPassages)
    {
        foreach (var p in goldPassages)
        {
            var doc = DocumentFolds.DocumentOf(p);
            foreach (var s in p.Spans)
            {
                var text = Normalise(s.LabelledText);
                if (text.Length < 3 || !text.Any(char.IsLetter))
                {
                    continue;
                }
                if (!_documentsByString.TryGetValue(text, out var docs))
                {
                    _documentsByString[text] = docs = new HashSet<string>(StringComparer.Ordinal);
                }
                docs.Add(doc);
            }
        }
    }

    /// <summary>A gazetteer from stored strings (a trained model's card).</summary>
    public Gazetteer(IEnumerable<string> strings)
    {
        foreach (var s in strings)
        {
            _documentsByString[s] = [""];
        }
    }

    public IReadOnlyList<string> Strings => _documentsByString.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>The matcher of every string (for new text).</summary>
    public KeywordClassifier? All => ForDocument(null);

    /// <summary>The matcher of the strings that some document other than <paramref name="documentId"/> contributed.</summary>
    public KeywordClassifier? ForDocument(string? documentId)
    {
        var key = documentId ?? "\0all";
        if (_forDocument.TryGetValue(key, out var cached))
        {
            return cached;
        }
        var strings = _documentsByString.Where(kv => documentId is null || kv.Value.Any(d => d != documentId)).Select(kv => kv.Key).ToList();
        var classifier = strings.Count == 0 ? null
            : new KeywordClassifier(new Concept(strings[0], strings.Skip(1)), compiled: documentId is null);
        _forDocument[key] = classifier;
        return classifier;
    }

    private static string Normalise(string s) => string.Join(' ', s.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
