using System.IO.Compression;
using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using Xunit;

namespace KnowledgeGraph.Tests;

public class KeywordScreenTests
{
    private static KeywordClassifier Classifier(string preferred, params string[] alternatives) =>
        new(new Concept(preferred, alternatives, wikibaseId: "Q1"), compiled: false);

    /// <summary>Every passage and classifier: the screened prediction equals the plain one, span for span.</summary>
    private static void AssertSameAsUnscreened(IReadOnlyList<KeywordClassifier> classifiers, IReadOnlyList<string> texts)
    {
        var candidates = new KeywordScreen(classifiers).Candidates(texts);
        for (var k = 0; k < classifiers.Count; k++)
        {
            var plain = classifiers[k].Predict(texts);
            var screened = classifiers[k].Predict(texts, candidates[k]);
            for (var i = 0; i < texts.Count; i++)
            {
                var expected = plain[i].Select(s => (s.StartIndex, s.EndIndex)).ToList();
                var actual = screened[i].Select(s => (s.StartIndex, s.EndIndex)).ToList();
                Assert.True(expected.SequenceEqual(actual),
                    $"{classifiers[k].Concept.PreferredLabel} on \"{texts[i]}\": [{string.Join(",", expected)}] unscreened, [{string.Join(",", actual)}] screened");
            }
        }
    }

    [Fact]
    public void Labels_whose_words_are_not_whole_words_of_the_text_are_screened_out_and_matches_are_kept()
    {
        string[] texts =
        [
            "Forest management in the U.S. and the EU.",
            "Deforestation rates rose.",                      // "forest" inside a word: no match, screened out
            "net—zero targets and Net zero pledges",          // separators between a label's words
            "CO₂ emissions, co2-eq and CO2",                  // a non-ASCII word character; case rules
            "nothing relevant here at all",
            "",
            "greenhouse emissions of gas from a green house",  // every word of a label, not in its order: looked at
            "emissions rose",                                 // one word of a label only: screened out
        ];
        KeywordClassifier[] classifiers =
        [
            Classifier("forest management", "forest"),
            Classifier("U.S.", "United States"),
            Classifier("net zero"),
            Classifier("CO₂", "co2-eq"),
            Classifier("green house gas emissions"),
        ];
        AssertSameAsUnscreened(classifiers, texts);
        var candidates = new KeywordScreen(classifiers).Candidates(texts);
        Assert.Equal([0], candidates[0]);
        Assert.Equal([0], candidates[1]);
        Assert.Equal([2], candidates[2]);
        Assert.Equal([3], candidates[3]);
        Assert.Equal([6], candidates[4]);
    }

    [Fact]
    public void Text_with_a_character_that_folds_to_ascii_is_looked_at_by_every_classifier()
    {
        // U+212A KELVIN SIGN matches "k" in a case-insensitive pattern, but is not an ASCII letter.
        string[] texts = ["5 \u212Ag of carbon", "5 kg of carbon", "no unit"];
        KeywordClassifier[] classifiers = [Classifier("kg"), Classifier("tonne")];
        AssertSameAsUnscreened(classifiers, texts);
        var candidates = new KeywordScreen(classifiers).Candidates(texts);
        Assert.Equal([0, 1], candidates[0]);
        Assert.Equal([0], candidates[1]);
        Assert.NotEmpty(classifiers[0].Predict(texts[0]));
    }

    [Fact]
    public void A_classifier_with_a_label_without_word_characters_looks_at_every_passage()
    {
        string[] texts = ["a % share", "no sign"];
        KeywordClassifier[] classifiers = [Classifier("percent", "%")];
        AssertSameAsUnscreened(classifiers, texts);
        Assert.Equal([0, 1], new KeywordScreen(classifiers).Candidates(texts)[0]);
    }

    [Fact]
    public void More_than_64_classifiers_each_get_their_own_candidates()
    {
        var classifiers = Enumerable.Range(0, 70).Select(i => Classifier($"label{i}")).ToArray();
        string[] texts = ["label3 and label69", "label64", "none"];
        var candidates = new KeywordScreen(classifiers).Candidates(texts);
        for (var k = 0; k < classifiers.Length; k++)
        {
            int[] expected = k is 3 or 69 ? [0] : k == 64 ? [1] : [];
            Assert.Equal(expected, candidates[k]);
        }
        AssertSameAsUnscreened(classifiers, texts);
    }

    /// <summary>Real concepts (the keyword-conformance set's 6 and Q787) over real text: the conformance passages and the
    /// 50,256 sentences of the Global Stocktake corpus.</summary>
    [Fact]
    public void On_real_concepts_and_real_text_screening_changes_no_prediction()
    {
        var conformance = SharedData.PathOf("keyword-conformance");
        var concepts = new Dictionary<string, Concept>(StringComparer.Ordinal);
        var texts = new List<string>();
        foreach (var file in Directory.GetDirectories(conformance).SelectMany(Directory.GetDirectories).SelectMany(d => Directory.GetFiles(d, "*.json")).Order(StringComparer.Ordinal))
        {
            foreach (var (passage, conceptJson) in KeywordClassifierTests.ReadLegacy(file))
            {
                texts.Add(passage.Text);
                if (conceptJson is not null)
                {
                    var concept = ConceptJson.ReadConcept(conceptJson, file);
                    concepts.TryAdd(concept.WikibaseId!, concept);
                }
            }
        }
        concepts["Q787"] = ConceptJson.ReadConcept(File.ReadAllText(SharedData.PathOf("concepts", "Q787.json")), "Q787.json");
        using (var reader = new StreamReader(new GZipStream(File.OpenRead(SharedData.PathOf("corpus", "gst-sentences.jsonl.gz")), CompressionMode.Decompress)))
        {
            for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
            {
                using var json = JsonDocument.Parse(line);
                texts.Add(json.RootElement.GetProperty("text").GetString()!);
            }
        }
        Assert.Equal(7, concepts.Count);
        Assert.Equal(1142 + 50256, texts.Count);
        var classifiers = concepts.Values.Select(c => new KeywordClassifier(c)).ToArray();
        AssertSameAsUnscreened(classifiers, texts);
        // It screens: most passages are looked at by none of them.
        var looked = new KeywordScreen(classifiers).Candidates(texts).Sum(c => c.Length);
        Assert.InRange(looked, 1, texts.Count * classifiers.Length / 4);
    }
}
