using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;

namespace KnowledgeGraph.PowerShell;

/// <summary>Finds the classifier a cmdlet invocation means (a concept object, or a Wikibase ID looked up in the concept
/// folder, plus a classifier type) and keeps it for the rest of the pipeline.</summary>
internal sealed class ClassifierResolver
{
    private readonly Dictionary<string, IClassifier> _cache = new(StringComparer.Ordinal);

    public IClassifier Resolve(Concept? concept, string? wikibaseId, string? conceptPath, ClassifierType type)
    {
        var key = concept is not null ? $"concept:{concept.Id}:{type}" : $"id:{wikibaseId}:{conceptPath}:{type}";
        if (_cache.TryGetValue(key, out var cached))
        {
            return cached;
        }
        concept ??= ConceptSource.Resolve(conceptPath).Get(Identifiers.WikibaseId.Parse(wikibaseId));
        var classifier = ClassifierFactory.CreateUntrained(concept, type);
        _cache[key] = classifier;
        return classifier;
    }
}
