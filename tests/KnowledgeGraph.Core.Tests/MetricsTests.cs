using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;
using Xunit;

namespace KnowledgeGraph.Tests;

public class MetricsTests
{
    private const string T = "one two three four five six seven eight nine ten";

    private static LabelledPassage P(string id, params (int, int)[] spans) =>
        new(T, spans.Select(s => new Span(T, s.Item1, s.Item2, "Q1")).ToArray(), id);

    [Fact]
    public void Missed_gold_spans_are_false_negatives()
    {
        var cm = Metrics.SpanLevel([P("a", (0, 3), (4, 7), (8, 13))], [P("a")], 0);
        Assert.Equal(new ConfusionMatrix(0, 0, 0, 3), cm);
    }

    [Fact]
    public void Spurious_predicted_spans_are_false_positives()
    {
        var cm = Metrics.SpanLevel([P("a")], [P("a", (0, 3), (4, 7), (8, 13))], 0);
        Assert.Equal(new ConfusionMatrix(0, 3, 0, 0), cm);
    }

    [Fact]
    public void A_miss_then_two_matches_counts_every_gold_span()
    {
        var cm = Metrics.SpanLevel([P("a", (0, 3), (4, 7), (8, 13))], [P("a", (4, 7), (8, 13))], 0.5);
        Assert.Equal(new ConfusionMatrix(2, 0, 0, 1), cm);
    }

    [Fact]
    public void Both_sides_empty_is_one_true_negative()
    {
        var cm = Metrics.SpanLevel([P("a")], [P("a")], 0.5);
        Assert.Equal(new ConfusionMatrix(0, 0, 1, 0), cm);
        Assert.Equal(1, cm.Support);
    }

    [Fact]
    public void Thresholds_are_strict_and_one_long_span_can_hit_many()
    {
        // gold [0,4) vs predicted [0,8): Jaccard exactly 0.5, not > 0.5
        Assert.Equal(new ConfusionMatrix(0, 1, 0, 1), Metrics.SpanLevel([P("a", (0, 4))], [P("a", (0, 8))], 0.5));
        Assert.Equal(new ConfusionMatrix(2, 0, 0, 0), Metrics.SpanLevel([P("a", (0, 3), (4, 7))], [P("a", (0, 13))], 0));
    }

    [Fact]
    public void Passage_level_counts_passages_not_spans()
    {
        var gold = new[] { P("a", (0, 3), (4, 7)), P("b"), P("c", (0, 3)), P("d") };
        var pred = new[] { P("a", (0, 3)), P("b", (0, 3)), P("c"), P("d") };
        Assert.Equal(new ConfusionMatrix(1, 1, 1, 1), Metrics.PassageLevel(gold, pred));
    }

    [Fact]
    public void Derived_metrics_follow_the_original_formulas()
    {
        var cm = new ConfusionMatrix(8, 2, 5, 4);
        Assert.Equal(0.8, cm.Precision, 12);
        Assert.Equal(8.0 / 12, cm.Recall, 12);
        Assert.Equal(13.0 / 19, cm.Accuracy, 12);
        Assert.Equal(5.0 / 9, cm.NegativePredictiveValue, 12);
        Assert.Equal(5.0 / 7, cm.Specificity, 12);
        Assert.Equal(2 * 0.8 * (8.0 / 12) / (0.8 + 8.0 / 12), cm.F1, 12);
        Assert.Equal(0, new ConfusionMatrix(0, 3, 3, 3).F1);
        Assert.Equal(0, new ConfusionMatrix().Precision);
        Assert.Throws<ArgumentOutOfRangeException>(() => cm.FBeta(2));
        Assert.Equal(0, new ConfusionMatrix(0, 1, 1, 1).FBeta(2)); // TP == 0 is checked before beta, as in the original
    }

    [Fact]
    public void Character_level_compares_covered_characters()
    {
        var cm = Metrics.CharacterLevel([P("a", (0, 7))], [P("a", (4, 13))]);
        Assert.Equal(3, cm.TruePositives);   // "two"
        Assert.Equal(6, cm.FalsePositives);  // " three"
        Assert.Equal(4, cm.FalseNegatives);  // "one "
        Assert.Equal(T.Length - 13, cm.TrueNegatives);
    }

    [Fact]
    public void Gold_against_itself_on_Q787_is_perfect_with_the_original_supports()
    {
        var gold = Evaluator.GoldStandard(ConceptTests.LoadQ787().LabelledPassages);
        Assert.Equal(316, gold.Sum(p => p.Spans.Count));
        var rows = Evaluator.Evaluate(gold, gold);
        Assert.All(rows, r => Assert.Equal(1.0, r.F1));
        Assert.Equal(130, rows.Single(r => r.Level == "Passage").Support);
        Assert.All(rows.Where(r => r.Level.StartsWith("Span@", StringComparison.Ordinal)), r => Assert.Equal(318, r.Support));
    }

    /// <summary>original-models.md §3.5: the keyword classifier on Q787 with the current metric.</summary>
    [Fact]
    public void Keyword_against_gold_on_Q787_reproduces_the_reference_table()
    {
        var q787 = ConceptTests.LoadQ787();
        var gold = Evaluator.GoldStandard(q787.LabelledPassages);
        var predictions = new KeywordClassifier(q787).Predict(gold.Select(p => p.Text).ToArray());
        var predicted = gold.Select((p, i) => p.WithSpans(predictions[i])).ToArray();
        var rows = Evaluator.Evaluate(gold, predicted).ToDictionary(r => r.Level);

        void Check(string level, double p, double r, double f1, double acc, long support, ConfusionMatrix counts)
        {
            var row = rows[level];
            Assert.Equal(counts, row.Counts);
            Assert.Equal(p, row.Precision, 4);
            Assert.Equal(r, row.Recall, 4);
            Assert.Equal(f1, row.F1, 4);
            Assert.Equal(acc, row.Accuracy, 4);
            Assert.Equal(support, row.Support);
        }
        Check("Passage", 0.9846, 1.0, 0.9922, 0.9846, 130, new(128, 2, 0, 0));
        Check("Span@0", 0.9875, 0.5000, 0.6639, 0.4969, 318, new(158, 2, 0, 158));
        Check("Span@0.5", 0.4074, 0.2089, 0.2762, 0.1602, 412, new(66, 96, 0, 250));
        Check("Span@0.9", 0.3148, 0.1614, 0.2134, 0.1194, 427, new(51, 111, 0, 265));
        Check("Span@0.99", 0.3086, 0.1582, 0.2092, 0.1168, 428, new(50, 112, 0, 266));
        // §7.3: character-level F1 0.340 (P .990, R .205)
        Assert.Equal(0.340, rows["Character"].F1, 3);
        Assert.Equal(0.990, rows["Character"].Precision, 3);
        Assert.Equal(0.205, rows["Character"].Recall, 3);
    }

    [Fact]
    public void Strata_groups_follow_metadata_columns()
    {
        var q787 = ConceptTests.LoadQ787();
        var gold = Evaluator.GoldStandard(q787.LabelledPassages);
        var predictions = new KeywordClassifier(q787).Predict(gold.Select(p => p.Text).ToArray());
        var predicted = gold.Select((p, i) => p.WithSpans(predictions[i])).ToArray();
        var rows = Evaluator.Evaluate(gold, predicted, ["translated"]);
        Assert.Equal(0.2745, rows.Single(r => r.Group == "translated: False" && r.Level == "Span@0.5").F1, 4);
        Assert.Equal(0.2791, rows.Single(r => r.Group == "translated: True" && r.Level == "Span@0.5").F1, 4);
        Assert.Equal(6, Evaluator.Evaluate(gold, predicted, ["no_such_column"]).Count); // only "all"
    }
}
