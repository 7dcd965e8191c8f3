using KnowledgeGraph.Concepts;
using KnowledgeGraph.Training;
using KnowledgeGraph.Training.Features;
using KnowledgeGraph.Training.SpanTagger;
using Xunit;

namespace KnowledgeGraph.Tests;

public class FeatureTests
{
    [Fact]
    public void Words_and_other_characters_are_tokens_with_offsets()
    {
        var tokens = WordTokenizer.Tokenize("Forest-fires (2023), CO₂ emissions");
        Assert.Equal(["Forest", "-", "fires", "(", "2023", ")", ",", "CO₂", "emissions"], tokens.Select(t => t.Text));
        Assert.Equal((6, 7), (tokens[1].Start, tokens[1].End));
    }

    [Fact]
    public void Hashing_is_stable_across_processes_and_salted()
    {
        Assert.Equal(0xf52aeaf0d788ed07UL, FeatureHasher.Hash("forest"));   // FNV-1a, computed independently: never string.GetHashCode
        Assert.NotEqual(FeatureHasher.Hash("forest", "w"), FeatureHasher.Hash("forest", "c"));
        var bucket = FeatureHasher.Bucket("forest", 1 << 10);
        Assert.InRange(bucket, 1, (1 << 10) - 1);
        Assert.Equal(["<fo", "for", "or>", "<for", "for>"], FeatureHasher.CharNgrams("for", 3, 4));
    }

    [Fact]
    public void Tags_follow_the_original_alignment()
    {
        const string text = "coastal flood defences and river flooding";
        var tokens = WordTokenizer.Tokenize(text);
        // Two adjacent gold spans each start with B; a token that only partly overlaps a span is inside it.
        var spans = new[] { new Span(text, 0, 13), new Span(text, 14, 22), new Span(text, 27, 37) };
        Assert.Equal([1, 2, 1, 0, 1, 2], SpanFeaturizer.Tags(text, tokens, spans));
    }

    [Fact]
    public void Decoding_follows_the_original_rules()
    {
        var tokens = WordTokenizer.Tokenize("a bb cc dd ee f gg");
        // O B I O(orphan I next) I B(1 char, dropped) I
        int[] labels = [0, 1, 2, 0, 2, 1, 2];
        float[] p = [0.9f, 0.8f, 0.6f, 0.9f, 0.7f, 0.5f, 0.7f];
        var spans = SpanTaggerModel.DecodeRanges(tokens, labels, p);
        Assert.Equal(2, spans.Count);
        Assert.Equal((2, 7), (spans[0].Start, spans[0].End));      // "bb cc"
        Assert.Equal(0.7, spans[0].Probability, 5);                 // mean of 0.8 and 0.6
        Assert.Equal((14, 18), (spans[1].Start, spans[1].End));    // "f gg": B then I
        Assert.Empty(SpanTaggerModel.DecodeRanges(WordTokenizer.Tokenize("x y"), [1, 0], [0.9f, 0.9f])); // a 1-character span is dropped
    }

    [Fact]
    public void The_gazetteer_leaves_out_strings_only_the_passage_document_contributed()
    {
        LabelledPassage P(string doc, string text, int start, int end) =>
            new(text, [new Span(text, start, end, "Q1")], null, new Dictionary<string, object?> { ["document_id"] = doc });
        var g = new Gazetteer([P("a", "timber harvest", 0, 6), P("b", "timber is wood", 0, 6), P("a", "sawmills here", 0, 8)]);
        Assert.Equal(["sawmills", "timber"], g.Strings);
        Assert.Single(g.ForDocument("a")!.Predict("timber and sawmills"));   // "sawmills" only came from document a
        Assert.Equal(2, g.All!.Predict("timber and sawmills").Count);
    }

    [Fact]
    public void Balanced_weights_and_the_schedule_follow_the_recipe()
    {
        Assert.Equal([0.625f, 2.5f, 1f], ClassWeights.Balanced([0, 0, 0, 0, 1], 3)); // 5/(2·4), 5/(2·1); class 2 unseen: 1
        Assert.Equal(8, LoopSettings.DefaultBatchSize(40));
        Assert.Equal(10, LoopSettings.DefaultBatchSize(104));
        Assert.Equal(32, LoopSettings.DefaultBatchSize(1000));
        var loop = new LoopSettings { LearningRate = 1e-3, WeightDecay = 0, WarmupFraction = 0.1, MaxEpochs = 40, MinSteps = 300, Patience = 8, BatchSize = 8 };
        Assert.Equal((60, 15), loop.Epochs(5));   // small data: more, shorter epochs
        Assert.Equal((40, 10), loop.Epochs(13));
    }

    [Fact]
    public void Q787_folds_are_the_benchmark_protocol()
    {
        var q787 = ConceptJson.ReadConcept(File.ReadAllText(SharedData.PathOf("concepts", "Q787.json")), "Q787");
        var sizes = q787.LabelledPassages.GroupBy(p => DocumentFolds.Fold(p, 5)).OrderBy(g => g.Key).Select(g => g.Count());
        Assert.Equal([26, 29, 25, 21, 29], sizes);
    }
}
