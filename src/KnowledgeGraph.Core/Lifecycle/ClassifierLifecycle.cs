using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;

namespace KnowledgeGraph.Lifecycle;

/// <summary>A demotion decided but not applied: the registry entry it will demote.</summary>
public sealed record DemotionPlan(string WikibaseId, KgEnvironment Environment, RegistryEntry Entry)
{
    public string Description => $"{WikibaseId} registry {Entry.RegistryVersion} ({Entry.ClassifierId} {Entry.ModelVersion}, {Entry.Profile}) in {Environment.Name()}";
}

/// <summary>The result of a copy: the version in the target store, and whether this copy made it (false when the same
/// model was already there, so nothing was written).</summary>
public sealed record CopyResult(ClassifierInfo Classifier, StoredModelVersion Version, bool Created);

/// <summary>The lifecycle operations on an environment's store: promote, demote, change metadata, copy. Each checks
/// everything it can before it writes, and then writes one immutable object (a registry record or a version manifest),
/// so nothing is ever half-applied. Nothing is read after the write: a failure then could not undo it, and would only
/// report an applied change as failed.</summary>
public static class ClassifierLifecycle
{
    public static async Task<PromotionResult> PublishAsync(EnvironmentStore store, StoredModelVersion stored, MetadataChange profiles, CancellationToken cancellationToken)
    {
        var m = stored.Manifest;
        // The model's files must be intact before the registry points at them.
        foreach (var file in m.Files)
        {
            await store.Models.ReadFileAsync(stored, file.Name, cancellationToken).ConfigureAwait(false);
        }
        var change = await store.Registry.ChangeAsync(m.WikibaseId,
            state => RegistryRules.Promote(state, stored, store.Environment, profiles), cancellationToken).ConfigureAwait(false);
        var entry = change.After.Entries.Single(e => e.ManifestSha256 == stored.ManifestSha256 && e.Promoted);
        return new PromotionResult
        {
            WikibaseId = m.WikibaseId,
            ClassifierId = m.ClassifierId,
            Version = m.Version,
            RegistryVersion = entry.RegistryVersion,
            Environment = store.Environment,
            Promoted = true,
            ClassifiersProfile = entry.Profile,
            Changed = change.Changed,
            Superseded = change.Record?.Supersedes,
        };
    }

    /// <summary>Finds the promoted registry entry a demotion means, refusing when the target is ambiguous. Nothing is written.</summary>
    public static async Task<DemotionPlan> PlanDemotionAsync(EnvironmentStore store, string wikibaseId, DemotionTarget target, CancellationToken cancellationToken)
    {
        var state = await store.Registry.GetAsync(wikibaseId, cancellationToken).ConfigureAwait(false);
        var record = RegistryRules.Demote(state, store.Environment, target);
        return new DemotionPlan(wikibaseId, store.Environment, state.Find(record.RegistryVersion)!);
    }

    /// <summary>Demotes exactly the planned registry version (if another writer demoted it meanwhile, that is an error).</summary>
    public static async Task<PromotionResult> DemoteAsync(EnvironmentStore store, DemotionPlan plan, CancellationToken cancellationToken)
    {
        var change = await store.Registry.ChangeAsync(plan.WikibaseId,
            state => RegistryRules.Demote(state, store.Environment, new DemotionTarget(plan.Entry.RegistryVersion)), cancellationToken).ConfigureAwait(false);
        var entry = change.After.Find(plan.Entry.RegistryVersion)!;
        return new PromotionResult
        {
            WikibaseId = plan.WikibaseId,
            ClassifierId = entry.ClassifierId,
            Version = entry.ModelVersion,
            RegistryVersion = entry.RegistryVersion,
            Environment = store.Environment,
            Promoted = false,
            ClassifiersProfile = change.Before.Find(entry.RegistryVersion)?.Profile,
            Changed = true,
        };
    }

    /// <summary>Changes the metadata of the promoted version of a classifier and returns it as it now is. The version
    /// is read before the change, so that the result needs no read after it.</summary>
    public static async Task<(ClassifierInfo Classifier, bool Changed)> SetMetadataAsync(EnvironmentStore store, string wikibaseId, string classifierId,
        MetadataChange change, CancellationToken cancellationToken)
    {
        var before = await store.Registry.GetAsync(wikibaseId, cancellationToken).ConfigureAwait(false);
        RegistryRules.Update(before, store.Environment, classifierId, change); // the rules' errors before any read
        var promoted = before.Promoted.Single(e => e.ClassifierId == classifierId);
        var stored = await RequiredModelAsync(store, wikibaseId, promoted, cancellationToken).ConfigureAwait(false);
        var result = await store.Registry.ChangeAsync(wikibaseId,
            state => RegistryRules.Update(state, store.Environment, classifierId, change), cancellationToken).ConfigureAwait(false);
        var entry = result.After.Promoted.Single(e => e.ClassifierId == classifierId);
        if (entry.ManifestSha256 != stored.ManifestSha256)
        {
            // Another writer promoted a different version in between; describe that one (the change is applied).
            stored = await RequiredModelAsync(store, wikibaseId, entry, cancellationToken).ConfigureAwait(false);
        }
        return (ClassifierInfo.From(stored, entry), result.Changed);
    }

    private static async Task<StoredModelVersion> RequiredModelAsync(EnvironmentStore store, string wikibaseId, RegistryEntry entry, CancellationToken cancellationToken) =>
        await store.Models.GetAsync(wikibaseId, entry.ClassifierId, entry.ModelVersion, cancellationToken).ConfigureAwait(false)
            ?? throw new KgException("ModelMissing", KgErrorKind.ObjectNotFound,
                $"Registry version {entry.RegistryVersion} of {wikibaseId} in {store.Environment.Name()} points at {entry.ClassifierId} {entry.ModelVersion}, which is missing from the store. Check it with Test-KgEnvironment {store.Environment.Name()} -Deep.",
                $"{wikibaseId}/{entry.ClassifierId}");

    /// <summary>Copies a model version to another environment as a new version there, carrying the source's registry
    /// metadata (profile, dont_run_on; the GPU requirement is in the model's metadata) for when the copy is promoted.
    /// When the target already has the same model (the same files), nothing is written and that version is returned,
    /// so running a promotion script twice makes no second copy.</summary>
    public static async Task<CopyResult> CopyAsync(EnvironmentStore source, EnvironmentStore target, StoredModelVersion stored,
        IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        if (source.Environment == target.Environment)
        {
            throw new KgException("SameEnvironment", KgErrorKind.InvalidArgument,
                $"The source and target environment are both {source.Environment.Name()}; copy to another environment.", target.Environment.Name());
        }
        var m = stored.Manifest;
        var existing = await target.Models.FindSameModelAsync(m, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            var state = await target.Registry.GetAsync(m.WikibaseId, cancellationToken).ConfigureAwait(false);
            return new CopyResult(ClassifierInfo.From(existing, state.Entries.LastOrDefault(e => e.ManifestSha256 == existing.ManifestSha256)), existing, false);
        }
        var (carried, requireGpu) = await CarriedMetadataAsync(source, stored, cancellationToken).ConfigureAwait(false);
        var files = new List<ModelPackageFile>();
        foreach (var file in m.Files)
        {
            files.Add(new ModelPackageFile(file.Name, await source.Models.ReadFileAsync(stored, file.Name, cancellationToken).ConfigureAwait(false), file.MediaType));
        }
        var metadata = m.Metadata with
        {
            AwsEnv = target.Environment.For(EnvironmentUse.ModelMetadata),
            RequireGpu = requireGpu,
            Carried = carried,
            CopiedFrom = new Dictionary<string, string>
            {
                ["environment"] = source.Environment.Name(),
                ["version"] = m.Version.ToString(),
                ["manifest_sha256"] = stored.ManifestSha256,
                ["store"] = source.Objects.Location.ToString(),
            },
        };
        var copy = await target.Models.AddVersionAsync(new ModelPackage(m.WikibaseId, m.ClassifierId, metadata, files), progress, cancellationToken).ConfigureAwait(false);
        return new CopyResult(ClassifierInfo.From(copy, null), copy, true);
    }

    /// <summary>What a copy of <paramref name="stored"/> carries: the metadata of its registry entry in the source when it
    /// is linked there (the promoted one first), else whatever it carried itself.</summary>
    public static async Task<(CarriedRegistryMetadata? Carried, bool RequireGpu)> CarriedMetadataAsync(EnvironmentStore source, StoredModelVersion stored, CancellationToken cancellationToken)
    {
        var state = await source.Registry.GetAsync(stored.Manifest.WikibaseId, cancellationToken).ConfigureAwait(false);
        var entry = state.Entries.Where(e => e.ManifestSha256 == stored.ManifestSha256).OrderByDescending(e => e.Promoted).ThenByDescending(e => e.LastSequence).FirstOrDefault();
        return entry is null
            ? (stored.Manifest.Metadata.Carried, stored.Manifest.Metadata.RequireGpu)
            : (new CarriedRegistryMetadata { ClassifiersProfile = entry.Promoted ? entry.Profile : null, DontRunOn = entry.DontRunOn }, entry.RequireGpu);
    }
}
