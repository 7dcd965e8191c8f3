using KnowledgeGraph.Classification;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;

namespace KnowledgeGraph.Lifecycle;

/// <summary>What Get-KgClassifier lists from one environment. <see cref="WikibaseIdFilter"/> narrows the concepts (for
/// wildcards); <see cref="Profile"/> and <see cref="Type"/> keep only versions with that profile or classifier type.</summary>
public sealed record ClassifierQuery(
    IReadOnlyCollection<string>? WikibaseIds = null,
    IReadOnlyCollection<string>? ClassifierIds = null,
    bool PromotedOnly = false,
    bool AllVersions = false)
{
    public Func<string, bool>? WikibaseIdFilter { get; init; }
    public string? Profile { get; init; }
    public ClassifierType? Type { get; init; }
}

/// <summary>The versions found, and what looked wrong on the way (a promoted entry whose model version is missing or
/// changed), for the caller to report rather than hide.</summary>
public sealed record ClassifierListing(IReadOnlyList<ClassifierInfo> Classifiers, IReadOnlyList<KgException> Problems);

/// <summary>Lists classifier versions of an environment with their registry information and stored metrics. By default:
/// per classifier its newest version, plus any promoted older version; <see cref="ClassifierQuery.AllVersions"/>: every
/// version; <see cref="ClassifierQuery.PromotedOnly"/>: the promoted registry versions only. Requests run in parallel.</summary>
public static class ClassifierCatalog
{
    public static async Task<ClassifierListing> ListAsync(EnvironmentStore store, ClassifierQuery query, CancellationToken cancellationToken)
    {
        bool WantedConcept(string q) => query.WikibaseIdFilter?.Invoke(q) ?? true;
        var exact = query.WikibaseIdFilter is null ? query.WikibaseIds : null;
        var concepts = (exact ?? await store.Registry.ListConceptsAsync(cancellationToken).ConfigureAwait(false)).Where(WantedConcept).ToArray();
        IReadOnlyList<(string WikibaseId, string ClassifierId, ModelVersion Version)> versions = [];
        if (!query.PromotedOnly)
        {
            versions = (await store.Models.ListAsync(exact, cancellationToken).ConfigureAwait(false)).Where(v => WantedConcept(v.WikibaseId)).ToArray();
            concepts = concepts.Union(versions.Select(v => v.WikibaseId)).ToArray();
        }
        var states = (await ParallelWork.MapAsync(concepts, store.Parallelism,
                (q, ct) => store.Registry.GetAsync(q, ct), cancellationToken).ConfigureAwait(false))
            .ToDictionary(s => s.WikibaseId, StringComparer.Ordinal);

        bool Wanted(string cid) => query.ClassifierIds is null || query.ClassifierIds.Contains(cid);
        var wanted = new List<(string Q, string C, ModelVersion V)>();
        foreach (var state in states.Values)
        {
            wanted.AddRange(state.Promoted.Where(e => Wanted(e.ClassifierId)).Select(e => (state.WikibaseId, e.ClassifierId, e.ModelVersion)));
        }
        if (!query.PromotedOnly)
        {
            foreach (var group in versions.Where(v => Wanted(v.ClassifierId)).GroupBy(v => (v.WikibaseId, v.ClassifierId)))
            {
                var pick = query.AllVersions ? group : group.OrderByDescending(v => v.Version).Take(1);
                wanted.AddRange(pick.Select(v => (v.WikibaseId, v.ClassifierId, v.Version)));
            }
        }
        var distinct = wanted.Distinct().ToArray();
        var found = await ParallelWork.MapAsync(distinct, store.Parallelism, async (w, ct) =>
        {
            var version = await store.Models.GetAsync(w.Q, w.C, w.V, ct).ConfigureAwait(false);
            if (version is null)
            {
                return (version, (IReadOnlyList<ClassifierEvaluation>)[]);
            }
            return (version, await StoredClassifiers.ReadEvaluationAsync(store, version, ct).ConfigureAwait(false));
        }, cancellationToken).ConfigureAwait(false);

        var problems = new List<KgException>();
        var result = new List<ClassifierInfo>();
        var byKey = found.Where(f => f.version is not null).ToDictionary(f => (f.version!.Manifest.WikibaseId, f.version.Manifest.ClassifierId, f.version.Manifest.Version));
        foreach (var state in states.Values)
        {
            foreach (var e in state.Promoted.Where(e => Wanted(e.ClassifierId)))
            {
                if (!byKey.TryGetValue((state.WikibaseId, e.ClassifierId, e.ModelVersion), out var f))
                {
                    problems.Add(new KgException("ModelMissing", KgErrorKind.ObjectNotFound,
                        $"Registry version {e.RegistryVersion} of {state.WikibaseId} in {store.Environment.Name()} is promoted, but its model version {e.ClassifierId} {e.ModelVersion} is missing from the store. Check it with Test-KgEnvironment {store.Environment.Name()} -Deep.",
                        $"{state.WikibaseId}/{e.ClassifierId}"));
                }
                else if (f.version!.ManifestSha256 != e.ManifestSha256)
                {
                    problems.Add(new KgException("ManifestChanged", KgErrorKind.InvalidData,
                        $"Registry version {e.RegistryVersion} of {state.WikibaseId} in {store.Environment.Name()} promoted {e.ClassifierId} {e.ModelVersion}, but that version's manifest was changed since (it is listed as not promoted). Check the store with Test-KgEnvironment {store.Environment.Name()} -Deep.",
                        $"{state.WikibaseId}/{e.ClassifierId}"));
                }
            }
        }
        foreach (var (version, metrics) in found)
        {
            if (version is null)
            {
                continue;
            }
            var m = version.Manifest;
            var state = states.GetValueOrDefault(m.WikibaseId);
            var entry = state?.Entries.Where(e => e.ManifestSha256 == version.ManifestSha256).OrderByDescending(e => e.Promoted).FirstOrDefault();
            var info = ClassifierInfo.From(version, entry, metrics);
            if (query.Profile is { } profile && !string.Equals(info.ClassifiersProfile, profile, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (query.Type is { } type && !string.Equals(info.ClassifierName, type.ClassName(), StringComparison.Ordinal))
            {
                continue;
            }
            result.Add(info);
        }
        var ordered = result
            .OrderBy(i => i.WikibaseId, WikibaseId.NumericStringComparer)
            .ThenBy(i => i.ClassifierId, StringComparer.Ordinal)
            .ThenBy(i => i.Version)
            .ToArray();
        return new ClassifierListing(ordered, problems);
    }
}
