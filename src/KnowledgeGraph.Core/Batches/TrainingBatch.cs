using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Storage;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Batches;

/// <summary>A batch of trainings for a cluster: one task per concept, each run by a separate process (a Slurm array
/// element, an AWS Batch array child, a pod of a Kubernetes indexed Job) that finds everything it needs in the
/// environment's store: this record, the concepts and any extra training data. Task <c>i</c> trains
/// <c>WikibaseIds[i]</c>. A batch is homogeneous in what it asks of a node (GPU or not), so it is one array job.</summary>
public sealed record TrainingBatch : IScheduledBatch
{
    public required string Id { get; init; }
    public required KgEnvironment Environment { get; init; }
    public required ClassifierType Type { get; init; }
    public LearnedOptions Options { get; init; } = new();
    public bool Evaluate { get; init; } = true;
    /// <summary>The corpus learned types draw negatives from: paths every node must see (a shared file system, or the
    /// same paths mounted into the image).</summary>
    public IReadOnlyList<string> CorpusPaths { get; init; } = [];
    public required IReadOnlyList<string> WikibaseIds { get; init; }
    /// <summary>Whether the tasks need a GPU node.</summary>
    public bool Gpu { get; init; }
    /// <summary>Whether the batch holds extra labelled passages (-TrainingDataPath) for every task.</summary>
    public bool HasTrainingData { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required Actor CreatedBy { get; init; }

    public int Count => WikibaseIds.Count;

    public string TaskName(int index) => WikibaseIds[index];
    public string TaskActivity(int index) => $"Training {WikibaseIds[index]}";
    public string LeftOver => "Nothing of it was promoted.";

    public async Task<object> ResultAsync(Lifecycle.EnvironmentStore store, BatchTaskResult record, CancellationToken cancellationToken) =>
        await BatchTask.ToTrainingResultAsync(store, record, cancellationToken).ConfigureAwait(false);

    /// <summary>The training request of task <paramref name="index"/>, given its concept and the batch's extra data.</summary>
    public TrainingRequest RequestFor(Concepts.Concept concept, IReadOnlyList<Concepts.LabelledPassage> extra) => new()
    {
        Concept = concept,
        Type = Type,
        Environment = Environment,
        Evaluate = Evaluate,
        ExtraTrainingData = extra,
        Options = Options,
        CorpusPaths = CorpusPaths,
    };
}

/// <summary>Batch identifiers: <c>yyyyMMddTHHmmssZ-</c> and eight random hex digits, so batches list in time order and
/// two submitted in the same second never collide.</summary>
public static partial class BatchId
{
    public static string New(DateTimeOffset now) =>
        now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    public static bool IsValid(string? text) => text is not null && Pattern().IsMatch(text);

    public static string Parse(string? text) => IsValid(text) ? text! : throw new KgException("InvalidBatchId", KgErrorKind.InvalidArgument,
        $"'{text}' is not a training batch ID: they look like 20261130T074500Z-3f2a1b9c (the job's BatchId, or the folder name under batches/ in the store).", text);

    [GeneratedRegex("^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
