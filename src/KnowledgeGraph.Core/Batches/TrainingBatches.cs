using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Storage;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Batches;

/// <summary>What a batch trains, for every concept alike.</summary>
public sealed record BatchTraining
{
    public required ClassifierType Type { get; init; }
    public LearnedOptions Options { get; init; } = new();
    public bool Evaluate { get; init; } = true;
    public IReadOnlyList<string> CorpusPaths { get; init; } = [];
    public IReadOnlyList<LabelledPassage> ExtraTrainingData { get; init; } = [];
}

/// <summary>Preparing batches for a cluster: the checks, the split by GPU need, and storing them. Submitting is the
/// scheduler's (<see cref="ITaskScheduler"/>) or, for AWS Batch and Kubernetes, the team's (<see cref="JobDefinitions"/>).</summary>
public static class TrainingBatches
{
    /// <summary>The names -Scheduler takes: where a batch trains.</summary>
    public static readonly IReadOnlyList<string> SchedulerNames = ["Local", SlurmScheduler.SchedulerName];

    /// <summary>Tasks on other machines meet in the store, so it must be one they can all reach: S3 (or an S3-compatible
    /// server), not a folder on this machine.</summary>
    public static void RequireSharedStore(EnvironmentStore store, string scheduler, string wikibaseId) =>
        RequireSharedStore(store, scheduler, $"{wikibaseId} cannot be trained", "train", wikibaseId);

    /// <summary>The same rule for any batch: <paramref name="what"/> starts the message (<c>Q9001 cannot be trained</c>),
    /// <paramref name="verb"/> says what to do here instead.</summary>
    public static void RequireSharedStore(EnvironmentStore store, string scheduler, string what, string verb, object target)
    {
        if (store.Configuration.Store.Kind != StoreKind.S3)
        {
            throw new KgException("SchedulerNeedsSharedStore", KgErrorKind.InvalidOperation,
                $"{what} on {scheduler}: the store of {store.Environment.Name()} is the folder {store.Objects.Location} on this machine ({store.Configuration.StoreSource}), which the cluster's nodes cannot reach. Give {store.Environment.Name()} a shared store first (Set-KgEnvironment {store.Environment.Name()} -Store s3://<bucket>/<prefix>), or {verb} here without -Scheduler. Nothing was submitted.",
                target);
        }
    }

    /// <summary>The concepts whose promoted classifier requires a GPU in the environment's registry (set with
    /// Set-KgClassifierMetadata -RequireGpu, or carried from the model).</summary>
    public static async Task<IReadOnlySet<string>> GpuConceptsAsync(EnvironmentStore store, IReadOnlyList<string> wikibaseIds, CancellationToken cancellationToken)
    {
        var states = await ParallelWork.MapAsync(wikibaseIds, store.Parallelism, (q, ct) => store.Registry.GetAsync(q, ct), cancellationToken).ConfigureAwait(false);
        return states.Where(s => s.Promoted.Any(e => e.RequireGpu)).Select(s => s.WikibaseId).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Stores one batch per GPU need (concepts needing a GPU, and the others), in the concepts' order.</summary>
    public static async Task<IReadOnlyList<TrainingBatch>> CreateAsync(EnvironmentStore store, IReadOnlyList<Concept> concepts, BatchTraining training,
        IReadOnlySet<string> gpu, CancellationToken cancellationToken)
    {
        var batches = new List<TrainingBatch>();
        var objects = new BatchStore(store.Objects, store.Environment);
        foreach (var group in concepts.GroupBy(c => gpu.Contains(c.WikibaseId!)).OrderBy(g => g.Key))
        {
            var members = group.ToArray();
            var now = DateTimeOffset.UtcNow;
            var batch = new TrainingBatch
            {
                Id = BatchId.New(now),
                Environment = store.Environment,
                Type = training.Type,
                Options = training.Options,
                Evaluate = training.Evaluate,
                CorpusPaths = training.CorpusPaths,
                WikibaseIds = members.Select(c => c.WikibaseId!).ToArray(),
                Gpu = group.Key,
                HasTrainingData = training.ExtraTrainingData.Count > 0,
                CreatedAt = now,
                CreatedBy = Actor.Current,
            };
            await objects.CreateAsync(batch, members, training.ExtraTrainingData, cancellationToken).ConfigureAwait(false);
            batches.Add(batch);
        }
        return batches;
    }

    /// <summary>Submits each batch as one array job. If the scheduler refuses one, the arrays it took are cancelled and
    /// every batch is removed from the store again: a batch is submitted whole or not at all.</summary>
    public static async Task<IReadOnlyList<SubmittedBatch>> SubmitAsync<TBatch>(ITaskScheduler scheduler, EnvironmentStore store, IReadOnlyList<TBatch> batches,
        Func<TBatch, ArraySubmission> describe, CancellationToken cancellationToken) where TBatch : IScheduledBatch
    {
        var submitted = new List<SubmittedBatch>();
        try
        {
            foreach (var batch in batches)
            {
                submitted.Add(new SubmittedBatch(batch, await scheduler.SubmitAsync(describe(batch), cancellationToken).ConfigureAwait(false)));
            }
            return submitted;
        }
        catch (Exception e) when (e is KgException or OperationCanceledException)
        {
            using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            foreach (var s in submitted)
            {
                try
                {
                    await scheduler.CancelAsync(s.Job, null, cleanup.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is KgException or OperationCanceledException)
                {
                }
            }
            await RemoveAsync(store, batches.Cast<IScheduledBatch>().ToArray(), cleanup.Token).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Removes batches that were never submitted.</summary>
    public static async Task RemoveAsync(EnvironmentStore store, IReadOnlyList<IScheduledBatch> batches, CancellationToken cancellationToken)
    {
        var objects = new BatchStore(store.Objects, store.Environment);
        foreach (var batch in batches)
        {
            try
            {
                await objects.DeleteAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is KgException or OperationCanceledException)
            {
            }
        }
    }
}
