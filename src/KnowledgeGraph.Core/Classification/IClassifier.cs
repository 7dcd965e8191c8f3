using KnowledgeGraph.Concepts;

namespace KnowledgeGraph.Classification;

/// <summary>A classifier for one concept: finds the concept's spans in passages of text.</summary>
public interface IClassifier
{
    /// <summary>The original's class name, e.g. <c>KeywordClassifier</c>; recorded as <c>classifier_name</c>.</summary>
    string Name { get; }

    /// <summary>The deterministic 8-character classifier ID.</summary>
    string Id { get; }

    Concept Concept { get; }

    /// <summary>Predicts spans for each text; the result has one list per input, in input order.</summary>
    IReadOnlyList<IReadOnlyList<Span>> Predict(IReadOnlyList<string> texts);
}
