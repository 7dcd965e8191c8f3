using KnowledgeGraph.Environments;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Batches;

/// <summary>What one task of a batch does, wherever it runs (Invoke-KgTrainingTask): read the batch and its concept
/// from the store, train with the same <see cref="TrainingService"/> a local Invoke-KgTraining uses (so the version is
/// stored the same way: its files, then its manifest, create-only), and record the outcome for whoever submitted the
/// batch. A task killed at any point leaves at most unreferenced blobs or a complete, unpromoted version.</summary>
public static class BatchTask
{
    /// <summary>Where each scheduler tells a task its number: Slurm, AWS Batch (array jobs), Kubernetes (Indexed Jobs).</summary>
    public static readonly IReadOnlyList<string> IndexVariables = ["SLURM_ARRAY_TASK_ID", "AWS_BATCH_JOB_ARRAY_INDEX", "JOB_COMPLETION_INDEX"];

    /// <summary>The task number from the first scheduler variable that is set, or null.</summary>
    public static (int? Index, string? Source) IndexFromEnvironment()
    {
        foreach (var name in IndexVariables)
        {
            var value = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }
            return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
                ? (index, "$env:" + name)
                : throw new KgException("InvalidTaskIndex", KgErrorKind.InvalidArgument, $"$env:{name} is '{value}', not a task number.", value);
        }
        return (null, null);
    }

    /// <summary>Runs task <paramref name="index"/> of the batch (when null: the only task of a batch of one).</summary>
    public static async Task<TrainingResult> RunAsync(EnvironmentStore store, string batchId, int? taskIndex, TrainingService trainer,
        IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var batches = new BatchStore(store.Objects, store.Environment);
        var batch = await batches.ReadAsync(batchId, cancellationToken).ConfigureAwait(false);
        var index = CheckIndex(batch, taskIndex);
        var previous = await batches.ReadResultAsync(batchId, index, cancellationToken).ConfigureAwait(false);
        if (previous is { Succeeded: true })
        {
            // A requeued or retried task whose first attempt got through: train nothing twice.
            progress?.Report(WorkProgress.Message($"Task {index} of batch {batchId} ({previous.WikibaseId}) already stored {previous.ClassifierId} {previous.Version}."));
            return await ToTrainingResultAsync(store, previous, cancellationToken).ConfigureAwait(false);
        }
        var started = DateTimeOffset.UtcNow;
        var wikibaseId = batch.WikibaseIds[index];
        try
        {
            var concept = await batches.ReadConceptAsync(batch, index, cancellationToken).ConfigureAwait(false);
            var extra = await batches.ReadTrainingDataAsync(batch, cancellationToken).ConfigureAwait(false);
            var trained = await trainer.TrainAsync(batch.RequestFor(concept, extra), store, null, progress, cancellationToken).ConfigureAwait(false);
            await batches.WriteResultAsync(batchId, new BatchTaskResult
            {
                Index = index,
                WikibaseId = wikibaseId,
                Succeeded = true,
                ClassifierId = trained.ClassifierId,
                Version = trained.Version,
                ManifestSha256 = trained.ManifestSha256,
                Device = trained.Device,
                TrainingPassages = trained.TrainingPassages,
                EvaluationPassages = trained.EvaluationPassages,
                Seed = trained.Seed,
                ThreadCount = trained.ThreadCount,
                Duration = trained.Duration,
                Host = Environment.MachineName,
                StartedAt = started,
                FinishedAt = DateTimeOffset.UtcNow,
            }, cancellationToken).ConfigureAwait(false);
            return trained;
        }
        catch (KgException e)
        {
            await RecordFailureAsync(batches, batchId, index, wikibaseId, started, e).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The task's number (when none is given: 0 for a batch of one), checked against the batch.</summary>
    public static int CheckIndex(IScheduledBatch batch, int? taskIndex)
    {
        var index = taskIndex ?? (batch.Count == 1 ? 0 : throw new KgException("TaskIndexMissing", KgErrorKind.InvalidArgument,
            $"Batch {batch.Id} has {batch.Count} tasks; say which one with -Index, or run it where the scheduler sets {string.Join(", ", IndexVariables.Select(v => "$env:" + v))}.", batch.Id));
        if (index < 0 || index >= batch.Count)
        {
            throw new KgException("TaskIndexOutOfRange", KgErrorKind.InvalidArgument,
                $"Batch {batch.Id} has {batch.Count} task(s), numbered 0 to {batch.Count - 1}; there is no task {index}.", index);
        }
        return index;
    }

    /// <summary>Best effort: when the store itself is what failed, the scheduler's state and the task's log tell the rest.</summary>
    internal static async Task RecordFailureAsync(BatchStore batches, string batchId, int index, string wikibaseId, DateTimeOffset started, KgException e)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await batches.WriteResultAsync(batchId, new BatchTaskResult
            {
                Index = index,
                WikibaseId = wikibaseId,
                Succeeded = false,
                ErrorId = e.ErrorId,
                ErrorKind = e.Kind,
                Message = e.Message,
                Host = Environment.MachineName,
                StartedAt = started,
                FinishedAt = DateTimeOffset.UtcNow,
            }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KgException or OperationCanceledException)
        {
        }
    }

    /// <summary>The result object a local training outputs, rebuilt from a task's record and the version it stored: the
    /// manifest (checked against the recorded SHA-256) and the evaluation stored with it.</summary>
    public static async Task<TrainingResult> ToTrainingResultAsync(EnvironmentStore store, BatchTaskResult result, CancellationToken cancellationToken)
    {
        var version = ModelVersion.Parse(result.Version!);
        var stored = await store.Models.GetAsync(result.WikibaseId, result.ClassifierId!, version, cancellationToken).ConfigureAwait(false);
        if (stored is null || !string.Equals(stored.ManifestSha256, result.ManifestSha256, StringComparison.Ordinal))
        {
            throw new KgException("TaskResultMismatch", KgErrorKind.InvalidData,
                $"Task {result.Index} ({result.WikibaseId}) recorded {result.ClassifierId} {result.Version}, but that version is {(stored is null ? "not in the store" : "not the one it recorded (its manifest changed)")}. Check the store with Test-KgEnvironment {store.Environment.Name()} -Deep.",
                result.WikibaseId);
        }
        var manifest = stored.Manifest;
        var evaluation = manifest.Files.Any(f => f.Name == ModelFiles.Evaluation)
            ? ModelFiles.ReadEvaluationFile(await store.Models.ReadFileAsync(stored, ModelFiles.Evaluation, cancellationToken).ConfigureAwait(false),
                result.WikibaseId, manifest.ClassifierId, manifest.Metadata.ClassifierName)
            : [];
        return new TrainingResult
        {
            WikibaseId = result.WikibaseId,
            ClassifierId = manifest.ClassifierId,
            ClassifierName = manifest.Metadata.ClassifierName,
            ClassifierType = ClassifierTypes.TryFromClassName(manifest.Metadata.ClassifierName, out var type) ? type : ClassifierType.Keyword,
            ConceptId = manifest.Metadata.ConceptId,
            Environment = store.Environment.Name(),
            Version = manifest.Version.ToString(),
            Stored = true,
            Location = store.Objects.Location.ToString(),
            Metrics = evaluation,
            Device = result.Device ?? "cpu",
            TrainingPassages = result.TrainingPassages,
            EvaluationPassages = result.EvaluationPassages,
            Seed = result.Seed,
            ThreadCount = result.ThreadCount,
            Duration = result.Duration,
            ManifestSha256 = stored.ManifestSha256,
        };
    }
}
