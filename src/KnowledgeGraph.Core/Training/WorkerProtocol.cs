using System.Text.Json;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Lifecycle;

namespace KnowledgeGraph.Training;

/// <summary>The messages between the module and its training worker: one JSON object per line on the worker's stdin
/// (requests) and stdout (responses). A request is answered by any number of "progress" lines, then exactly one of
/// "trained", "loaded", "predictions" or "error". "cancel" stops the request in progress.</summary>
public static class WorkerProtocol
{
    public const string Train = "train";
    public const string Load = "load";
    public const string Predict = "predict";
    public const string Cancel = "cancel";

    public static string TrainRequest(TrainingRequest request, IReadOnlyList<LabelledPassage> training,
        IReadOnlyList<LabelledPassage> evaluation, string outputFolder) => Line(w =>
    {
        w.WriteString("kind", Train);
        w.WriteString("type", request.Type.ToString());
        w.WritePropertyName("concept");
        ConceptJson.WriteConcept(w, request.Concept, includePassages: false);
        WritePassages(w, "training", training);
        WritePassages(w, "evaluation", evaluation);
        w.WriteString("device", request.Options.Device);
        w.WriteNumber("seed", request.Options.Seed);
        w.WriteNumber("threads", request.Options.Threads);
        if (request.Options.Epochs is { } e) w.WriteNumber("epochs", e);
        w.WriteString("output", outputFolder);
    });

    public static string LoadRequest(string cardPath, string weightsPath, string classifierId, string device) => Line(w =>
    {
        w.WriteString("kind", Load);
        w.WriteString("card", cardPath);
        w.WriteString("weights", weightsPath);
        w.WriteString("classifier_id", classifierId);
        w.WriteString("device", device);
    });

    public static string PredictRequest(IReadOnlyList<string> texts) => Line(w =>
    {
        w.WriteString("kind", Predict);
        w.WriteStartArray("texts");
        foreach (var t in texts) w.WriteStringValue(t);
        w.WriteEndArray();
    });

    public static string CancelRequest() => Line(w => w.WriteString("kind", Cancel));

    // ---------------------------------------------------------------- responses (written by the worker)

    public static string Progress(int epoch, int epochs, double loss, double validation, string metric, double seconds, long workingSet) => Line(w =>
    {
        w.WriteString("type", "progress");
        w.WriteNumber("epoch", epoch);
        w.WriteNumber("epochs", epochs);
        w.WriteNumber("loss", Finite(loss));
        w.WriteNumber("validation", Finite(validation));
        w.WriteString("metric", metric);
        w.WriteNumber("seconds", seconds);
        w.WriteNumber("working_set", workingSet);
    });

    public static string Error(string errorId, string kind, string message) => Line(w =>
    {
        w.WriteString("type", "error");
        w.WriteString("error_id", errorId);
        w.WriteString("kind", kind);
        w.WriteString("message", message);
    });

    public static string Line(Action<Utf8JsonWriter> body) => ConceptJson.WriteToString(w =>
    {
        w.WriteStartObject();
        body(w);
        w.WriteEndObject();
    }, indented: false);

    public static void WritePassages(Utf8JsonWriter w, string name, IEnumerable<LabelledPassage> passages)
    {
        w.WriteStartArray(name);
        foreach (var p in passages) ConceptJson.WritePassage(w, p);
        w.WriteEndArray();
    }

    public static IReadOnlyList<LabelledPassage> ReadPassages(JsonElement e, string name) =>
        e.TryGetProperty(name, out var a) ? a.EnumerateArray().Select((p, i) => ConceptJson.ReadPassage(p, $"{name} passage {i}")).ToArray() : [];

    public static void WriteEvaluation(Utf8JsonWriter w, IReadOnlyList<ClassifierEvaluation> rows)
    {
        w.WritePropertyName("evaluation");
        using var doc = JsonDocument.Parse(ModelFiles.EvaluationFile(rows));
        doc.RootElement.WriteTo(w);
    }

    private static double Finite(double v) => double.IsFinite(v) ? v : 0;
}
