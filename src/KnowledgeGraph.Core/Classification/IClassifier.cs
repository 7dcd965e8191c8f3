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

/// <summary>The classifier types the module can build.</summary>
public enum ClassifierType
{
    /// <summary>The original's keyword matcher: no training, exact parity with the original.</summary>
    Keyword,
    /// <summary>A learned BIO token tagger over hashed word and character n-gram features (TorchSharp).</summary>
    SpanTagger,
    /// <summary>A learned passage-level yes/no classifier with a probability (TorchSharp).</summary>
    PassageClassifier,
}

public static class ClassifierTypes
{
    /// <summary>The class name recorded in metadata and spec files for each type.</summary>
    public static string ClassName(this ClassifierType type) => type switch
    {
        ClassifierType.Keyword => "KeywordClassifier",
        ClassifierType.SpanTagger => "SpanTaggerClassifier",
        ClassifierType.PassageClassifier => "PassageClassifier",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static bool TryFromClassName(string? name, out ClassifierType type)
    {
        foreach (var t in Enum.GetValues<ClassifierType>())
        {
            if (string.Equals(t.ClassName(), name, StringComparison.Ordinal) || string.Equals(t.ToString(), name, StringComparison.OrdinalIgnoreCase))
            {
                type = t;
                return true;
            }
        }
        type = default;
        return false;
    }

    /// <summary>Whether the type's models are learned with TorchSharp (and so run in the training worker).</summary>
    public static bool IsLearned(this ClassifierType type) => type != ClassifierType.Keyword;
}
