using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;

namespace KnowledgeGraph.Training;

/// <summary>Extra labelled passages to train on (-TrainingDataPath): a file of labelled passages (JSONL, a JSON array,
/// the original's legacy array), or a reviewed sample from Test-KgClassifier -ReviewSamplePath whose lines carry a
/// "label" (1 or 0).</summary>
public static class TrainingDataFile
{
    public static IReadOnlyList<LabelledPassage> Read(string path)
    {
        if (!File.Exists(path))
        {
            return PassageFile.Read(path); // its error names the path
        }
        var first = File.ReadLines(path).FirstOrDefault(l => !string.IsNullOrWhiteSpace(l));
        return first is not null && IsReviewLine(first)
            ? CorpusEvaluation.AsTrainingData(CorpusEvaluation.ReadReviewed(path))
            : PassageFile.Read(path);
    }

    private static bool IsReviewLine(string line)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            return doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && doc.RootElement.TryGetProperty("stratum", out _) && doc.RootElement.TryGetProperty("label", out _);
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
