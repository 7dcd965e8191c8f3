using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Lifecycle;

/// <summary>How Deploy-KgClassifier trains each concept: one object, so that a new training option reaches every
/// concept of the batch by adding it here.</summary>
public sealed record DeployTraining
{
    public ClassifierType Type { get; init; } = ClassifierType.Keyword;
    public LearnedOptions Options { get; init; } = new();
    /// <summary>The corpus learned types draw negatives from (none when empty).</summary>
    public IReadOnlyList<string> CorpusPaths { get; init; } = [];

    public TrainingRequest RequestFor(Concept concept, KgEnvironment environment) =>
        new() { Concept = concept, Type = Type, Environment = environment, Options = Options, CorpusPaths = CorpusPaths };
}

/// <summary>One concept of a deployment: its concept, or why it cannot be deployed (found while planning).</summary>
public sealed record DeployItem(string WikibaseId, Concept? Concept, KgException? Error);

/// <summary>A deployment decided but not applied: the store, the profile (checked), how to train, and each concept
/// read and checked before anything is trained.</summary>
public sealed record DeployPlan
{
    public required EnvironmentStore Store { get; init; }
    public required MetadataChange Profile { get; init; }
    public required DeployTraining Training { get; init; }
    public required IReadOnlyList<DeployItem> Items { get; init; }

    public KgEnvironment Environment => Store.Environment;
}

/// <summary>A concept's deployment failed: what was done so far, and why it stopped.</summary>
public sealed class DeployFailure(DeployResult result, KgException inner)
    : KgException(inner.ErrorId, inner.Kind, inner.Message, inner.Target, inner)
{
    public DeployResult Result { get; } = result;
    public KgException Inner { get; } = inner;
}

/// <summary>Deploy-KgClassifier's workflow: plan (read every concept, check the profile), then per concept train and
/// promote; the caller updates the spec once, after the whole batch, before it reports any failure.</summary>
public static class Deployment
{
    public static DeployPlan Plan(EnvironmentStore store, IEnumerable<string> wikibaseIds, ConceptSource concepts, string profile, DeployTraining training)
    {
        var change = RegistryRules.Normalise(new MetadataChange { AddProfiles = [profile] });
        var items = wikibaseIds.Distinct(StringComparer.Ordinal).Select(id =>
        {
            try
            {
                return new DeployItem(id, concepts.Get(WikibaseId.Parse(id)), null);
            }
            catch (KgException e)
            {
                return new DeployItem(id, null, e);
            }
        }).ToArray();
        return new DeployPlan { Store = store, Profile = change, Training = training, Items = items };
    }

    /// <summary>Trains and promotes one concept. A failure throws <see cref="DeployFailure"/> with what was done.</summary>
    public static async Task<DeployResult> DeployAsync(DeployPlan plan, DeployItem item, TrainingService trainer, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        TrainingResult trained;
        try
        {
            if (item.Error is { } planned)
            {
                throw planned;
            }
            trained = await trainer.TrainAsync(plan.Training.RequestFor(item.Concept!, plan.Environment), plan.Store, null, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (KgException e)
        {
            throw new DeployFailure(Failed(plan, item.WikibaseId, e), e);
        }
        return await PromoteAsync(plan, trained, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Promotes a version trained for the deployment (here, or by a task of a batch on a cluster). A failure
    /// throws <see cref="DeployFailure"/> with what was done.</summary>
    public static async Task<DeployResult> PromoteAsync(DeployPlan plan, TrainingResult trained, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var version = ModelVersion.Parse(trained.Version);
        var result = new DeployResult
        {
            WikibaseId = trained.WikibaseId!,
            Environment = plan.Environment,
            Trained = true,
            ClassifierId = trained.ClassifierId,
            Version = version,
            SpanF1 = trained.SpanF1,
        };
        try
        {
            progress?.Report(WorkProgress.Step($"Promoting {trained.ClassifierId} {trained.Version} as {plan.Profile.AddProfiles[0]}", 1, 1));
            var stored = await plan.Store.Models.GetRequiredAsync(result.WikibaseId, trained.ClassifierId, version, cancellationToken).ConfigureAwait(false);
            var promoted = await ClassifierLifecycle.PublishAsync(plan.Store, stored, plan.Profile, cancellationToken).ConfigureAwait(false);
            return result with { Promoted = true, RegistryVersion = promoted.RegistryVersion, ClassifiersProfile = promoted.ClassifiersProfile };
        }
        catch (KgException e)
        {
            throw new DeployFailure(result with { Error = e.Message, ErrorId = e.ErrorId }, e);
        }
    }

    /// <summary>The result of a concept that was not trained.</summary>
    public static DeployResult Failed(DeployPlan plan, string wikibaseId, KgException e) =>
        new() { WikibaseId = wikibaseId, Environment = plan.Environment, Error = e.Message, ErrorId = e.ErrorId };
}
