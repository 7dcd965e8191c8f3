using System.Runtime.InteropServices;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Corpus;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Storage;
using KnowledgeGraph.Text;

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

    public byte[] ToJson() => ModelFiles.Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("schema", Schema);
        w.WriteString("classifier_type", Type.ToString());
        w.WriteString("classifier_name", ClassifierName);
        w.WriteString("classifier_id", ClassifierId);
        w.WriteString("wikibase_id", Concept.WikibaseId);
        w.WriteString("concept_id", Concept.Id);
        if (Concept.WikibaseRevision is { } rev) w.WriteNumber("concept_wikibase_revision", rev); else w.WriteNull("concept_wikibase_revision");
        w.WritePropertyName("parameters");
        JsonValues.Write(w, Parameters);
        w.WritePropertyName("training_data");
        WriteData(w, TrainingData);
        w.WritePropertyName("evaluation_data");
        if (EvaluationData is null) w.WriteNullValue(); else WriteData(w, EvaluationData);
        w.WritePropertyName("corpus");
        if (Corpus is null) w.WriteNullValue(); else WorkerJson.ToElement(Corpus).WriteTo(w);
        w.WriteStartObject("metrics");
        foreach (var row in Evaluation.Where(r => r.Group == Evaluator.AllGroup))
        {
            w.WriteNumber(row.Level + ".f1", row.F1);
        }
        w.WriteEndObject();
        w.WriteStartObject("durations_seconds");
        w.WriteNumber("train", Math.Round(TrainDuration.TotalSeconds, 3));
        w.WriteNumber("evaluate", Math.Round(EvaluateDuration.TotalSeconds, 3));
        w.WriteNumber("total", Math.Round((FinishedAt - StartedAt).TotalSeconds, 3));
        w.WriteEndObject();
        w.WriteString("started_at", ModelFiles.Iso(StartedAt));
        w.WriteString("finished_at", ModelFiles.Iso(FinishedAt));
        w.WriteString("device", Device);
        w.WriteStartObject("machine");
        w.WriteString("name", Environment.MachineName);
        w.WriteString("user", Environment.UserName);
        w.WriteString("os", RuntimeInformation.OSDescription);
        w.WriteString("architecture", RuntimeInformation.OSArchitecture.ToString());
        w.WriteNumber("cores", Environment.ProcessorCount);
        w.WriteString("runtime", RuntimeInformation.FrameworkDescription);
        w.WriteString("tool", Actor.Current.Tool);
        w.WriteEndObject();
        w.WritePropertyName("details");
        JsonValues.Write(w, Details);
        w.WriteEndObject();
    });

    private static void WriteData(System.Text.Json.Utf8JsonWriter w, IReadOnlyList<LabelledPassage> passages)
    {
        w.WriteStartObject();
        w.WriteNumber("passages", passages.Count);
        w.WriteNumber("positives", passages.Count(p => p.IsPositive));
        w.WriteString("sha256", ModelFiles.DataHash(passages));
        w.WriteEndObject();
    }
}
