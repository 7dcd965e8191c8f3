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

    public static byte[] EvaluationFile(IReadOnlyList<ClassifierEvaluation> rows) => KgJson.ToBytes(rows.Select(r => new EvaluationRowDocument
    {
        Group = r.Group,
        Level = r.Level,
        Precision = r.Precision,
        Recall = r.Recall,
        F1 = r.F1,
        Accuracy = r.Accuracy,
        Support = r.Support,
        TruePositives = r.TruePositives,
        FalsePositives = r.FalsePositives,
        TrueNegatives = r.TrueNegatives,
        FalseNegatives = r.FalseNegatives,
    }).ToList(), KgJson.Indented.ListEvaluationRowDocument);

    public static IReadOnlyList<ClassifierEvaluation> ReadEvaluationFile(byte[] json, string? wikibaseId, string classifierId, string classifierName)
    {
        List<EvaluationRowDocument> rows;
        try
        {
            rows = KgJson.Parse(json, KgJson.Indented.ListEvaluationRowDocument);
        }
        catch (FormatException e)
        {
            throw new KgException("CorruptEvaluation", KgErrorKind.InvalidData,
                $"The evaluation stored with {wikibaseId}/{classifierId} is unreadable ({e.Message}).", classifierId, e);
        }
        return rows.Select(e => new ClassifierEvaluation
        {
            WikibaseId = wikibaseId,
            ClassifierId = classifierId,
            ClassifierName = classifierName,
            Group = e.Group ?? Evaluator.AllGroup,
            Level = e.Level ?? "",
            Precision = e.Precision,
            Recall = e.Recall,
            F1 = e.F1,
            Accuracy = e.Accuracy,
            Support = e.Support,
            TruePositives = e.TruePositives,
            FalsePositives = e.FalsePositives,
            TrueNegatives = e.TrueNegatives,
            FalseNegatives = e.FalseNegatives,
        }).ToArray();
    }

    /// <summary>A SHA-256 over the passages' canonical JSONL: identifies the data a model was trained or evaluated on.</summary>
    public static string DataHash(IEnumerable<LabelledPassage> passages) =>
        Models.ModelManifest.Sha256Hex(Encoding.UTF8.GetBytes(PassageFile.Format(passages, PassageFileFormat.Jsonl)));

    public static byte[] Json(Action<Utf8JsonWriter> write) => Encoding.UTF8.GetBytes(ConceptJson.WriteToString(write, indented: true) + "\n");

    public static string Iso(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);
}

/// <summary>One row of <c>evaluation.json</c> as stored.</summary>
internal sealed record EvaluationRowDocument
{
    public string? Group { get; init; }
    public string? Level { get; init; }
    public double Precision { get; init; }
    public double Recall { get; init; }
    public double F1 { get; init; }
    public double Accuracy { get; init; }
    public long Support { get; init; }
    public long TruePositives { get; init; }
    public long FalsePositives { get; init; }
    public long TrueNegatives { get; init; }
    public long FalseNegatives { get; init; }
}
