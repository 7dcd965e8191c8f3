using KnowledgeGraph.Concepts;

namespace KnowledgeGraph.Classification;

/// <summary>A classifier that also scores whole passages: the probability that a passage mentions the concept, for
/// passages it leaves alone too (what ranks passages, samples them by score and draws precision-recall curves).</summary>
public interface IScoringClassifier : IClassifier
{
    /// <summary>The decision threshold in use, when the classifier has one.</summary>
    double? Threshold { get; }

    (IReadOnlyList<IReadOnlyList<Span>> Spans, IReadOnlyList<float> Scores) Score(IReadOnlyList<string> texts);
}

public static class ClassifierScores
{
    /// <summary>Spans and passage scores of any classifier: its own scores when it has them, else the highest span
    /// probability (1 for a span without one, as the keyword classifier's), 0 for a passage without spans.</summary>
    public static (IReadOnlyList<IReadOnlyList<Span>> Spans, IReadOnlyList<float> Scores) Score(IClassifier classifier, IReadOnlyList<string> texts)
    {
        if (classifier is IScoringClassifier scoring)
        {
            return scoring.Score(texts);
        }
        var spans = classifier.Predict(texts);
        return (spans, spans.Select(s => s.Count == 0 ? 0f : (float)s.Max(x => x.PredictionProbability ?? 1)).ToArray());
    }

    public static double? Threshold(IClassifier classifier) => (classifier as IScoringClassifier)?.Threshold;
}
