using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;

namespace KnowledgeGraph.Training;

/// <summary>What a learned classifier type needs to train, checked before any work starts.</summary>
public static class LearnedRequirements
{
    public const int MinimumPassages = 20;
    public const int MinimumPositives = 10;
    public const int MinimumNegatives = 5;

    public static void Check(ClassifierType type, Concept concept, IReadOnlyList<LabelledPassage> training)
    {
        var positives = training.Count(p => p.Spans.Any(s => s.ConceptId is null || s.ConceptId == concept.WikibaseId));
        var negatives = training.Count - positives;
        var id = concept.WikibaseId ?? concept.PreferredLabel;
        var more = "Label more passages for it, or add labelled passages with -TrainingDataPath.";
        if (positives == 0)
        {
            throw new KgException("NoPositivePassages", KgErrorKind.InvalidData,
                $"{id} has no passage labelled with the concept to train on ({training.Count} passages, none with its spans). A {type} learns from positive examples. {more}", id);
        }
        if (type == ClassifierType.PassageClassifier && negatives == 0)
        {
            throw new KgException("NoNegativePassages", KgErrorKind.InvalidData,
                $"{id} has no negative passage to train on (all {training.Count} have the concept's spans). A PassageClassifier learns yes/no, so it needs passages without the concept too. {more}", id);
        }
        if (training.Count < MinimumPassages || positives < MinimumPositives || (type == ClassifierType.PassageClassifier && negatives < MinimumNegatives))
        {
            var need = type == ClassifierType.PassageClassifier
                ? $"at least {MinimumPassages} labelled passages, {MinimumPositives} positive and {MinimumNegatives} negative"
                : $"at least {MinimumPassages} labelled passages, {MinimumPositives} of them with the concept's spans";
            throw new KgException("TooFewPassages", KgErrorKind.InvalidData,
                $"{id} has {training.Count} passages to train on ({positives} positive, {negatives} negative); a {type} needs {need}. {more}", id);
        }
    }
}
