using System.Text.Json;
using System.Text.Json.Serialization;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Corpus;

namespace KnowledgeGraph.Training;

// The messages between the module and its training worker, shared by both processes: one JSON object per line on the
// worker's stdin (requests, discriminated by "kind") and stdout (responses, discriminated by "type"). A request is
// answered by any number of progress lines, then exactly one of trained, loaded, predictions, error or cancelled.
// Serialized by WorkerJson (source-generated); concepts and passages keep the original's JSON through converters.

[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(TrainRequest), "train")]
[JsonDerivedType(typeof(LoadRequest), "load")]
[JsonDerivedType(typeof(PredictRequest), "predict")]
[JsonDerivedType(typeof(CancelRequest), "cancel")]
public abstract record WorkerRequest;

/// <summary>Train a learned type on <see cref="Training"/>, evaluate on <see cref="Evaluation"/> (never trained on), and
/// write the model card and weights into <see cref="Output"/>.</summary>
public sealed record TrainRequest : WorkerRequest
{
    public required string ClassifierType { get; init; }
    [JsonConverter(typeof(ConceptWithoutPassagesConverter))]
    public required Concept Concept { get; init; }
    public required IReadOnlyList<LabelledPassage> Training { get; init; }
    public IReadOnlyList<LabelledPassage> Evaluation { get; init; } = [];
    /// <summary>Unlabelled corpus passages drawn for this run (null without a corpus): negatives, a pool to mine hard
    /// negatives from, near misses, held-out negatives for validation, and what was read.</summary>
    public CorpusSample? Corpus { get; init; }
    public string Device { get; init; } = "Auto";
    public int Seed { get; init; } = 42;
    public int Threads { get; init; }
    public int? Epochs { get; init; }
    /// <summary>Hyper-parameters to change from the type's defaults (benchmarks and experiments; they enter the classifier ID).</summary>
    public JsonElement? Settings { get; init; }
    public required string Output { get; init; }
}

public sealed record LoadRequest : WorkerRequest
{
    public required string Card { get; init; }
    public required string Weights { get; init; }
    public required string ClassifierId { get; init; }
    public string Device { get; init; } = "Auto";
}

public sealed record PredictRequest : WorkerRequest
{
    public required IReadOnlyList<string> Texts { get; init; }
}

public sealed record CancelRequest : WorkerRequest;

[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(ProgressMessage), "progress")]
[JsonDerivedType(typeof(TrainedMessage), "trained")]
[JsonDerivedType(typeof(LoadedMessage), "loaded")]
[JsonDerivedType(typeof(PredictionsMessage), "predictions")]
[JsonDerivedType(typeof(ErrorMessage), "error")]
[JsonDerivedType(typeof(CancelledMessage), "cancelled")]
public abstract record WorkerResponse;

/// <summary>An epoch of training ended (or a phase of it: "mining" when hard negatives were searched).</summary>
public sealed record ProgressMessage(int Epoch, int Epochs, double Loss, double Validation, string Metric, double Seconds, long WorkingSet, string? Phase = null) : WorkerResponse;

public sealed record TrainedMessage : WorkerResponse
{
    public required string ClassifierId { get; init; }
    public required string ClassifierName { get; init; }
    public required string Device { get; init; }
    public required JsonElement Settings { get; init; }
    /// <summary>The evaluation rows, as the model version's evaluation file holds them.</summary>
    public required JsonElement Evaluation { get; init; }
    public required double EvaluationSeconds { get; init; }
    public required TrainingSummary Report { get; init; }
}

/// <summary>A stored model is loaded: its ID, where it runs, and its decision threshold.</summary>
public sealed record LoadedMessage(string ClassifierId, string Device, double? Threshold = null) : WorkerResponse;

/// <summary>Per text: its spans, and its passage-level score (the probability that it mentions the concept), also for
/// texts without a span, so callers can rank, sample and draw precision-recall curves.</summary>
public sealed record PredictionsMessage(IReadOnlyList<IReadOnlyList<SpanPrediction>> Spans, IReadOnlyList<float> Scores) : WorkerResponse;

public sealed record SpanPrediction(int Start, int End, double? Probability);

public sealed record ErrorMessage(string ErrorId, string Kind, string Message) : WorkerResponse;

public sealed record CancelledMessage : WorkerResponse;

/// <summary>What a training run did: written into the model card and the run record, and relayed to the module.</summary>
public sealed record TrainingSummary
{
    public required double Seconds { get; init; }
    public required int BestEpoch { get; init; }
    public required string ValidationMetric { get; init; }
    public required double ValidationScore { get; init; }
    /// <summary>The decision threshold in use (a span tagger's span threshold, a passage classifier's probability).</summary>
    public required double Threshold { get; init; }
    public required string ThresholdRule { get; init; }
    public required int TrainingPassages { get; init; }
    public required int ValidationPassages { get; init; }
    public required string Device { get; init; }
    public required long PeakWorkingSetBytes { get; init; }
    public required int Seed { get; init; }
    public required int Threads { get; init; }
    public required string TorchSharp { get; init; }
    public int CorpusNegatives { get; init; }
    public int HardNegatives { get; init; }
    public int CorpusValidation { get; init; }
    /// <summary>A few of the hard negatives found (shortened), to see what the model was taught it is not.</summary>
    public IReadOnlyList<string> HardNegativeExamples { get; init; } = [];
    public required IReadOnlyList<EpochSummary> Epochs { get; init; }
}

public sealed record EpochSummary(int Epoch, double Loss, double Validation, double Seconds, long WorkingSetBytes);

/// <summary>Writes a concept without its labelled passages (the worker gets those separately), reads it back.</summary>
public sealed class ConceptWithoutPassagesConverter : JsonConverter<Concept>
{
    public override Concept Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        return ConceptJson.ReadConcept(doc.RootElement, "the worker message's concept");
    }

    public override void Write(Utf8JsonWriter writer, Concept value, JsonSerializerOptions options) =>
        ConceptJson.WriteConcept(writer, value, includePassages: false);
}

/// <summary>A labelled passage in the original's JSON.</summary>
public sealed class LabelledPassageConverter : JsonConverter<LabelledPassage>
{
    public override LabelledPassage Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        return ConceptJson.ReadPassage(doc.RootElement, "a worker message's passage");
    }

    public override void Write(Utf8JsonWriter writer, LabelledPassage value, JsonSerializerOptions options) =>
        ConceptJson.WritePassage(writer, value);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(LabelledPassageConverter)])]
[JsonSerializable(typeof(WorkerRequest))]
[JsonSerializable(typeof(WorkerResponse))]
[JsonSerializable(typeof(TrainingSummary))]
[JsonSerializable(typeof(CorpusSummary))]
internal sealed partial class WorkerJsonContext : JsonSerializerContext;

/// <summary>Reads and writes worker messages, one line each.</summary>
public static class WorkerJson
{
    public static string Line(WorkerRequest request) => JsonSerializer.Serialize(request, WorkerJsonContext.Default.WorkerRequest);

    public static string Line(WorkerResponse response) => JsonSerializer.Serialize(response, WorkerJsonContext.Default.WorkerResponse);

    public static WorkerRequest ReadRequest(string line) =>
        JsonSerializer.Deserialize(line, WorkerJsonContext.Default.WorkerRequest) ?? throw new JsonException("A worker request is null.");

    public static WorkerResponse ReadResponse(string line) =>
        JsonSerializer.Deserialize(line, WorkerJsonContext.Default.WorkerResponse) ?? throw new JsonException("A worker response is null.");

    public static JsonElement ToElement(TrainingSummary summary) => JsonSerializer.SerializeToElement(summary, WorkerJsonContext.Default.TrainingSummary);

    public static JsonElement ToElement(CorpusSummary summary) => JsonSerializer.SerializeToElement(summary, WorkerJsonContext.Default.CorpusSummary);

    public static TrainingSummary? ReadSummary(JsonElement e) => e.Deserialize(WorkerJsonContext.Default.TrainingSummary);

    public static CorpusSummary? ReadCorpusSummary(JsonElement e) => e.Deserialize(WorkerJsonContext.Default.CorpusSummary);
}
