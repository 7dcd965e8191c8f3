using System.Management.Automation;
using KnowledgeGraph.Batches;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.PowerShell.Jobs;
using KnowledgeGraph.PowerShell.Loading;

namespace KnowledgeGraph.PowerShell;

/// <summary>The base of the commands that train (Deploy-KgClassifier, Invoke-KgTraining): here by default, or, with
/// -Scheduler Slurm, as a batch on a cluster: one array job, one task per concept, each running the same trainer
/// (Invoke-KgTrainingTask) against the environment's shared store. The command then returns a job (KgBatchJob) instead
/// of results; Receive-Job gives the results.</summary>
public abstract class ScheduledTrainingCmdlet : ScheduledCmdlet
{
    /// <summary>Refuses the cluster's parameters without -Scheduler, and a bad image reference, before anything happens.</summary>
    protected void CheckSchedulerParameters(params string[] localOnly) => CheckClusterParameters("train", localOnly);

    /// <summary>Submits the concepts as a batch and writes the job. Concepts that cannot go (refused while planning, or
    /// because the store is not shared or Slurm cannot be reached) get an error each; nothing is stored or submitted for a
    /// batch that cannot go as a whole.</summary>
    private protected void SubmitBatch(EnvironmentStore store, IReadOnlyList<DeployItem> items, BatchTraining training, int? throttle, BatchCompletion completion)
    {
        var command = JobCommand;
        var ready = items.Where(i => i.Concept is not null).ToList();
        var refused = items.Where(i => i.Concept is null).Select(i => (Child: new KgBatchTaskJob(command, i.WikibaseId, i.WikibaseId, null, null, null), Error: i.Error!)).ToList();
        SlurmScheduler scheduler;
        try
        {
            foreach (var item in ready)
            {
                TrainingBatches.RequireSharedStore(store, Scheduler, item.WikibaseId);
            }
            scheduler = SlurmScheduler.Locate();
        }
        catch (KgException e)
        {
            foreach (var item in items)
            {
                WriteKgError(item.Error ?? PerConcept(e, item.WikibaseId), item.WikibaseId);
            }
            return;
        }
        IReadOnlyList<SubmittedBatch> submitted = [];
        if (ready.Count > 0)
        {
            try
            {
                var ids = ready.Select(i => i.WikibaseId).ToArray();
                var gpu = training.Options.Device.Equals("Cuda", StringComparison.OrdinalIgnoreCase)
                    ? ids.ToHashSet(StringComparer.Ordinal)
                    : RunWithProgress("Reading which concepts require a GPU", (_, ct) => TrainingBatches.GpuConceptsAsync(store, ids, ct));
                if (gpu.Count > 0 && GpuPartition is null)
                {
                    WriteWarning($"{gpu.Count} concept(s) require a GPU ({string.Join(", ", gpu.Order(StringComparer.Ordinal).Take(10))}{(gpu.Count > 10 ? ", ..." : "")}), but no -GpuPartition was given: they train in {(Partition is null ? "the default partition" : $"partition {Partition}")} without a GPU.");
                    gpu = new HashSet<string>();
                }
                var batches = RunWithProgress($"Storing the batch in {store.Objects.Location}", (_, ct) =>
                    TrainingBatches.CreateAsync(store, ready.Select(i => i.Concept!).ToArray(), training, gpu, ct));
                submitted = RunWithProgress($"Submitting {ready.Count} task(s) to {scheduler.Name}", (_, ct) =>
                    TrainingBatches.SubmitAsync(scheduler, store, batches, b => Submission(store, b, training, throttle), ct));
            }
            catch (KgException e)
            {
                foreach (var item in items)
                {
                    WriteKgError(item.Error ?? PerConcept(e, item.WikibaseId), item.WikibaseId);
                }
                return;
            }
        }
        var total = submitted.Sum(s => s.Batch.Count);
        WriteObject(StartJob(store, scheduler, submitted, refused, completion, $"Training {total} concept(s) for {store.Environment.Name()}"));
    }

    private ArraySubmission Submission(EnvironmentStore store, TrainingBatch batch, BatchTraining training, int? throttle) =>
        Submission(batch, new TaskLaunch(batch.Id, store.Configuration, training.CorpusPaths),
            $"{batch.Count} {batch.Type} classifier(s) for {batch.Environment.Name()}: {string.Join(", ", batch.WikibaseIds.Take(10))}{(batch.Count > 10 ? ", ..." : "")}", throttle);

    /// <summary>A batch-wide failure, told for one concept (each concept gets its own error record).</summary>
    private static KgException PerConcept(KgException e, string wikibaseId) =>
        e.Target is string t && t == wikibaseId ? e : new KgException(e.ErrorId, e.Kind, $"{wikibaseId}: {e.Message}", wikibaseId, e);
}
