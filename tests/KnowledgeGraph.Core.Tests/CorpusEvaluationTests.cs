using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Training;
using Xunit;

namespace KnowledgeGraph.Tests;

public sealed class CorpusEvaluationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kg-corpus-eval-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static readonly KeywordClassifier Timber = new(new Concept("timber", ["logging"], wikibaseId: "Q787"));

    /// <summary>1,000 passages: 30 mention timber (flagged), 970 do not.</summary>
    private string Corpus()
    {
        var path = Path.Combine(_folder, "corpus.txt");
        File.WriteAllLines(path, Enumerable.Range(0, 1000).Select(i => i % 33 == 0 && i < 990 ? $"Timber sale {i} in the north." : $"Solar panel {i} was installed."));
        return path;
    }

    [Fact]
    public void A_scan_counts_the_flagged_passages_and_draws_a_sample_stratified_by_prediction()
    {
        var scan = CorpusEvaluation.Scan(Timber, [Corpus()], 40, 1, null, null, TestContext.Current.CancellationToken);
        Assert.Equal((1000L, 30L), (scan.Total, scan.Flagged));
        Assert.Equal(0.03, scan.FlagRate, 6);
        Assert.Equal(20, scan.Sample.Count(l => l.Stratum == "flagged"));
        Assert.Equal(20, scan.Sample.Count(l => l.Stratum == "unflagged"));
        Assert.All(scan.Sample.Where(l => l.Prediction), l => Assert.Equal((30L, 20), (l.StratumSize, l.StratumSampleSize)));
        Assert.All(scan.Sample.Where(l => !l.Prediction), l => Assert.Equal((970L, 20), (l.StratumSize, l.StratumSampleSize)));
        Assert.All(scan.Sample.Where(l => l.Prediction), l => Assert.Single(l.Spans));
        Assert.All(scan.Sample, l => Assert.Equal(scan.CorpusSha256, l.CorpusSha256));
        Assert.Equal(1000, scan.ScoreHistogram.Sum());
        // The same seed draws the same sample; a small stratum is taken whole and its share goes to the other.
        Assert.Equal(scan.Sample.Select(l => l.Id), CorpusEvaluation.Scan(Timber, [Corpus()], 40, 1, null, null, TestContext.Current.CancellationToken).Sample.Select(l => l.Id));
        var big = CorpusEvaluation.Scan(Timber, [Corpus()], 100, 1, null, null, TestContext.Current.CancellationToken);
        Assert.Equal((30, 70), (big.Sample.Count(l => l.Prediction), big.Sample.Count(l => !l.Prediction)));
    }

    [Fact]
    public void A_review_file_round_trips_and_unlabelled_or_foreign_lines_are_refused()
    {
        var scan = CorpusEvaluation.Scan(Timber, [Corpus()], 10, 1, null, null, TestContext.Current.CancellationToken);
        var path = Path.Combine(_folder, "review.jsonl");
        File.WriteAllText(path, CorpusEvaluation.ToJsonLines(scan.Sample));
        Assert.Contains("\"label\":null", File.ReadAllText(path));
        var e = Assert.Throws<KgException>(() => CorpusEvaluation.ReadReviewed(path));
        Assert.Equal("UnlabelledReviewLine", e.ErrorId);
        Assert.Contains("line 1", e.Message);
        File.WriteAllText(path, CorpusEvaluation.ToJsonLines(scan.Sample.Select(l => l with { Label = l.Prediction ? 1 : 0 })));
        var reviewed = CorpusEvaluation.ReadReviewed(path);
        Assert.Equal(scan.Sample.Select(l => (l.Id, l.Text, l.StratumSize)), reviewed.Select(l => (l.Id, l.Text, l.StratumSize)));
        File.AppendAllText(path, "{\"text\":\"x\"}\n");
        Assert.Equal("InvalidReviewFile", Assert.Throws<KgException>(() => CorpusEvaluation.ReadReviewed(path)).ErrorId);
        File.WriteAllText(path, CorpusEvaluation.ToJsonLines(scan.Sample.Take(1).Select(l => l with { Label = 2 })));
        Assert.Contains("the label 2", Assert.Throws<KgException>(() => CorpusEvaluation.ReadReviewed(path)).Message);
    }

    private static ReviewLine Line(string stratum, long size, int sampled, bool prediction, int label, int i) => new()
    {
        Id = $"{stratum}{i}", DocumentId = "d", Text = $"{stratum} {i}", Stratum = stratum, StratumSize = size, StratumSampleSize = sampled,
        Prediction = prediction, Probability = prediction ? 0.9f : 0.1f, Label = label, ClassifierId = "abcd2345", CorpusSha256 = "sha",
    };

    [Fact]
    public void Precision_and_recall_are_estimated_with_stratum_weights()
    {
        // Flagged: 50 of 200 reviewed, 40 right. Unflagged: 100 of 9,800 reviewed, 2 mention the concept.
        var lines = Enumerable.Range(0, 50).Select(i => Line("flagged", 200, 50, true, i < 40 ? 1 : 0, i))
            .Concat(Enumerable.Range(0, 100).Select(i => Line("unflagged", 9800, 100, false, i < 2 ? 1 : 0, i))).ToList();
        var estimate = CorpusEvaluation.Estimate(lines, lines.Select(l => l.Prediction).ToArray());
        Assert.Equal(0.8, estimate.Precision.Value, 6);                       // 40/50 of the flagged
        Assert.Equal(160, estimate.TruePositives, 6);                         // 40 × 200/50
        Assert.Equal(196, estimate.FalseNegatives, 6);                        // 2 × 9800/100
        Assert.Equal(160 / 356.0, estimate.Recall.Value, 6);
        Assert.InRange(estimate.Precision.Low, 0.65, 0.8);
        Assert.InRange(estimate.Precision.High, 0.8, 0.92);
        Assert.True(estimate.Recall.High - estimate.Recall.Low > 0.3, $"{estimate.Recall}");  // 2 positives in 100: a wide interval
        Assert.Empty(estimate.Notes);
    }

    [Fact]
    public void A_stratum_reviewed_whole_is_exact_and_all_right_is_not_certainty()
    {
        var census = Enumerable.Range(0, 30).Select(i => Line("flagged", 30, 30, true, i < 27 ? 1 : 0, i)).ToList();
        var exact = CorpusEvaluation.Estimate(census, census.Select(_ => true).ToArray());
        Assert.Equal(new Estimate(0.9, 0.9, 0.9), exact.Precision);
        var sampled = Enumerable.Range(0, 40).Select(i => Line("flagged", 400, 40, true, 1, i)).ToList();
        var allRight = CorpusEvaluation.Estimate(sampled, sampled.Select(_ => true).ToArray());
        Assert.Equal(1, allRight.Precision.Value);
        Assert.InRange(allRight.Precision.Low, 0.85, 0.95);                   // 40 of 40 from 400: not [1, 1]
        Assert.Contains("recall", allRight.Notes.Count == 0 ? "recall" : allRight.Notes[0]);
    }

    [Fact]
    public void Another_classifier_can_be_estimated_from_the_same_sample()
    {
        var lines = Enumerable.Range(0, 20).Select(i => Line("flagged", 20, 20, true, i < 10 ? 1 : 0, i))
            .Concat(Enumerable.Range(0, 20).Select(i => Line("unflagged", 980, 20, false, 0, i))).ToList();
        // A stricter classifier that flags only the first 10 flagged lines: precision 1 on the corpus.
        var stricter = lines.Select((l, i) => i < 10).ToArray();
        var estimate = CorpusEvaluation.Estimate(lines, stricter);
        Assert.Equal(1, estimate.Precision.Value, 6);
        Assert.Equal(1, estimate.Recall.Value, 6);
        Assert.Contains(estimate.Notes, n => n.Contains("predicts differently", StringComparison.Ordinal));
    }

    [Fact]
    public void Reviewed_lines_become_training_data()
    {
        var positive = Line("flagged", 1, 1, true, 1, 0) with { Text = "Timber sale", Spans = [new SpanPrediction(0, 6, 0.9)], WikibaseId = "Q787" };
        var missed = Line("unflagged", 1, 1, false, 1, 1) with { Text = "Sawmills opened", WikibaseId = "Q787" };
        var negative = Line("flagged", 1, 1, true, 0, 2) with { Text = "Foreign aid" };
        var passages = CorpusEvaluation.AsTrainingData([positive, missed, negative]);
        Assert.Equal("Timber", passages[0].Spans.Single().LabelledText);
        Assert.Equal((0, 15), (passages[1].Spans.Single().StartIndex, passages[1].Spans.Single().EndIndex)); // the whole passage
        Assert.Empty(passages[2].Spans);
        Assert.All(passages, p => Assert.Equal("review", p.Metadata["label_source"]));
    }

    [Fact]
    public void The_report_is_one_self_contained_page_with_the_curve_the_threshold_and_highlighted_spans()
    {
        var scan = CorpusEvaluation.Scan(Timber, [Corpus()], 20, 1, null, null, TestContext.Current.CancellationToken);
        var html = EvaluationReport.Html(new EvaluationReportData
        {
            WikibaseId = "Q787", ConceptLabel = "timber <&>", ClassifierName = "KeywordClassifier", ClassifierId = "abcd2345", Threshold = 0.5,
            Rows = [], Curve = [new CurvePoint(0.9f, true, 1), new CurvePoint(0.6f, false, 1), new CurvePoint(0.4f, true, 1)], CurveSource = "test",
            Corpus = scan,
            Examples = scan.Sample.Select(l => new ReportExample(l.Id, l.Text, l.Spans, l.Probability, l.Prediction, null)).ToArray(),
        });
        Assert.Contains("<svg id=\"pr-curve\"", html);
        Assert.Contains("<svg id=\"flag-rate\"", html);
        Assert.Contains("id=\"chosen-threshold\"", html);
        Assert.Contains("<mark title=\"match\">Timber</mark>", html);
        Assert.Contains("timber &lt;&amp;&gt;", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal));
        Assert.Equal([(0.9, 1.0, 0.5), (0.6, 0.5, 0.5), (0.4, Math.Round(2 / 3.0, 6), 1.0)],
            EvaluationReport.PrecisionRecallPoints([new CurvePoint(0.9f, true, 1), new CurvePoint(0.6f, false, 1), new CurvePoint(0.4f, true, 1)])
                .Select(p => (Math.Round(p.Threshold, 6), Math.Round(p.Precision, 6), Math.Round(p.Recall, 6))));
    }
}
