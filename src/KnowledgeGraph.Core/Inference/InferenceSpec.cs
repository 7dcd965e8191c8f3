using KnowledgeGraph.Classification;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Specs;

namespace KnowledgeGraph.Inference;

/// <summary>A spec entry resolved to the model version it names in the environment's store.</summary>
public sealed record InferenceClassifier
{
    public required ClassifierSpec Spec { get; init; }
    /// <summary>1-based position of the entry in the spec file.</summary>
    public required int Entry { get; init; }
    public required StoredModelVersion Model { get; init; }

    public string WikibaseId => Model.Manifest.WikibaseId;
    public string ClassifierId => Model.Manifest.ClassifierId;
    public string RegistryVersion => Spec.RegistryVersion!;
    public string ModelVersion => Model.Manifest.Version.ToString();
    public string ClassifierName => Model.Manifest.Metadata.ClassifierName;
    public IReadOnlyList<string> DontRunOn => Spec.DontRunOn ?? [];
    public bool RequireGpu => Spec.RequireGpu == true;
    public bool IsLearned => ClassifierTypes.TryFromClassName(ClassifierName, out var type) && type.IsLearned();

    public override string ToString() => $"{WikibaseId}/{ClassifierId} {RegistryVersion}";
}

/// <summary>A spec entry that cannot run, and why.</summary>
public sealed record UnresolvedSpecEntry(int Entry, ClassifierSpec Spec, KgException Error);

/// <summary>What a spec file resolves to: the entries that can run, those that cannot (with the error), and warnings.</summary>
public sealed record SpecResolution(IReadOnlyList<InferenceClassifier> Classifiers, IReadOnlyList<UnresolvedSpecEntry> Unresolved, IReadOnlyList<string> Warnings)
{
    public IReadOnlyList<KgException> Errors => Unresolved.Select(u => u.Error).ToArray();
}

/// <summary>Reads a spec file as the inference run's contract, as the original did: every entry names a concept, a
/// classifier and a registry version; the registry of the environment links that registry version to a model version,
/// whose manifest must be in the store and be the one the registry linked. An entry that cannot be resolved is an
/// error for that entry only; the others run.</summary>
public static class InferenceSpec
{
    // Per-entry rules without which an entry cannot run (profiles and ordering do not matter to inference).
    private static readonly HashSet<string> BlockingRules = new(
        ["MissingField", "InvalidWikibaseId", "InvalidClassifierId", "InvalidRegistryVersion", "UnknownSource"], StringComparer.Ordinal);

    public static async Task<SpecResolution> ResolveAsync(EnvironmentStore store, IReadOnlyList<ClassifierSpec> specs, string specFile,
        CancellationToken cancellationToken)
    {
        var errors = new List<UnresolvedSpecEntry>();
        var warnings = new List<string>();
        var violations = ClassifierSpecRules.Check(specs, specFile)
            .Where(v => v.Severity == ViolationSeverity.Error && BlockingRules.Contains(v.Rule))
            .ToLookup(v => v.Entry);
        var candidates = new List<(int Entry, ClassifierSpec Spec)>();
        var seen = new Dictionary<(string, string), int>();
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            var entry = i + 1;
            if (violations[entry].Any())
            {
                errors.Add(new UnresolvedSpecEntry(entry, spec, new KgException("InvalidSpecEntry", KgErrorKind.InvalidData,
                    $"{Where(specFile, entry, spec)} cannot run: {string.Join(" ", violations[entry].Select(v => v.Message))}", spec.ToString())));
                continue;
            }
            if (seen.TryGetValue((spec.WikibaseId!, spec.ClassifierId!), out var first))
            {
                errors.Add(new UnresolvedSpecEntry(entry, spec, new KgException("DuplicateSpecEntry", KgErrorKind.InvalidData,
                    $"{Where(specFile, entry, spec)} names the classifier of entry {first} again; both would write the same files, so only entry {first} runs.", spec.ToString())));
                continue;
            }
            seen[(spec.WikibaseId!, spec.ClassifierId!)] = entry;
            candidates.Add((entry, spec));
        }

        var concepts = candidates.Select(c => c.Spec.WikibaseId!).Distinct(StringComparer.Ordinal).ToArray();
        var states = (await ParallelWork.MapAsync(concepts, store.Parallelism, (q, ct) => store.Registry.GetAsync(q, ct), cancellationToken).ConfigureAwait(false))
            .ToDictionary(s => s.WikibaseId, StringComparer.Ordinal);
        var resolved = await ParallelWork.MapAsync(candidates, store.Parallelism, async (c, ct) =>
        {
            try
            {
                return (c.Entry, c.Spec, Classifier: await ResolveAsync(store, states[c.Spec.WikibaseId!], c.Spec, c.Entry, specFile, ct).ConfigureAwait(false), Error: (KgException?)null);
            }
            catch (KgException e)
            {
                return (c.Entry, c.Spec, Classifier: (InferenceClassifier?)null, Error: e);
            }
        }, cancellationToken).ConfigureAwait(false);

        var classifiers = new List<InferenceClassifier>();
        foreach (var (entry, spec, classifier, error) in resolved)
        {
            if (error is not null)
            {
                errors.Add(new UnresolvedSpecEntry(entry, spec, error));
                continue;
            }
            classifiers.Add(classifier!);
            var registryEntry = states[classifier!.WikibaseId].Find(Identifiers.ModelVersion.Parse(classifier.RegistryVersion))!;
            if (!registryEntry.Promoted)
            {
                warnings.Add($"{Where(specFile, classifier.Entry, classifier.Spec)} is not promoted in the registry of {store.Environment.Name()} any more; " +
                    $"it runs because the spec file lists it. Update-KgInferenceSpec {store.Environment.Name()} brings the spec up to date.");
            }
        }
        return new SpecResolution(classifiers, errors.OrderBy(e => e.Entry).ToArray(), warnings);
    }

    private static async Task<InferenceClassifier> ResolveAsync(EnvironmentStore store, ConceptRegistry state, ClassifierSpec spec, int entry, string specFile,
        CancellationToken cancellationToken)
    {
        var where = Where(specFile, entry, spec);
        var registryVersion = Identifiers.ModelVersion.Parse(spec.RegistryVersion);
        var linked = state.Find(registryVersion);
        if (linked is null)
        {
            var has = state.Entries.Count == 0 ? "it has none" : "it has " + string.Join(", ", state.Entries.Select(e => $"{e.RegistryVersion} ({e.ClassifierId})"));
            throw new KgException("SpecVersionNotFound", KgErrorKind.ObjectNotFound,
                $"{where}: the registry of {spec.WikibaseId} in {store.Environment.Name()} ({store.Objects.Location}) has no registry version {registryVersion}; {has}. " +
                $"Promote the classifier there, or regenerate the spec with Update-KgInferenceSpec {store.Environment.Name()}.", spec.ToString());
        }
        if (!string.Equals(linked.ClassifierId, spec.ClassifierId, StringComparison.Ordinal))
        {
            throw new KgException("SpecClassifierMismatch", KgErrorKind.InvalidData,
                $"{where}: registry version {registryVersion} of {spec.WikibaseId} in {store.Environment.Name()} is classifier {linked.ClassifierId}, not {spec.ClassifierId}. " +
                $"Regenerate the spec with Update-KgInferenceSpec {store.Environment.Name()}.", spec.ToString());
        }
        var stored = await store.Models.GetAsync(spec.WikibaseId!, spec.ClassifierId!, linked.ModelVersion, cancellationToken).ConfigureAwait(false)
            ?? throw new KgException("ModelVersionNotFound", KgErrorKind.ObjectNotFound,
                $"{where}: registry version {registryVersion} links model version {linked.ModelVersion} of {spec.WikibaseId}/{spec.ClassifierId}, " +
                $"which is missing from {store.Environment.Name()} ({store.Objects.Location}). Copy it there with Copy-KgClassifier, or promote another version.",
                spec.ToString());
        if (!string.Equals(stored.ManifestSha256, linked.ManifestSha256, StringComparison.Ordinal))
        {
            throw new KgException("ModelMismatch", KgErrorKind.InvalidData,
                $"{where}: model version {linked.ModelVersion} of {spec.WikibaseId}/{spec.ClassifierId} in {store.Environment.Name()} is not the one the registry linked (its manifest differs).",
                spec.ToString());
        }
        return new InferenceClassifier { Spec = spec, Entry = entry, Model = stored };
    }

    private static string Where(string specFile, int entry, ClassifierSpec spec) =>
        $"Entry {entry}{(spec.Line is { } line ? $" (line {line})" : "")} of {Path.GetFileName(specFile)} ({spec.WikibaseId}:{spec.ClassifierId}:{spec.RegistryVersion})";
}
