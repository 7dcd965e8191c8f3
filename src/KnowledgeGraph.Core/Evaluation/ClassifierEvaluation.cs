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
