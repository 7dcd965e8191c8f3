using System.Diagnostics.CodeAnalysis;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Specs;
using KnowledgeGraph.Storage;

namespace KnowledgeGraph.WandB;

/// <summary>One promoted W&amp;B registry version to import, and what importing it would do.</summary>
public sealed record RegistryImportItem(string WikibaseId, RegistryEntry Entry, ClassifierSpec Spec, Models.StoredModelVersion? Model, bool AlreadyThere)
{
    public string Describe() => $"{WikibaseId}/{Entry.ClassifierId} registry {Entry.RegistryVersion} ({Entry.Profile ?? "no profile"}{(Entry.DontRunOn.Count > 0 ? ", dont_run_on " + string.Join(", ", Entry.DontRunOn) : "")}{(Entry.RequireGpu ? ", GPU" : "")})";
}

/// <summary>What Import-KgRegistry did with one registry version: what importing it into the store's registry did, and
/// where it came from.</summary>
public sealed record RegistryImportResult : SpecImportResult
{
    [SetsRequiredMembers]
    public RegistryImportResult(SpecImportResult imported, bool standIn, string source) : base(imported)
    {
        StandIn = standIn;
        Source = source;
    }

    /// <summary>True when the entry points at a stand-in (the model was not logged by KgTools, or the store lacks it).</summary>
    public bool StandIn { get; init; }
    /// <summary>The W&amp;B registry version it came from.</summary>
    public string Source { get; init; }

    // The import's one-line text, not the member list a derived record would print.
    public override string ToString() => base.ToString();
}

/// <summary>Import-KgRegistry -From WandB: copies the promoted registry versions of an environment (their registry
/// version, profile, dont_run_on and GPU flag) from W&amp;B into the store's own registry, one record per version, each
/// attributed to the import, so that a team can leave W&amp;B and the spec files come out the same. Versions whose
/// model the store has (logged by KgTools) point at it; the others at a stand-in, as Import-KgInferenceSpec does.</summary>
public static class WandBImport
{
    public static async Task<IReadOnlyList<RegistryImportItem>> PlanAsync(WandBRegistry source, EnvironmentStore target, IProgress<WorkProgress>? progress,
        CancellationToken ct)
    {
        var items = new List<RegistryImportItem>();
        var concepts = await source.ListConceptsAsync(ct).ConfigureAwait(false);
        var done = 0;
        foreach (var q in concepts)
        {
            var state = await source.GetAsync(q, ct).ConfigureAwait(false);
            var ours = await target.Registry.GetAsync(q, ct).ConfigureAwait(false);
            foreach (var e in state.Promoted)
            {
                var spec = e.ToSpec(q);
                var model = e.IsExternal ? null : await target.Models.GetAsync(q, e.ClassifierId, e.ModelVersion, ct).ConfigureAwait(false);
                if (model is not null && model.ManifestSha256 != e.ManifestSha256)
                {
                    model = null;
                }
                var there = ours.Find(e.RegistryVersion) is { Promoted: true } o && o.ClassifierId == e.ClassifierId && o.Profile == e.Profile
                    && o.RequireGpu == e.RequireGpu && o.DontRunOn.SequenceEqual(e.DontRunOn, StringComparer.Ordinal);
                items.Add(new RegistryImportItem(q, e, spec, model, there));
            }
            progress?.Report(WorkProgress.Step($"Reading the W&B registry of {source.Environment.Name()}", ++done, concepts.Count, q));
        }
        return items;
    }

    public static async Task<RegistryImportResult> ImportAsync(WandBRegistry source, EnvironmentStore target, RegistryImportItem item, CancellationToken ct)
    {
        var origin = $"W&B {source.Api.Client.BaseUrl} {WandBConfiguration.RegistryProject}/{item.WikibaseId}:{item.Entry.RegistryVersion}";
        var by = Actor.Current with { Tool = $"{Actor.Current.Tool} (Import-KgRegistry from {origin})" };
        var imported = await SpecImport.ImportAsync(target, item.Spec, ct, item.Model, origin, by).ConfigureAwait(false);
        return new RegistryImportResult(imported, item.Model is null, origin);
    }

    /// <summary>The environment's store with its own registry, whatever the environment's registry of record is.</summary>
    public static EnvironmentStore StoreRegistryOf(EnvironmentStore store) =>
        store.Registry.Kind == RegistryKind.Store ? store : new EnvironmentStore(store.Configuration with { Registry = RegistryKind.Store }, store.Objects);

    /// <summary>The W&amp;B registry an environment's settings name (its entity and server), whatever its registry of record is.</summary>
    public static WandBRegistry SourceOf(EnvironmentStore store, Action<string>? trace)
    {
        if (store.Registry is WandBRegistry w)
        {
            return w;
        }
        if (store.Configuration.WandBEntity is null)
        {
            throw new KgException("WandBEntityMissing", KgErrorKind.InvalidArgument,
                $"No W&B entity is set for {store.Environment.Name()}: Set-KgEnvironment {store.Environment.Name()} -WandBEntity <team> first.", store.Environment.Name());
        }
        return WandBRegistry.Open(store, trace);
    }
}
