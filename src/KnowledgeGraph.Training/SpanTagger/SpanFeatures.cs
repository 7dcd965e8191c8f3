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
    /// <summary>The last dense features: B/I/O of the labels, then of the gazetteer.</summary>
    public const int TagFeatures = 6;

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
