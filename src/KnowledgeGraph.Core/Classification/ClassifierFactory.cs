using KnowledgeGraph.Concepts;

namespace KnowledgeGraph.Classification;

/// <summary>Builds a classifier that needs no training. Learned types come from a trained, stored model instead.</summary>
public static class ClassifierFactory
{
    public static IClassifier CreateUntrained(Concept concept, ClassifierType type) => type == ClassifierType.Keyword
        ? new KeywordClassifier(concept)
        : throw new KgException("ClassifierNotTrained", KgErrorKind.InvalidOperation,
            $"A {type} classifier learns from labelled passages, so it has to be trained before it can predict: run " +
            $"Invoke-KgTraining {concept.WikibaseId} -ClassifierType {type}, then pipe Get-KgClassifier into this command.", type.Name);
}
