using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;

namespace KnowledgeGraph.Lifecycle;

/// <summary>What Get-KgClassifier lists from one environment.</summary>
public sealed record ClassifierQuery(
    IReadOnlyCollection<string>? WikibaseIds = null,
    IReadOnlyCollection<string>? ClassifierIds = null,
    bool PromotedOnly = false,
    bool AllVersions = false);

/// <summary>Lists classifier versions of an environment with their registry information. By default: per classifier
/// its newest version, plus any promoted older version; <see cref="ClassifierQuery.AllVersions"/>: every version;
/// <see cref="ClassifierQuery.PromotedOnly"/>: the promoted registry versions only. Requests run in parallel.</summary>
public static class ClassifierCatalog
{
    public static async Task<IReadOnlyList<ClassifierInfo>> ListAsync(EnvironmentStore store, ClassifierQuery query, CancellationToken cancellationToken)
    {
        var concepts = query.WikibaseIds ?? await store.Registry.ListConceptsAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<(string WikibaseId, string ClassifierId, ModelVersion Version)> versions;
        if (query.PromotedOnly)
        {
            versions = [];
        }
        else
        {
            versions = await store.Models.ListAsync(query.WikibaseIds, cancellationToken).ConfigureAwait(false);
            concepts = concepts.Union(versions.Select(v => v.WikibaseId)).ToArray();
        }
        var states = (await ParallelWork.MapAsync(concepts.ToArray(), store.Parallelism,
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
        var manifests = await ParallelWork.MapAsync(distinct, store.Parallelism,
            (w, ct) => store.Models.GetAsync(w.Q, w.C, w.V, ct), cancellationToken).ConfigureAwait(false);

        var result = new List<ClassifierInfo>();
        foreach (var version in manifests.OfType<StoredModelVersion>())
        {
            var m = version.Manifest;
            var state = states.GetValueOrDefault(m.WikibaseId);
            var entry = state?.Entries.Where(e => e.ManifestSha256 == version.ManifestSha256).OrderByDescending(e => e.Promoted).FirstOrDefault();
            result.Add(ClassifierInfo.From(version, entry));
        }
        return result
            .OrderBy(i => i.WikibaseId, WikibaseId.NumericStringComparer)
            .ThenBy(i => i.ClassifierId, StringComparer.Ordinal)
            .ThenBy(i => ModelVersion.Parse(i.Version))
            .ToArray();
    }
}
