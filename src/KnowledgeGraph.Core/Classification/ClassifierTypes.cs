namespace KnowledgeGraph.Classification;

/// <summary>A classifier type, by name (<c>Keyword</c>, <c>SpanTagger</c>, ...). The names are the ones
/// <see cref="ClassifierTypes.All"/> registers; <see cref="Parse"/> accepts any case and names the valid values otherwise.
/// A struct rather than an enum so that a new learned type is a registration, not a change to every switch.</summary>
public readonly record struct ClassifierType : IComparable<ClassifierType>
{
    private readonly string? _name;

    private ClassifierType(string name) => _name = name;

    /// <summary>The type's name; the default value is the keyword classifier.</summary>
    public string Name => _name ?? "Keyword";

    public static ClassifierType Keyword { get; } = new("Keyword");
    public static ClassifierType SpanTagger { get; } = new("SpanTagger");
    public static ClassifierType PassageClassifier { get; } = new("PassageClassifier");

    /// <summary>A registered type by name, in any case; PowerShell binds strings through this.</summary>
    public static ClassifierType Parse(string value)
    {
        var info = ClassifierTypes.All.FirstOrDefault(t => string.Equals(t.Type.Name, value?.Trim(), StringComparison.OrdinalIgnoreCase));
        return info?.Type ?? throw new KgException("InvalidClassifierType", KgErrorKind.InvalidArgument,
            $"'{value}' is not a classifier type. Valid types: {string.Join(", ", ClassifierTypes.Names)}.", value);
    }

    public bool Equals(ClassifierType other) => string.Equals(Name, other.Name, StringComparison.Ordinal);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name);

    public int CompareTo(ClassifierType other) => string.CompareOrdinal(Name, other.Name);

    public override string ToString() => Name;
}

/// <summary>What the module needs to know of a learned type before it starts a worker: how much labelled data it needs.</summary>
public sealed record LearnedRequirements
{
    public int MinimumPassages { get; init; } = 20;
    public int MinimumPositives { get; init; } = 10;
    /// <summary>Negative examples needed (0: none). Labelled negatives, corpus passages (-CorpusPath) and, for types that
    /// learn from passage segments, the sentences of labelled passages without a span all count.</summary>
    public int MinimumNegatives { get; init; }
    /// <summary>Whether the type learns from segments of passages (so the unlabelled sentences of positives are negatives).</summary>
    public bool LearnsFromSegments { get; init; }
}

/// <summary>A classifier type as the module knows it: its name, the class name recorded in metadata and spec files,
/// whether it is learned (trained in the worker), and what a learned type needs.</summary>
public sealed record ClassifierTypeInfo(ClassifierType Type, string ClassName, string Description, LearnedRequirements? Requirements)
{
    public bool IsLearned => Requirements is not null;
}

/// <summary>The registered classifier types: the one list of valid values. A new learned type adds its line here and
/// its folder in KnowledgeGraph.Training (a class marked [LearnedType("Name")]); nothing else changes.</summary>
public static class ClassifierTypes
{
    public static IReadOnlyList<ClassifierTypeInfo> All { get; } =
    [
        new(ClassifierType.Keyword, "KeywordClassifier", "The original's keyword matcher: no training, exact parity with the original.", null),
        new(ClassifierType.SpanTagger, "SpanTaggerClassifier", "A BiLSTM BIO tagger over hashed word and character n-grams: spans.",
            new LearnedRequirements()),
        new(ClassifierType.PassageClassifier, "PassageClassifier", "A CNN over hashed word and character n-grams: whole passages, yes/no with a probability.",
            new LearnedRequirements { MinimumNegatives = 5, LearnsFromSegments = true }),
    ];

    public static IReadOnlyList<string> Names { get; } = All.Select(t => t.Type.Name).ToArray();

    public static ClassifierTypeInfo Info(this ClassifierType type) =>
        All.FirstOrDefault(t => t.Type == type) ?? throw new KgException("InvalidClassifierType", KgErrorKind.InvalidArgument,
            $"'{type}' is not a classifier type. Valid types: {string.Join(", ", Names)}.", type.Name);

    /// <summary>The class name recorded in metadata and spec files for each type.</summary>
    public static string ClassName(this ClassifierType type) => type.Info().ClassName;

    public static bool TryFromClassName(string? name, out ClassifierType type)
    {
        var info = All.FirstOrDefault(t => string.Equals(t.ClassName, name, StringComparison.Ordinal) || string.Equals(t.Type.Name, name, StringComparison.OrdinalIgnoreCase));
        type = info?.Type ?? default;
        return info is not null;
    }

    /// <summary>Whether the type's models are learned with TorchSharp (and so run in the training worker).</summary>
    public static bool IsLearned(this ClassifierType type) => type.Info().IsLearned;
}
