using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;

namespace KnowledgeGraph.PowerShell;

/// <summary>Finds the classifier a cmdlet invocation means (a concept object, or a Wikibase ID looked up in the concept
/// folder, plus a classifier type; or a stored version from Get-KgClassifier) and keeps it for the rest of the pipeline.</summary>
internal sealed class ClassifierResolver(Func<StoreProvider> stores) : IDisposable
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

    /// <summary>The classifier of a stored model version, loaded (and checked) from its environment's store.</summary>
    public IClassifier Resolve(ClassifierInfo stored, CancellationToken cancellationToken)
    {
        var key = "stored:" + stored.ManifestSha256;
        if (_cache.TryGetValue(key, out var cached))
        {
            return cached;
        }
        var store = stores().For(stored.Environment);
        var classifier = LearnedModels.Loader.LoadAsync(store, stored, cancellationToken).GetAwaiter().GetResult();
        _cache[key] = classifier;
        return classifier;
    }

    /// <summary>Stops the workers of loaded learned models.</summary>
    public void Dispose()
    {
        foreach (var classifier in _cache.Values)
        {
            (classifier as IDisposable)?.Dispose();
        }
        _cache.Clear();
    }
}
