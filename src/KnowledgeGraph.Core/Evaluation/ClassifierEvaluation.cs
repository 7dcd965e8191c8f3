namespace KnowledgeGraph.Evaluation;

/// <summary>One evaluation row for a classifier: a level (and group) with precision, recall, F1 and the counts.</summary>
public sealed record ClassifierEvaluation
{
    public required string? WikibaseId { get; init; }
    public required string ClassifierId { get; init; }
    public required string ClassifierName { get; init; }
    public required string Group { get; init; }
    public required string Level { get; init; }
    public required double Precision { get; init; }
    public required double Recall { get; init; }
    public required double F1 { get; init; }
    public required double Accuracy { get; init; }
    public required long Support { get; init; }
    public required long TruePositives { get; init; }
    public required long FalsePositives { get; init; }
    public required long TrueNegatives { get; init; }
    public required long FalseNegatives { get; init; }
    /// <summary>On a corpus (Level "Corpus"): passages read, flagged, and the share flagged.</summary>
    public long? Total { get; init; }
    public long? Flagged { get; init; }
    public double? FlagRate { get; init; }
    /// <summary>From a reviewed sample (Level "Corpus (reviewed)"): lines reviewed and 95% intervals.</summary>
    public int? Reviewed { get; init; }
    public double? PrecisionLow { get; init; }
    public double? PrecisionHigh { get; init; }
    public double? RecallLow { get; init; }
    public double? RecallHigh { get; init; }

    public const string CorpusLevel = "Corpus";
    public const string ReviewedLevel = "Corpus (reviewed)";

    /// <summary>The flag rate of a classifier on a corpus (no labels, so no precision or recall).</summary>
    public static ClassifierEvaluation ForCorpus(CorpusScanResult scan, string? wikibaseId, string classifierId, string classifierName) => new()
    {
        WikibaseId = wikibaseId,
        ClassifierId = classifierId,
        ClassifierName = classifierName,
        Group = Evaluator.AllGroup,
        Level = CorpusLevel,
        Precision = double.NaN,
        Recall = double.NaN,
        F1 = double.NaN,
        Accuracy = double.NaN,
        Support = scan.Total,
        TruePositives = 0,
        FalsePositives = 0,
        TrueNegatives = 0,
        FalseNegatives = 0,
        Total = scan.Total,
        Flagged = scan.Flagged,
        FlagRate = scan.FlagRate,
    };

    /// <summary>Precision and recall on a corpus, estimated from a reviewed sample (counts are estimated corpus counts, rounded).</summary>
    public static ClassifierEvaluation ForReview(ReviewEstimate estimate, CorpusScanResult scan, string? wikibaseId, string classifierId, string classifierName) =>
        ForCorpus(scan, wikibaseId, classifierId, classifierName) with
        {
            Level = ReviewedLevel,
            Precision = estimate.Precision.Value,
            Recall = estimate.Recall.Value,
            F1 = estimate.F1,
            TruePositives = (long)Math.Round(estimate.TruePositives),
            FalsePositives = (long)Math.Round(estimate.FalsePositives),
            TrueNegatives = Math.Max(0, scan.Total - (long)Math.Round(estimate.TruePositives + estimate.FalsePositives + estimate.FalseNegatives)),
            FalseNegatives = (long)Math.Round(estimate.FalseNegatives),
            Reviewed = estimate.Reviewed,
            PrecisionLow = estimate.Precision.Low,
            PrecisionHigh = estimate.Precision.High,
            RecallLow = estimate.Recall.Low,
            RecallHigh = estimate.Recall.High,
        };

    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{WikibaseId} {ClassifierId} {Group} {Level}: P {Precision:0.000} R {Recall:0.000} F1 {F1:0.000}");

    public static ClassifierEvaluation From(EvaluationRow row, string? wikibaseId, string classifierId, string classifierName) => new()
    {
        WikibaseId = wikibaseId,
        ClassifierId = classifierId,
        ClassifierName = classifierName,
        Group = row.Group,
        Level = row.Level,
        Precision = row.Precision,
        Recall = row.Recall,
        F1 = row.F1,
        Accuracy = row.Accuracy,
        Support = row.Support,
        TruePositives = row.Counts.TruePositives,
        FalsePositives = row.Counts.FalsePositives,
        TrueNegatives = row.Counts.TrueNegatives,
        FalseNegatives = row.Counts.FalseNegatives,
    };
}

/// <summary>Runs a classifier over human-labelled passages and scores it against their merged gold standard.</summary>
public static class ClassifierEvaluator
{
    public static IReadOnlyList<ClassifierEvaluation> Evaluate(
        Classification.IClassifier classifier,
        IReadOnlyList<Concepts.LabelledPassage> humanLabelled,
        IReadOnlyList<string>? groupColumns = null)
    {
        var gold = Evaluator.GoldStandard(humanLabelled);
        var predictions = classifier.Predict(gold.Select(p => p.Text).ToArray());
        var predicted = gold.Select((p, i) => p.WithSpans(predictions[i])).ToArray();
        return Evaluator.Evaluate(gold, predicted, groupColumns)
            .Select(r => ClassifierEvaluation.From(r, classifier.Concept.WikibaseId, classifier.Id, classifier.Name))
            .ToArray();
    }
}
