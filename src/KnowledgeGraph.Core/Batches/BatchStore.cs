using System.Globalization;
using System.Text;
using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Storage;
using KnowledgeGraph.Text;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Batches;

/// <summary>What one task of a batch recorded when it ended: the model version it stored, or why it failed.</summary>
public sealed record BatchTaskResult
{
    public required int Index { get; init; }
    public required string WikibaseId { get; init; }
    public required bool Succeeded { get; init; }
    public string? ClassifierId { get; init; }
    public string? Version { get; init; }
    public string? ManifestSha256 { get; init; }
    public string? Device { get; init; }
    public int TrainingPassages { get; init; }
    public int EvaluationPassages { get; init; }
    public int? Seed { get; init; }
    public int? ThreadCount { get; init; }
    public TimeSpan Duration { get; init; }
    public string? ErrorId { get; init; }
    public KgErrorKind? ErrorKind { get; init; }
    public string? Message { get; init; }
    /// <summary>The machine the task ran on.</summary>
    public required string Host { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    /// <summary>An inference task's rows (one per spec entry, for its chunk of the documents); null for a training task.</summary>
    public IReadOnlyList<Inference.InferenceClassifierRun>? Classifiers { get; init; }
    /// <summary>An inference task's non-terminating errors (documents that could not be read, classifiers that failed).</summary>
    public IReadOnlyList<KgException> Errors { get; init; } = [];

    public KgException ToException() => new(ErrorId ?? "TrainingFailed", ErrorKind ?? KgErrorKind.InvalidOperation, Message ?? "The task failed.", WikibaseId);
}

/// <summary>A batch's objects in the environment's store, under <c>batches/&lt;id&gt;/</c>: <c>batch.json</c> (written
/// last, create-only, so a batch is visible only complete), for a training batch <c>concepts/&lt;Qid&gt;.json</c> and
/// <c>training-data.jsonl</c>, for an inference batch <c>spec.yaml</c> (the spec file it runs), and, per task,
/// <c>results/&lt;index&gt;.json</c>. Model versions are stored as by any training, under <c>models/</c>; inference
/// results as by any inference run.</summary>
public sealed class BatchStore(IObjectStore store, KgEnvironment environment)
{
    public const string Prefix = "batches/";
    public const string BatchSchema = "kgtools.training-batch/1";
    public const string ResultSchema = "kgtools.batch-result/1";
    public const string InferenceBatchSchema = "kgtools.inference-batch/1";

    public static string BatchKey(string id) => $"{Prefix}{id}/batch.json";
    public static string ConceptKey(string id, string wikibaseId) => $"{Prefix}{id}/concepts/{wikibaseId}.json";
    public static string TrainingDataKey(string id) => $"{Prefix}{id}/training-data.jsonl";
    public static string SpecKey(string id) => $"{Prefix}{id}/spec.yaml";
    public static string ResultsPrefix(string id) => $"{Prefix}{id}/results/";
    public static string ResultKey(string id, int index) => ResultsPrefix(id) + index.ToString("D6", CultureInfo.InvariantCulture) + ".json";

    public IObjectStore Objects => store;

    /// <summary>Stores a batch: its concepts and extra data first, then the batch record (create-only).</summary>
    public async Task CreateAsync(TrainingBatch batch, IReadOnlyList<Concept> concepts, IReadOnlyList<LabelledPassage> trainingData, CancellationToken cancellationToken)
    {
        foreach (var concept in concepts)
        {
            await store.PutAsync(ConceptKey(batch.Id, concept.WikibaseId!), Encoding.UTF8.GetBytes(ConceptJson.WriteConcept(concept)), cancellationToken).ConfigureAwait(false);
        }
        if (batch.HasTrainingData)
        {
            await store.PutAsync(TrainingDataKey(batch.Id), Encoding.UTF8.GetBytes(PassageFile.Format(trainingData, PassageFileFormat.Jsonl)), cancellationToken).ConfigureAwait(false);
        }
        await CreateRecordAsync(batch.Id, ToJson(batch), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores an inference batch: the spec file it runs, then the batch record (create-only).</summary>
    public async Task CreateAsync(Inference.InferenceBatch batch, string specText, CancellationToken cancellationToken)
    {
        await store.PutAsync(SpecKey(batch.Id), Encoding.UTF8.GetBytes(specText), cancellationToken).ConfigureAwait(false);
        await CreateRecordAsync(batch.Id, KgJson.ToBytes(Inference.InferenceBatch.ToDocument(batch), KgJson.Indented.InferenceBatchDocument), cancellationToken).ConfigureAwait(false);
    }

    private async Task CreateRecordAsync(string id, byte[] record, CancellationToken cancellationToken)
    {
        if (!await store.TryCreateAsync(BatchKey(id), record, cancellationToken).ConfigureAwait(false))
        {
            throw new KgException("BatchExists", KgErrorKind.ResourceExists, $"A batch {id} already exists in {environment.Name()} ({store.Location}).", id);
        }
    }

    public async Task<Inference.InferenceBatch> ReadInferenceAsync(string id, CancellationToken cancellationToken)
    {
        var (key, json) = await ReadRecordAsync(id, "inference", cancellationToken).ConfigureAwait(false);
        var d = Parse(key, json, KgJson.Indented.InferenceBatchDocument);
        if (d.Schema != InferenceBatchSchema || d.Id != id || d.DocumentPaths is null || d.SpecFile is null || d.CreatedBy is null || d.ChunkCount < 1
            || !EnvironmentNames.TryParse(d.Environment, out var env))
        {
            throw Corrupt(key, $"it is not a {InferenceBatchSchema} record of batch {id}");
        }
        CheckEnvironment(id, env);
        var spec = await store.GetAsync(SpecKey(id), cancellationToken).ConfigureAwait(false) ?? throw Corrupt(SpecKey(id), "the spec file is missing");
        return Inference.InferenceBatch.FromDocument(d, env, Encoding.UTF8.GetString(spec));
    }

    private async Task<(string Key, byte[] Json)> ReadRecordAsync(string id, string kind, CancellationToken cancellationToken)
    {
        var key = BatchKey(id);
        var json = await store.GetAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new KgException("BatchNotFound", KgErrorKind.ObjectNotFound,
                $"There is no {kind} batch {id} in {environment.Name()} ({store.Location}): a task must run against the store its batch was submitted to (expected {key}).", id);
        return (key, json);
    }

    private T Parse<T>(string key, byte[] json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return KgJson.Parse(json, type);
        }
        catch (FormatException e)
        {
            throw Corrupt(key, e.Message, e);
        }
    }

    private void CheckEnvironment(string id, KgEnvironment env)
    {
        if (env != environment)
        {
            throw new KgException("BatchEnvironmentMismatch", KgErrorKind.InvalidArgument,
                $"Batch {id} was submitted for {env.Name()}, not {environment.Name()}: run its tasks with -Environment {env.Name()}.", id);
        }
    }

    public async Task<TrainingBatch> ReadAsync(string id, CancellationToken cancellationToken)
    {
        var (key, json) = await ReadRecordAsync(id, "training", cancellationToken).ConfigureAwait(false);
        var d = Parse(key, json, KgJson.Indented.TrainingBatchDocument);
        if (d.Schema != BatchSchema || d.Id != id || d.WikibaseIds is null || d.CreatedBy is null || !EnvironmentNames.TryParse(d.Environment, out var env))
        {
            throw Corrupt(key, $"it is not a {BatchSchema} record of batch {id}");
        }
        CheckEnvironment(id, env);
        return new TrainingBatch
        {
            Id = id,
            Environment = env,
            Type = ClassifierType.Parse(d.ClassifierType ?? ""),
            Options = new LearnedOptions
            {
                Device = d.Device ?? "Auto", Seed = d.Seed, Threads = d.Threads, Epochs = d.Epochs,
                Settings = d.Settings is { ValueKind: JsonValueKind.Object } settings ? settings : null,
            },
            Evaluate = d.Evaluate,
            CorpusPaths = d.CorpusPaths ?? [],
            WikibaseIds = d.WikibaseIds,
            Gpu = d.Gpu,
            HasTrainingData = d.TrainingData,
            CreatedAt = d.CreatedAt,
            CreatedBy = d.CreatedBy.ToActor(),
        };
    }

    public async Task<Concept> ReadConceptAsync(TrainingBatch batch, int index, CancellationToken cancellationToken)
    {
        var key = ConceptKey(batch.Id, batch.WikibaseIds[index]);
        var json = await store.GetAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw Corrupt(key, "the concept is missing");
        return ConceptJson.ReadConcept(Encoding.UTF8.GetString(json), $"{store.Location}/{key}");
    }

    public async Task<IReadOnlyList<LabelledPassage>> ReadTrainingDataAsync(TrainingBatch batch, CancellationToken cancellationToken)
    {
        if (!batch.HasTrainingData)
        {
            return [];
        }
        var key = TrainingDataKey(batch.Id);
        var data = await store.GetAsync(key, cancellationToken).ConfigureAwait(false) ?? throw Corrupt(key, "the training data is missing");
        return PassageFile.Parse(Encoding.UTF8.GetString(data), $"{store.Location}/{key}");
    }

    /// <summary>Records a task's outcome. A later attempt of the same task (a retry, a requeue) replaces a failure; a
    /// task that finds a success recorded does not train again (see <see cref="BatchTask"/>).</summary>
    public Task WriteResultAsync(string batchId, BatchTaskResult result, CancellationToken cancellationToken) =>
        store.PutAsync(ResultKey(batchId, result.Index), ToJson(batchId, result), cancellationToken);

    public async Task<BatchTaskResult?> ReadResultAsync(string batchId, int index, CancellationToken cancellationToken)
    {
        var key = ResultKey(batchId, index);
        var json = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        return json is null ? null : ParseResult(json, key);
    }

    /// <summary>The indexes of the tasks that have recorded a result (one listing).</summary>
    public async Task<IReadOnlySet<int>> ListResultsAsync(string batchId, CancellationToken cancellationToken)
    {
        var keys = await store.ListAsync(ResultsPrefix(batchId), null, cancellationToken).ConfigureAwait(false);
        return keys.Select(k => k[ResultsPrefix(batchId).Length..])
            .Select(n => n.EndsWith(".json", StringComparison.Ordinal) && int.TryParse(n[..^5], NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1)
            .Where(i => i >= 0)
            .ToHashSet();
    }

    /// <summary>Removes a batch that was never submitted (the scheduler refused it): its record first, so no task can start from it.</summary>
    public async Task DeleteAsync(IScheduledBatch batch, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(BatchKey(batch.Id), cancellationToken).ConfigureAwait(false);
        foreach (var key in await store.ListAsync($"{Prefix}{batch.Id}/", null, cancellationToken).ConfigureAwait(false))
        {
            await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }

    private KgException Corrupt(string key, string why, Exception? inner = null) => new("CorruptBatch", KgErrorKind.InvalidData,
        $"The batch object {store.Location}/{key} is unreadable: {why}. Submit the batch again.", key, inner);

    private static byte[] ToJson(TrainingBatch b) => KgJson.ToBytes(new TrainingBatchDocument
    {
        Schema = BatchSchema,
        Id = b.Id,
        Environment = b.Environment.Name(),
        ClassifierType = b.Type.Name,
        Evaluate = b.Evaluate,
        Device = b.Options.Device,
        Seed = b.Options.Seed,
        Threads = b.Options.Threads,
        Epochs = b.Options.Epochs,
        Settings = b.Options.Settings,
        CorpusPaths = [.. b.CorpusPaths],
        WikibaseIds = [.. b.WikibaseIds],
        Gpu = b.Gpu,
        TrainingData = b.HasTrainingData,
        CreatedAt = b.CreatedAt,
        CreatedBy = ActorDocument.From(b.CreatedBy),
    }, KgJson.Indented.TrainingBatchDocument);

    private static byte[] ToJson(string batchId, BatchTaskResult r) => KgJson.ToBytes(new BatchResultDocument
    {
        Schema = ResultSchema,
        BatchId = batchId,
        Index = r.Index,
        WikibaseId = r.WikibaseId,
        Succeeded = r.Succeeded,
        ClassifierId = r.ClassifierId,
        Version = r.Version,
        ManifestSha256 = r.ManifestSha256,
        Device = r.Device,
        TrainingPassages = r.TrainingPassages,
        EvaluationPassages = r.EvaluationPassages,
        Seed = r.Seed,
        ThreadCount = r.ThreadCount,
        DurationSeconds = Math.Round(r.Duration.TotalSeconds, 3),
        ErrorId = r.ErrorId,
        ErrorKind = r.ErrorKind?.ToString(),
        Message = r.Message,
        Host = r.Host,
        StartedAt = r.StartedAt,
        FinishedAt = r.FinishedAt,
        Classifiers = r.Classifiers is null ? null : [.. r.Classifiers],
        Errors = r.Errors.Count == 0 ? null : r.Errors.Select(e => new TaskErrorDocument { ErrorId = e.ErrorId, ErrorKind = e.Kind.ToString(), Message = e.Message, Target = e.Target?.ToString() }).ToList(),
    }, KgJson.Indented.BatchResultDocument);

    private BatchTaskResult ParseResult(byte[] json, string key)
    {
        var d = Parse(key, json, KgJson.Indented.BatchResultDocument);
        if (d.Schema != ResultSchema || d.WikibaseId is null || d.Host is null
            || (d.Succeeded && d.Classifiers is null && (d.ClassifierId is null || d.Version is null || d.ManifestSha256 is null)))
        {
            throw Corrupt(key, $"it is not a complete {ResultSchema} record");
        }
        return new BatchTaskResult
        {
            Index = d.Index,
            WikibaseId = d.WikibaseId,
            Succeeded = d.Succeeded,
            ClassifierId = d.ClassifierId,
            Version = d.Version,
            ManifestSha256 = d.ManifestSha256,
            Device = d.Device,
            TrainingPassages = d.TrainingPassages,
            EvaluationPassages = d.EvaluationPassages,
            Seed = d.Seed,
            ThreadCount = d.ThreadCount,
            Duration = TimeSpan.FromSeconds(d.DurationSeconds),
            ErrorId = d.ErrorId,
            ErrorKind = Enum.TryParse<KgErrorKind>(d.ErrorKind, out var kind) ? kind : null,
            Message = d.Message,
            Host = d.Host,
            StartedAt = d.StartedAt,
            FinishedAt = d.FinishedAt,
            Classifiers = d.Classifiers,
            Errors = d.Errors?.Select(e => new KgException(e.ErrorId ?? "InferenceFailed", Enum.TryParse<KgErrorKind>(e.ErrorKind, out var k) ? k : KgErrorKind.InvalidOperation,
                e.Message ?? "", e.Target)).ToArray() ?? [],
        };
    }
}

/// <summary>A training batch as stored (<c>kgtools.training-batch/1</c>).</summary>
internal sealed record TrainingBatchDocument
{
    public string? Schema { get; init; }
    public string? Id { get; init; }
    public string? Environment { get; init; }
    public string? ClassifierType { get; init; }
    public bool Evaluate { get; init; } = true;
    public string? Device { get; init; }
    public int Seed { get; init; }
    public int Threads { get; init; }
    public int? Epochs { get; init; }
    /// <summary>The learned type's hyper-parameters (Invoke-KgTraining -Setting), as checked when the batch was submitted.</summary>
    public JsonElement? Settings { get; init; }
    public List<string>? CorpusPaths { get; init; }
    public List<string>? WikibaseIds { get; init; }
    public bool Gpu { get; init; }
    public bool TrainingData { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public ActorDocument? CreatedBy { get; init; }
}

/// <summary>A task's outcome as stored (<c>kgtools.batch-result/1</c>).</summary>
internal sealed record BatchResultDocument
{
    public string? Schema { get; init; }
    public string? BatchId { get; init; }
    public int Index { get; init; }
    public string? WikibaseId { get; init; }
    public bool Succeeded { get; init; }
    public string? ClassifierId { get; init; }
    public string? Version { get; init; }
    public string? ManifestSha256 { get; init; }
    public string? Device { get; init; }
    public int TrainingPassages { get; init; }
    public int EvaluationPassages { get; init; }
    public int? Seed { get; init; }
    public int? ThreadCount { get; init; }
    public double DurationSeconds { get; init; }
    public string? ErrorId { get; init; }
    public string? ErrorKind { get; init; }
    public string? Message { get; init; }
    public string? Host { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset FinishedAt { get; init; }
    public List<Inference.InferenceClassifierRun>? Classifiers { get; init; }
    public List<TaskErrorDocument>? Errors { get; init; }
}

/// <summary>A non-terminating error of a task, as stored with its result.</summary>
internal sealed record TaskErrorDocument
{
    public string? ErrorId { get; init; }
    public string? ErrorKind { get; init; }
    public string? Message { get; init; }
    public string? Target { get; init; }
}
