using System.Globalization;
using System.Text;
using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Lifecycle;

/// <summary>The files of a model version. Every model has <c>model.json</c> (what it is: type, classifier ID, concept and
/// settings; never a pickle or any format that runs code when loaded), <c>run.json</c> (the run record) and, when it was
/// evaluated, <c>evaluation.json</c>. Learned models add their weights (<c>model.weights</c>).</summary>
public static class ModelFiles
{
    public const string Model = "model.json";
    public const string Run = "run.json";
    public const string Evaluation = "evaluation.json";
    public const string Weights = "model.weights";
    public const string KeywordSchema = "kgtools.keyword-model/1";

    /// <summary>The model file of a keyword classifier: its concept's labels are the whole model.</summary>
    public static byte[] KeywordModel(KeywordClassifier classifier) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("schema", KeywordSchema);
        w.WriteString("classifier_name", classifier.Name);
        w.WriteString("classifier_id", classifier.Id);
        w.WritePropertyName("concept");
        ConceptJson.WriteConcept(w, classifier.Concept, includePassages: false);
        w.WriteEndObject();
    });

    /// <summary>Reads a keyword model back and checks that it is the classifier its manifest says.</summary>
    public static KeywordClassifier ReadKeywordModel(byte[] json, string expectedClassifierId, string source)
    {
        using var doc = JsonValues.Parse(Encoding.UTF8.GetString(json), source);
        var root = doc.RootElement;
        if (!root.TryGetProperty("schema", out var schema) || schema.GetString() != KeywordSchema || !root.TryGetProperty("concept", out var c))
        {
            throw new KgException("ModelMismatch", KgErrorKind.InvalidData, $"{source} is not a keyword model ({KeywordSchema}).", source);
        }
        var classifier = new KeywordClassifier(ConceptJson.ReadConcept(c, source));
        if (classifier.Id != expectedClassifierId)
        {
            throw new KgException("ModelMismatch", KgErrorKind.InvalidData,
                $"{source} holds keyword classifier {classifier.Id}, but its manifest names {expectedClassifierId}: the model does not match its card.", source);
        }
        return classifier;
    }

    public static byte[] EvaluationFile(IReadOnlyList<ClassifierEvaluation> rows) => Json(w =>
    {
        w.WriteStartArray();
        foreach (var r in rows)
        {
            w.WriteStartObject();
            w.WriteString("group", r.Group);
            w.WriteString("level", r.Level);
            w.WriteNumber("precision", r.Precision);
            w.WriteNumber("recall", r.Recall);
            w.WriteNumber("f1", r.F1);
            w.WriteNumber("accuracy", r.Accuracy);
            w.WriteNumber("support", r.Support);
            w.WriteNumber("true_positives", r.TruePositives);
            w.WriteNumber("false_positives", r.FalsePositives);
            w.WriteNumber("true_negatives", r.TrueNegatives);
            w.WriteNumber("false_negatives", r.FalseNegatives);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    public static IReadOnlyList<ClassifierEvaluation> ReadEvaluationFile(byte[] json, string? wikibaseId, string classifierId, string classifierName)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray().Select(e => new ClassifierEvaluation
        {
            WikibaseId = wikibaseId,
            ClassifierId = classifierId,
            ClassifierName = classifierName,
            Group = e.GetProperty("group").GetString()!,
            Level = e.GetProperty("level").GetString()!,
            Precision = e.GetProperty("precision").GetDouble(),
            Recall = e.GetProperty("recall").GetDouble(),
            F1 = e.GetProperty("f1").GetDouble(),
            Accuracy = e.GetProperty("accuracy").GetDouble(),
            Support = e.GetProperty("support").GetInt64(),
            TruePositives = e.GetProperty("true_positives").GetInt64(),
            FalsePositives = e.GetProperty("false_positives").GetInt64(),
            TrueNegatives = e.GetProperty("true_negatives").GetInt64(),
            FalseNegatives = e.GetProperty("false_negatives").GetInt64(),
        }).ToArray();
    }

    /// <summary>A SHA-256 over the passages' canonical JSONL: identifies the data a model was trained or evaluated on.</summary>
    public static string DataHash(IEnumerable<LabelledPassage> passages) =>
        Models.ModelManifest.Sha256Hex(Encoding.UTF8.GetBytes(PassageFile.Format(passages, PassageFileFormat.Jsonl)));

    public static byte[] Json(Action<Utf8JsonWriter> write) => Encoding.UTF8.GetBytes(ConceptJson.WriteToString(write, indented: true) + "\n");

    public static string Iso(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);
}
