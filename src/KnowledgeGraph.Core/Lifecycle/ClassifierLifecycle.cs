using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;

namespace KnowledgeGraph.Lifecycle;

/// <summary>The lifecycle operations on an environment's store: promote, demote, change metadata, copy. Each checks
/// everything it can before it writes, and then writes one immutable object (a registry record or a version manifest),
/// so nothing is ever half-applied.</summary>
public static class ClassifierLifecycle
{
    public static async Task<PromotionResult> PublishAsync(EnvironmentStore store, string wikibaseId, string classifierId,
        ModelVersion? version, MetadataChange profiles, CancellationToken cancellationToken)
    {
        var stored = await store.Models.GetRequiredAsync(wikibaseId, classifierId, version, cancellationToken).ConfigureAwait(false);
        return await PublishAsync(store, stored, profiles, cancellationToken).ConfigureAwait(false);
    }

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
            Version = m.Version.ToString(),
            RegistryVersion = entry.RegistryVersion.ToString(),
            Environment = store.Environment.Name(),
            Promoted = true,
            ClassifiersProfile = entry.Profile,
            Changed = change.Changed,
            Superseded = change.Record?.Supersedes?.ToString(),
        };
    }

    public static async Task<PromotionResult> UnpublishAsync(EnvironmentStore store, string wikibaseId, DemotionTarget target, CancellationToken cancellationToken)
    {
        var change = await store.Registry.ChangeAsync(wikibaseId,
            state => RegistryRules.Demote(state, store.Environment, target), cancellationToken).ConfigureAwait(false);
        var record = change.Record!;
        var entry = change.After.Find(record.RegistryVersion)!;
        return new PromotionResult
        {
            WikibaseId = wikibaseId,
            ClassifierId = entry.ClassifierId,
            Version = entry.ModelVersion.ToString(),
            RegistryVersion = entry.RegistryVersion.ToString(),
            Environment = store.Environment.Name(),
            Promoted = false,
            ClassifiersProfile = change.Before.Find(record.RegistryVersion)?.Profile,
            Changed = true,
        };
    }

    /// <summary>Changes the metadata of the promoted version of a classifier and returns it as it now is.</summary>
    public static async Task<(ClassifierInfo Classifier, bool Changed)> SetMetadataAsync(EnvironmentStore store, string wikibaseId, string classifierId,
        MetadataChange change, CancellationToken cancellationToken)
    {
        var result = await store.Registry.ChangeAsync(wikibaseId,
            state => RegistryRules.Update(state, store.Environment, classifierId, change), cancellationToken).ConfigureAwait(false);
        var entry = result.After.Promoted.Single(e => e.ClassifierId == classifierId);
        var stored = await store.Models.GetAsync(wikibaseId, classifierId, entry.ModelVersion, cancellationToken).ConfigureAwait(false)
            ?? throw new KgException("ModelMissing", KgErrorKind.ObjectNotFound,
                $"Registry version {entry.RegistryVersion} of {wikibaseId} points at {classifierId} {entry.ModelVersion}, which is missing from the store.");
        return (ClassifierInfo.From(stored, entry), result.Changed);
    }

    /// <summary>Copies a model version to another environment as a new version there. Only model metadata travels
    /// (trained-for environment becomes the target, with a reference to the source); registry metadata (profiles,
    /// dont_run_on) does not.</summary>
    public static async Task<ClassifierInfo> CopyAsync(EnvironmentStore source, EnvironmentStore target, string wikibaseId, string classifierId,
        ModelVersion? version, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        if (source.Environment == target.Environment)
        {
            throw new KgException("SameEnvironment", KgErrorKind.InvalidArgument,
                $"The source and target environment are both {source.Environment.Name()}; copy to another environment.", target.Environment.Name());
        }
        var stored = await source.Models.GetRequiredAsync(wikibaseId, classifierId, version, cancellationToken).ConfigureAwait(false);
        var m = stored.Manifest;
        var files = new List<ModelPackageFile>();
        foreach (var file in m.Files)
        {
            files.Add(new ModelPackageFile(file.Name, await source.Models.ReadFileAsync(stored, file.Name, cancellationToken).ConfigureAwait(false), file.MediaType));
        }
        var metadata = m.Metadata with
        {
            AwsEnv = target.Environment.For(EnvironmentUse.ModelMetadata),
            CopiedFrom = new Dictionary<string, string>
            {
                ["environment"] = source.Environment.Name(),
                ["version"] = m.Version.ToString(),
                ["manifest_sha256"] = stored.ManifestSha256,
                ["store"] = source.Objects.Location.ToString(),
            },
        };
        var copy = await target.Models.AddVersionAsync(new ModelPackage(m.WikibaseId, m.ClassifierId, metadata, files), progress, cancellationToken).ConfigureAwait(false);
        return ClassifierInfo.From(copy, null);
    }
}
