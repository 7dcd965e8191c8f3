using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Models;

namespace KnowledgeGraph.Lifecycle;

/// <summary>The versions a removal will delete, decided but not applied.</summary>
public sealed record RemovalPlan(EnvironmentStore Store, IReadOnlyList<StoredModelVersion> Versions);

/// <summary>Remove-KgClassifier's workflow: prune model versions that are not promoted (a promoted one is refused, naming
/// its registry version), then collect the blobs no manifest references (also those a killed upload left behind),
/// sparing blobs younger than a grace period, which an upload in progress may still be writing a manifest for.</summary>
public static class ClassifierRemoval
{
    /// <summary>The default grace period for unreferenced blobs.</summary>
    public static readonly TimeSpan DefaultGracePeriod = TimeSpan.FromHours(1);

    /// <summary>The versions of a classifier to remove: <paramref name="versions"/>, or every version that is not
    /// promoted when none is given. Naming a promoted version is an error.</summary>
    public static async Task<RemovalPlan> PlanAsync(EnvironmentStore store, string wikibaseId, string classifierId, IReadOnlyCollection<ModelVersion>? versions, CancellationToken cancellationToken)
    {
        var state = await store.Registry.GetAsync(wikibaseId, cancellationToken).ConfigureAwait(false);
        var numbers = await store.Models.ListVersionNumbersAsync(wikibaseId, classifierId, cancellationToken).ConfigureAwait(false);
        if (numbers.Count == 0)
        {
            throw new KgException("ClassifierNotFound", KgErrorKind.ObjectNotFound,
                $"There is no classifier {wikibaseId}/{classifierId} in {store.Environment.Name()} ({store.Objects.Location}).", $"{wikibaseId}/{classifierId}");
        }
        var chosen = new List<StoredModelVersion>();
        foreach (var v in versions ?? numbers)
        {
            var stored = await store.Models.GetRequiredAsync(wikibaseId, classifierId, v, cancellationToken).ConfigureAwait(false);
            var promoted = state.Promoted.FirstOrDefault(e => e.ManifestSha256 == stored.ManifestSha256);
            if (promoted is not null)
            {
                if (versions is null)
                {
                    continue; // pruning keeps what is promoted
                }
                throw new KgException("ClassifierPromoted", KgErrorKind.InvalidOperation,
                    $"{wikibaseId}/{classifierId} {v} is promoted in {store.Environment.Name()} as {promoted.Profile} (registry {promoted.RegistryVersion}); demote it first with Unpublish-KgClassifier {wikibaseId} -Environment {store.Environment.Name()} -RegistryVersion {promoted.RegistryVersion}.",
                    $"{wikibaseId}/{classifierId} {v}");
            }
            chosen.Add(stored);
        }
        return new RemovalPlan(store, chosen);
    }

    /// <summary>Deletes the planned versions (each manifest: the version disappears at once), checking again just before
    /// each that it has not been promoted meanwhile.</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(RemovalPlan plan, CancellationToken cancellationToken)
    {
        var removed = new List<string>();
        foreach (var version in plan.Versions)
        {
            var m = version.Manifest;
            var state = await plan.Store.Registry.GetAsync(m.WikibaseId, cancellationToken).ConfigureAwait(false);
            if (state.Promoted.Any(e => e.ManifestSha256 == version.ManifestSha256))
            {
                throw new KgException("ClassifierPromoted", KgErrorKind.InvalidOperation,
                    $"{m.WikibaseId}/{m.ClassifierId} {m.Version} was promoted in {plan.Store.Environment.Name()} while it was being removed; it is kept.", $"{m.WikibaseId}/{m.ClassifierId} {m.Version}");
            }
            await plan.Store.Models.DeleteVersionAsync(version, cancellationToken).ConfigureAwait(false);
            removed.Add($"{m.WikibaseId}/{m.ClassifierId} {m.Version}");
        }
        return removed;
    }
}
