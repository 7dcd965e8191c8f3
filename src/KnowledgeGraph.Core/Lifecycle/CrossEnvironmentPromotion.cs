using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Storage;

namespace KnowledgeGraph.Lifecycle;

/// <summary>A promotion from one environment into another, decided but not applied: the version to copy (or the same
/// model already in the target), the promotion record the registry rules allow, and the target registry as it would be
/// afterwards (for showing the spec change under -WhatIf).</summary>
public sealed record CrossPromotionPlan
{
    public required EnvironmentStore Source { get; init; }
    public required EnvironmentStore Target { get; init; }
    public required StoredModelVersion Version { get; init; }
    /// <summary>The target's version that already holds the same model; null when a copy will be made.</summary>
    public StoredModelVersion? ExistingCopy { get; init; }
    public required MetadataChange Profiles { get; init; }
    /// <summary>The registry record the promotion writes; null when the target already has it promoted like that.</summary>
    public RegistryRecord? Promotion { get; init; }
    public required ConceptRegistry TargetAfter { get; init; }

    public string WikibaseId => Version.Manifest.WikibaseId;

    public string Describe() => $"{WikibaseId}/{Version.Manifest.ClassifierId} {Version.Manifest.Version} from {Source.Environment.Name()} to {Target.Environment.Name()}";
}

/// <summary>Copy, promote (and the caller then updates the spec) in one step: Publish-KgClassifier -SourceEnvironment.
/// Planning checks the registry rules of the target before anything is written; applying is idempotent (the same model
/// already there and promoted changes nothing).</summary>
public static class CrossEnvironmentPromotion
{
    /// <summary>Stands for the manifest digest of a copy that is not made yet.</summary>
    public const string PendingSha256 = "(pending copy)";

    public static async Task<CrossPromotionPlan> PlanAsync(EnvironmentStore source, EnvironmentStore target, StoredModelVersion version,
        MetadataChange profiles, CancellationToken cancellationToken)
    {
        if (source.Environment == target.Environment)
        {
            throw new KgException("SameEnvironment", KgErrorKind.InvalidArgument,
                $"-SourceEnvironment and -Environment are both {source.Environment.Name()}; leave -SourceEnvironment out to promote in place.", target.Environment.Name());
        }
        var m = version.Manifest;
        var existing = await target.Models.FindSameModelAsync(m, cancellationToken).ConfigureAwait(false);
        var candidate = existing;
        if (candidate is null)
        {
            var (carried, requireGpu) = await ClassifierLifecycle.CarriedMetadataAsync(source, version, cancellationToken).ConfigureAwait(false);
            var numbers = await target.Models.ListVersionNumbersAsync(m.WikibaseId, m.ClassifierId, cancellationToken).ConfigureAwait(false);
            candidate = new StoredModelVersion(m with
            {
                Version = numbers.Count == 0 ? new ModelVersion(0) : numbers.Max().Next(),
                CreatedAt = DateTimeOffset.UtcNow,
                CreatedBy = Actor.Current,
                Metadata = m.Metadata with { AwsEnv = target.Environment.For(EnvironmentUse.ModelMetadata), Carried = carried, RequireGpu = requireGpu },
            }, PendingSha256, target.Environment, target.Objects.Location);
        }
        var state = await target.Registry.GetAsync(m.WikibaseId, cancellationToken).ConfigureAwait(false);
        var record = RegistryRules.Promote(state, candidate, target.Environment, profiles);
        return new CrossPromotionPlan
        {
            Source = source,
            Target = target,
            Version = version,
            ExistingCopy = existing,
            Profiles = profiles,
            Promotion = record,
            TargetAfter = record is null ? state : state.Apply(record with { Sequence = state.Sequence + 1, At = DateTimeOffset.UtcNow }),
        };
    }

    public static async Task<PromotionResult> ApplyAsync(CrossPromotionPlan plan, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var copy = await ClassifierLifecycle.CopyAsync(plan.Source, plan.Target, plan.Version, progress, cancellationToken).ConfigureAwait(false);
        var promoted = await ClassifierLifecycle.PublishAsync(plan.Target, copy.Version, plan.Profiles, cancellationToken).ConfigureAwait(false);
        return promoted with { SourceEnvironment = plan.Source.Environment, Copied = copy.Created };
    }
}
