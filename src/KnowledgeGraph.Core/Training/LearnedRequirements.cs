using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Training;

/// <summary>Checks, before any work starts, that a learned type has enough to learn from (its
/// <see cref="LearnedRequirements"/>).</summary>
public static class TrainingDataCheck
{
    public static void Check(ClassifierType type, Concept concept, IReadOnlyList<LabelledPassage> training, bool corpus)
    {
        var requirements = type.Info().Requirements ?? throw new ArgumentException($"{type} is not a learned type.", nameof(type));
        var positives = training.Count(p => IsPositive(p, concept));
        var negatives = training.Count - positives;
        if (requirements.LearnsFromSegments)
        {
            // The sentences of a positive passage that hold none of its spans are negatives too.
            negatives += training.Where(p => IsPositive(p, concept)).Sum(p => UnlabelledSegments(p));
        }
        var id = concept.WikibaseId ?? concept.PreferredLabel;
        var more = "Label more passages for it, or add labelled passages with -TrainingDataPath.";
        if (positives == 0)
        {
            throw new KgException("NoPositivePassages", KgErrorKind.InvalidData,
                $"{id} has no passage labelled with the concept to train on ({training.Count} passages, none with its spans). A {type} learns from positive examples. {more}", id);
        }
        if (requirements.MinimumNegatives > 0 && negatives < requirements.MinimumNegatives && !corpus)
        {
            throw new KgException(negatives == 0 ? "NoNegativePassages" : "TooFewPassages", KgErrorKind.InvalidData,
                $"{id} has {negatives} negative examples to train on (all {training.Count} passages are about the concept); a {type} learns yes/no, so it needs at least {requirements.MinimumNegatives}. " +
                "Give it unlabelled text of the kind it will run on with -CorpusPath (negatives are drawn from it), or add negative passages with -TrainingDataPath.", id);
        }
        if (training.Count < requirements.MinimumPassages || positives < requirements.MinimumPositives)
        {
            throw new KgException("TooFewPassages", KgErrorKind.InvalidData,
                $"{id} has {training.Count} passages to train on ({positives} positive, {negatives} negative); a {type} needs at least {requirements.MinimumPassages} labelled passages, {requirements.MinimumPositives} of them with the concept's spans. {more}", id);
        }
    }

    private static bool IsPositive(LabelledPassage p, Concept concept) =>
        p.Spans.Any(s => s.ConceptId is null || s.ConceptId == concept.WikibaseId);

    private static int UnlabelledSegments(LabelledPassage p)
    {
        var spans = p.Spans.Select(s => (CodePoints.ToUtf16(p.Text, s.StartIndex), CodePoints.ToUtf16(p.Text, s.EndIndex))).ToArray();
        return Segments.Split(p.Text).Count(seg => !spans.Any(s => s.Item1 < seg.End && s.Item2 > seg.Start));
    }
}
