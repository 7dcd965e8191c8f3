using KnowledgeGraph.Batches;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Specs;
using KnowledgeGraph.Storage;
using KnowledgeGraph.Text;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Inference;

/// <summary>An inference run split into chunks for a cluster (Invoke-KgInference -Scheduler): task <c>i</c> runs the
/// stored spec over chunk <c>i</c> of <see cref="ChunkCount"/> of the documents (<see cref="DocumentFolds"/> by document
/// ID, as -ChunkIndex does), writing to the environment's store, where the chunks' results meet. The document paths are
/// this machine's; every node must read them at the same paths (a shared file system, or the same paths mounted into
/// the image).</summary>
public sealed record InferenceBatch : IScheduledBatch
{
    public required string Id { get; init; }
    public required KgEnvironment Environment { get; init; }
    public required int ChunkCount { get; init; }
    /// <summary>The document files, as expanded where the batch was submitted.</summary>
    public required IReadOnlyList<string> DocumentPaths { get; init; }
    /// <summary>The spec file's path where the batch was submitted (for messages); its text is stored with the batch.</summary>
    public required string SpecFile { get; init; }
    public string SpecText { get; init; } = "";
    public bool Force { get; init; }
    public bool AllowCpu { get; init; }
    public int ThrottleLimit { get; init; } = 1;
    public bool Gpu { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required Actor CreatedBy { get; init; }

    public int Count => ChunkCount;
    public string TaskName(int index) => $"chunk {index}";
    public string TaskActivity(int index) => $"Inference chunk {index} of {ChunkCount}";
    public string LeftOver => "Its documents not recorded as done are done by the next run.";

    /// <summary>The task's record itself: the job combines every chunk's rows into a local run's rows.</summary>
    public Task<object> ResultAsync(EnvironmentStore store, BatchTaskResult record, CancellationToken cancellationToken) => Task.FromResult<object>(record);

    public InferenceOptions OptionsFor(int index, bool cudaAvailable, bool reportSkips) => new()
    {
        Force = Force,
        AllowCpu = AllowCpu,
        CudaAvailable = cudaAvailable,
        ThrottleLimit = ThrottleLimit,
        ChunkIndex = index,
        ChunkCount = ChunkCount,
        ReportSkips = reportSkips,
    };

    /// <summary>One row per spec entry for the whole run, from the chunks' rows: counts added up; failed if it failed in
    /// any chunk, ran if it ran in any, not run if it was not run in any, else up to date.</summary>
    public static IReadOnlyList<InferenceClassifierRun> Combine(IEnumerable<IReadOnlyList<InferenceClassifierRun>> chunks) =>
        chunks.SelectMany(c => c)
            .GroupBy(r => (r.WikibaseId, r.ClassifierId, r.RegistryVersion))
            .Select(g =>
            {
                var rows = g.ToArray();
                var status = rows.Any(r => r.Status == InferenceStatus.Failed) ? InferenceStatus.Failed
                    : rows.Any(r => r.Status == InferenceStatus.Ran) ? InferenceStatus.Ran
                    : rows.All(r => r.Status == InferenceStatus.NotRun) ? InferenceStatus.NotRun
                    : InferenceStatus.UpToDate;
                return rows[0] with
                {
                    Status = status,
                    Documents = rows.Sum(r => r.Documents),
                    UpToDate = rows.Sum(r => r.UpToDate),
                    Skipped = rows.Sum(r => r.Skipped),
                    NoOp = rows.Sum(r => r.NoOp),
                    Passages = rows.Sum(r => r.Passages),
                    PositivePassages = rows.Sum(r => r.PositivePassages),
                    Spans = rows.Sum(r => r.Spans),
                    Device = rows.Select(r => r.Device).FirstOrDefault(d => d is not null),
                    Reason = rows.Select(r => r.Reason).FirstOrDefault(r => r is not null),
                };
            })
            .ToArray();

    internal static InferenceBatchDocument ToDocument(InferenceBatch b) => new()
    {
        Schema = BatchStore.InferenceBatchSchema,
        Id = b.Id,
        Environment = b.Environment.Name(),
        ChunkCount = b.ChunkCount,
        DocumentPaths = [.. b.DocumentPaths],
        SpecFile = b.SpecFile,
        Force = b.Force,
        AllowCpu = b.AllowCpu,
        ThrottleLimit = b.ThrottleLimit,
        Gpu = b.Gpu,
        CreatedAt = b.CreatedAt,
        CreatedBy = ActorDocument.From(b.CreatedBy),
    };

    internal static InferenceBatch FromDocument(InferenceBatchDocument d, KgEnvironment environment, string specText) => new()
    {
        Id = d.Id!,
        Environment = environment,
        ChunkCount = d.ChunkCount,
        DocumentPaths = d.DocumentPaths!,
        SpecFile = d.SpecFile!,
        SpecText = specText,
        Force = d.Force,
        AllowCpu = d.AllowCpu,
        ThrottleLimit = Math.Clamp(d.ThrottleLimit, 1, 64),
        Gpu = d.Gpu,
        CreatedAt = d.CreatedAt,
        CreatedBy = d.CreatedBy!.ToActor(),
    };
}

/// <summary>An inference batch as stored (<c>kgtools.inference-batch/1</c>).</summary>
internal sealed record InferenceBatchDocument
{
    public string? Schema { get; init; }
    public string? Id { get; init; }
    public string? Environment { get; init; }
    public int ChunkCount { get; init; }
    public List<string>? DocumentPaths { get; init; }
    public string? SpecFile { get; init; }
    public bool Force { get; init; }
    public bool AllowCpu { get; init; }
    public int ThrottleLimit { get; init; } = 1;
    public bool Gpu { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public ActorDocument? CreatedBy { get; init; }
}

/// <summary>A spec run: resolve the spec's entries in the environment's store, then run them over the documents. What a
/// local Invoke-KgInference and each task of an inference batch do.</summary>
public static class InferenceRun
{
    public static async Task<(SpecResolution Resolution, InferenceRunSummary Summary)> RunAsync(EnvironmentStore store, IReadOnlyList<ClassifierSpec> specs,
        string specFile, IInferenceOutput output, IReadOnlyList<DocumentFile> documents, InferenceOptions options, string workerPath,
        IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        progress?.Report(WorkProgress.Step($"Resolving the spec entries of {Path.GetFileName(specFile)} in {store.Environment.Name()}", 0));
        var resolution = await InferenceSpec.ResolveAsync(store, specs, specFile, cancellationToken).ConfigureAwait(false);
        var runner = new InferenceRunner(output, InferenceModels.FromStore(store, workerPath), options);
        var summary = await runner.RunAsync(store.Environment.Name(), resolution.Classifiers, documents, progress, cancellationToken, resolution.Unresolved).ConfigureAwait(false);
        return (resolution, summary);
    }

    /// <summary>Stores an inference batch (the spec's text with it) for a scheduler to run in chunks.</summary>
    public static async Task<InferenceBatch> CreateBatchAsync(EnvironmentStore store, InferenceBatch batch, CancellationToken cancellationToken)
    {
        await new BatchStore(store.Objects, store.Environment).CreateAsync(batch, batch.SpecText, cancellationToken).ConfigureAwait(false);
        return batch;
    }

    /// <summary>Runs task <paramref name="taskIndex"/> of an inference batch (Invoke-KgInferenceTask): its chunk of the
    /// documents into the store, then its rows and errors recorded as the task's result. A task that finds a result
    /// recorded runs again anyway: a rerun does only what is not done, and records what it did.</summary>
    public static async Task<BatchTaskResult> RunTaskAsync(EnvironmentStore store, string batchId, int? taskIndex, IClassifierSpecParser parser,
        string workerPath, bool reportSkips, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var batches = new BatchStore(store.Objects, store.Environment);
        var batch = await batches.ReadInferenceAsync(batchId, cancellationToken).ConfigureAwait(false);
        var index = BatchTask.CheckIndex(batch, taskIndex);
        var started = DateTimeOffset.UtcNow;
        var name = batch.TaskName(index);
        try
        {
            var specs = parser.Parse(batch.SpecText, batch.SpecFile);
            var (files, errors) = DocumentFiles.Expand(batch.DocumentPaths, recurse: false);
            var options = batch.OptionsFor(index, CudaDevices.Available(Path.GetDirectoryName(workerPath)), reportSkips);
            var output = new StoreInferenceOutput(store.Objects, store.Parallelism);
            var (resolution, summary) = await RunAsync(store, specs, batch.SpecFile, output, files, options, workerPath, progress, cancellationToken).ConfigureAwait(false);
            foreach (var w in resolution.Warnings)
            {
                progress?.Report(WorkProgress.Warn(w));
            }
            var result = new BatchTaskResult
            {
                Index = index,
                WikibaseId = name,
                Succeeded = true,
                Duration = summary.Elapsed,
                Host = System.Environment.MachineName,
                StartedAt = started,
                FinishedAt = DateTimeOffset.UtcNow,
                Classifiers = summary.Classifiers,
                // Every task reads the same paths and spec: the job reports their errors once.
                Errors = [.. errors, .. resolution.Errors, .. summary.ClassifierErrors, .. summary.DocumentErrors],
            };
            await batches.WriteResultAsync(batchId, result, cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (KgException e)
        {
            await BatchTask.RecordFailureAsync(batches, batchId, index, name, started, e).ConfigureAwait(false);
            throw;
        }
    }
}
