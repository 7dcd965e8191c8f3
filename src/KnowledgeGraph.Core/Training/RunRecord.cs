using System.Runtime.InteropServices;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Corpus;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Storage;
using KnowledgeGraph.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KnowledgeGraph.Training;

/// <summary>The run record stored with every model version (<c>run.json</c>): parameters, the data it saw (counts and
/// SHA-256), headline metrics, durations and the machine. What the original's W&amp;B run held.</summary>
public sealed record RunRecord
{
    public const string Schema = "kgtools.run/1";

    public required ClassifierType Type { get; init; }
    public required string ClassifierName { get; init; }
    public required string ClassifierId { get; init; }
    public required Concept Concept { get; init; }
    public required IReadOnlyDictionary<string, object?> Parameters { get; init; }
    public required IReadOnlyList<LabelledPassage> TrainingData { get; init; }
    public IReadOnlyList<LabelledPassage>? EvaluationData { get; init; }
    public required IReadOnlyList<ClassifierEvaluation> Evaluation { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public required TimeSpan TrainDuration { get; init; }
    public required TimeSpan EvaluateDuration { get; init; }
    public string Device { get; init; } = "cpu";
    /// <summary>The corpus negatives were drawn from: paths, SHA-256 of what was read, counts (null without a corpus).</summary>
    public CorpusSummary? Corpus { get; init; }
    /// <summary>Anything else the trainer recorded (epochs, losses, library versions).</summary>
    public IReadOnlyDictionary<string, object?> Details { get; init; } = new Dictionary<string, object?>();

    public byte[] ToJson() => KgJson.ToBytes(new RunRecordDocument
    {
        Schema = Schema,
        ClassifierType = Type.ToString(),
        ClassifierName = ClassifierName,
        ClassifierId = ClassifierId,
        WikibaseId = Concept.WikibaseId,
        ConceptId = Concept.Id,
        ConceptWikibaseRevision = Concept.WikibaseRevision,
        Parameters = JsonValues.ToElement(Parameters),
        TrainingData = DataDocument.Of(TrainingData),
        EvaluationData = EvaluationData is null ? null : DataDocument.Of(EvaluationData),
        Corpus = Corpus is null ? null : WorkerJson.ToElement(Corpus),
        Metrics = Evaluation.Where(r => r.Group == Evaluator.AllGroup).ToDictionary(r => r.Level + ".f1", r => r.F1),
        DurationsSeconds = new DurationsDocument
        {
            Train = Math.Round(TrainDuration.TotalSeconds, 3),
            Evaluate = Math.Round(EvaluateDuration.TotalSeconds, 3),
            Total = Math.Round((FinishedAt - StartedAt).TotalSeconds, 3),
        },
        StartedAt = StartedAt,
        FinishedAt = FinishedAt,
        Device = Device,
        Machine = new MachineDocument
        {
            Name = Environment.MachineName,
            User = Environment.UserName,
            Os = RuntimeInformation.OSDescription,
            Architecture = RuntimeInformation.OSArchitecture.ToString(),
            Cores = Environment.ProcessorCount,
            Runtime = RuntimeInformation.FrameworkDescription,
            Tool = Actor.Current.Tool,
        },
        Details = JsonValues.ToElement(Details),
    }, KgJson.Indented.RunRecordDocument);
}

/// <summary>The run record as stored (<c>kgtools.run/1</c>).</summary>
internal sealed record RunRecordDocument
{
    public string? Schema { get; init; }
    public string? ClassifierType { get; init; }
    public string? ClassifierName { get; init; }
    public string? ClassifierId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? WikibaseId { get; init; }
    public string? ConceptId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public long? ConceptWikibaseRevision { get; init; }
    public JsonElement Parameters { get; init; }
    public DataDocument? TrainingData { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public DataDocument? EvaluationData { get; init; }
    /// <summary>The corpus negatives were drawn from (null without one).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public JsonElement? Corpus { get; init; }
    public Dictionary<string, double>? Metrics { get; init; }
    public DurationsDocument? DurationsSeconds { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset FinishedAt { get; init; }
    public string? Device { get; init; }
    public MachineDocument? Machine { get; init; }
    public JsonElement Details { get; init; }
}

/// <summary>What data a run saw: counts and the SHA-256 of its canonical JSONL.</summary>
internal sealed record DataDocument
{
    public int Passages { get; init; }
    public int Positives { get; init; }
    public string? Sha256 { get; init; }

    public static DataDocument Of(IReadOnlyList<LabelledPassage> passages) => new()
    {
        Passages = passages.Count,
        Positives = passages.Count(p => p.IsPositive),
        Sha256 = ModelFiles.DataHash(passages),
    };
}

internal sealed record DurationsDocument
{
    public double Train { get; init; }
    public double Evaluate { get; init; }
    public double Total { get; init; }
}

internal sealed record MachineDocument
{
    public string? Name { get; init; }
    public string? User { get; init; }
    public string? Os { get; init; }
    public string? Architecture { get; init; }
    public int Cores { get; init; }
    public string? Runtime { get; init; }
    public string? Tool { get; init; }
}
