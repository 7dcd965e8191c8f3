using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using Xunit;

namespace KnowledgeGraph.Tests;

public class KeywordClassifierTests
{
    private static List<(int, int)> Match(string preferred, string[] alternatives, string[] negatives, string text) =>
        new KeywordClassifier(new Concept(preferred, alternatives, negatives, wikibaseId: "Q1"))
            .Predict(text).Select(s => (s.StartIndex, s.EndIndex)).OrderBy(x => x).ToList();

    private static List<string> Texts(string preferred, string[] alternatives, string[] negatives, string text) =>
        new KeywordClassifier(new Concept(preferred, alternatives, negatives, wikibaseId: "Q1"))
            .Predict(text).Select(s => s.LabelledText).ToList();

    [Fact]
    public void Uppercase_labels_are_case_sensitive_and_lowercase_ones_are_not()
    {
        Assert.Equal(["WHO"], Texts("WHO", [], [], "The WHO and the who and the Who"));
        Assert.Equal(["WHO", "who", "Who"], Texts("who", [], [], "The WHO and the who and the Who"));
    }

    [Fact]
    public void Negative_labels_remove_overlapping_positive_spans()
    {
        Assert.Empty(Match("gas", [], ["greenhouse gas"], "Greenhouse gas emissions are rising"));
        Assert.Empty(Match("greenhouse gas", [], ["gas"], "greenhouse gas"));
        Assert.Equal([(0, 3)], Match("gas", [], ["greenhouse gas"], "gas from greenhouses"));
    }

    [Theory]
    [InlineData("gas, prices", 0, 3)]
    [InlineData("(gas)", 1, 4)]
    [InlineData("the gas.", 4, 7)]
    public void Punctuation_is_a_word_boundary(string text, int start, int end) =>
        Assert.Equal([(start, end)], Match("gas", [], [], text));

    [Fact]
    public void Labels_inside_words_do_not_match()
    {
        Assert.Empty(Match("gas", [], [], "xyzgasabc"));
        Assert.Empty(Match("gas", [], [], "gases"));
        Assert.Empty(Match("forest", [], [], "forests"));
        Assert.Equal(["greenhouse gas"], Texts("greenhouse gas", [], [], "(greenhouse gas)"));
    }

    [Theory]
    [InlineData("greenhouse-gas")]
    [InlineData("greenhouse\ngas")]
    [InlineData("greenhouse -\u2013gas")]
    [InlineData("greenhouse\u2014gas")]
    [InlineData("greenhouse\u00A0gas")]
    [InlineData("greenhouse\u001Fgas")]
    public void Separators_between_words_are_interchangeable(string text) =>
        Assert.Equal([text], Texts("greenhouse gas", [], [], text));

    [Fact]
    public void The_longest_label_wins_and_overlaps_merge()
    {
        Assert.Equal(["Greenhouse-gas"], Texts("greenhouse gas", ["gas"], [], "Greenhouse-gas emissions"));
        Assert.Equal(["greenhouse gas"], Texts("gas", ["greenhouse gas"], [], "greenhouse gas"));
    }

    [Fact]
    public void Non_ascii_labels_are_case_sensitive_and_use_python_word_characters()
    {
        Assert.Equal(["CO₂"], Texts("CO₂", [], [], "(CO₂) emissions"));
        Assert.Empty(Texts("co₂", [], [], "CO₂"));                 // non-ASCII makes it case-sensitive
        Assert.Equal(["Météo\nreport"], Texts("Météo report", [], [], "the Météo\nreport"));
        Assert.Equal(["Météo"], Texts("Météo", [], [], "Météo\nreport"));
        Assert.Empty(Texts("CO", [], [], "CO₂ levels"));           // ₂ is a word character in Python, not a boundary
    }

    [Fact]
    public void Case_sensitive_matches_seed_the_merge_order()
    {
        var spans = new KeywordClassifier(new Concept("later", ["EARLY"], wikibaseId: "Q1")).Predict("later then EARLY");
        Assert.Equal(["EARLY", "later"], spans.Select(s => s.LabelledText)); // not sorted by offset, as in the original
    }

    [Fact]
    public void Spans_carry_the_concept_and_the_classifier_repr()
    {
        var span = new KeywordClassifier(new Concept("forestry sector", ["forestry"], wikibaseId: "Q787")).Predict("Forestry matters").Single();
        Assert.Equal("Q787", span.ConceptId);
        Assert.Equal(["KeywordClassifier(\"forestry sector\")"], span.Labellers);
        Assert.Single(span.Timestamps);
        Assert.Null(span.PredictionProbability);
    }

    [Fact]
    public void Offsets_are_code_points_after_astral_characters()
    {
        var span = new KeywordClassifier(new Concept("forest", wikibaseId: "Q1")).Predict("𝔽 forest").Single();
        Assert.Equal((2, 8), (span.StartIndex, span.EndIndex));
        Assert.Equal("forest", span.LabelledText);
    }

    [Fact]
    public void Q787_keyword_predictions_match_the_original()
    {
        var q787 = ConceptTests.LoadQ787();
        var predictions = new KeywordClassifier(q787).Predict(q787.LabelledPassages.Select(p => p.Text).ToArray());
        Assert.Equal(162, predictions.Sum(p => p.Count));
        Assert.All(predictions, p => Assert.NotEmpty(p));
        var counts = predictions.SelectMany(p => p).GroupBy(s => s.LabelledText.ToLowerInvariant()).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(96, counts["forestry"]);
        Assert.Equal(23, counts["forest management"]);
    }

    /// <summary>original-models.md §6.2: 1,142 passages from 5 documents, 6 concepts, predicted by the original.</summary>
    [Fact]
    public void Keyword_conformance_set_matches_exactly()
    {
        var root = SharedData.PathOf("keyword-conformance");
        int total = 0, matched = 0, withSpans = 0;
        var failures = new List<string>();
        foreach (var dir in Directory.GetDirectories(root).SelectMany(Directory.GetDirectories))
        {
            var files = Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal).ToList();
            var passages = files.SelectMany(f => ReadLegacy(f).Select(p => (File: f, p.Passage, p.ConceptJson))).ToList();
            var fallback = passages.Select(p => p.ConceptJson).FirstOrDefault(c => c is not null)
                ?? throw new InvalidOperationException($"No passage in {dir} carries its concept.");
            var classifiers = new Dictionary<string, KeywordClassifier>(StringComparer.Ordinal);
            foreach (var (file, passage, conceptJson) in passages)
            {
                var json = conceptJson ?? fallback;
                if (!classifiers.TryGetValue(json, out var classifier))
                {
                    classifiers[json] = classifier = new KeywordClassifier(ConceptJson.ReadConcept(json, file));
                }
                var expected = passage.Spans.Select(s => (s.StartIndex, s.EndIndex)).Order().ToList();
                var actual = classifier.Predict(passage.Text).Select(s => (s.StartIndex, s.EndIndex)).Order().ToList();
                total++;
                if (expected.Count > 0) withSpans++;
                if (expected.SequenceEqual(actual)) matched++;
                else failures.Add($"{Path.GetFileName(dir)} {passage.Id}: expected [{string.Join(",", expected)}] got [{string.Join(",", actual)}]");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.Equal(1142, total);
        Assert.Equal(1142, matched);
        Assert.Equal(91, withSpans);
    }

    internal static IEnumerable<(LabelledPassage Passage, string? ConceptJson)> ReadLegacy(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        foreach (var item in doc.RootElement.EnumerateArray())
        {
            var text = item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText();
            using var inner = JsonDocument.Parse(text);
            string? concept = null;
            if (inner.RootElement.TryGetProperty("metadata", out var md) && md.ValueKind == JsonValueKind.Object &&
                md.TryGetProperty("concept", out var c) && c.ValueKind == JsonValueKind.Object)
            {
                concept = c.GetRawText();
            }
            yield return (ConceptJson.ReadPassage(text, file), concept);
        }
    }
}
