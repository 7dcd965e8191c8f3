using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Lifecycle;

/// <summary>One evaluation level of two classifiers side by side, from the evaluations stored at training.</summary>
public sealed record MetricComparison
{
    public required string Group { get; init; }
    public required string Level { get; init; }
    public double? ReferenceF1 { get; init; }
    public double? DifferenceF1 { get; init; }
    public double? F1Change => ReferenceF1 is { } r && DifferenceF1 is { } d ? d - r : null;
    public double? ReferencePrecision { get; init; }
    public double? DifferencePrecision { get; init; }
    public double? ReferenceRecall { get; init; }
    public double? DifferenceRecall { get; init; }

    public override string ToString() => $"{Level}: {ReferenceF1:0.000} -> {DifferenceF1:0.000}";
}

/// <summary>What Compare-KgClassifier outputs for a pair of classifier versions: whether they are the same model, how
/// their registry metadata differs, and their stored metrics level by level.</summary>
public sealed record ClassifierComparison
{
    public required string WikibaseId { get; init; }
    public required ClassifierInfo Reference { get; init; }
    public required ClassifierInfo Difference { get; init; }
    /// <summary>The same files (a copy, or the same training): only registry metadata can differ.</summary>
    public bool SameModel => Reference.ModelSha256 == Difference.ModelSha256;
    /// <summary>Each difference in identity and metadata, as "field: reference -> difference".</summary>
    public required IReadOnlyList<string> Differences { get; init; }
    public required IReadOnlyList<MetricComparison> Metrics { get; init; }
    public double? SpanF1Change => Metrics.FirstOrDefault(m => m.Group == Evaluator.AllGroup && m.Level == "Span@0.5")?.F1Change;

    public override string ToString() => $"{Reference} vs {Difference}: {(SameModel ? "same model" : "different models")}, {Differences.Count} difference(s)";

    public static ClassifierComparison Of(ClassifierInfo reference, ClassifierInfo difference)
    {
        var differences = new List<string>();
        void Check(string field, object? a, object? b)
        {
            var x = a?.ToString() ?? "";
            var y = b?.ToString() ?? "";
            if (!string.Equals(x, y, StringComparison.Ordinal))
            {
                differences.Add($"{field}: {(x.Length == 0 ? "(none)" : x)} -> {(y.Length == 0 ? "(none)" : y)}");
            }
        }
        Check("Environment", reference.Environment, difference.Environment);
        Check("ClassifierId", reference.ClassifierId, difference.ClassifierId);
        Check("ClassifierName", reference.ClassifierName, difference.ClassifierName);
        Check("Version", reference.Version, difference.Version);
        Check("Promoted", reference.Promoted, difference.Promoted);
        Check("RegistryVersion", reference.RegistryVersion, difference.RegistryVersion);
        Check("ClassifiersProfile", reference.ClassifiersProfile, difference.ClassifiersProfile);
        Check("DontRunOn", reference.DontRunOn, difference.DontRunOn);
        Check("RequireGpu", reference.RequireGpu, difference.RequireGpu);
        var keys = reference.Metrics.Select(m => (m.Group, m.Level)).Concat(difference.Metrics.Select(m => (m.Group, m.Level))).Distinct();
        var metrics = keys.Select(k =>
        {
            var a = reference.Metrics.FirstOrDefault(m => m.Group == k.Group && m.Level == k.Level);
            var b = difference.Metrics.FirstOrDefault(m => m.Group == k.Group && m.Level == k.Level);
            return new MetricComparison
            {
                Group = k.Group,
                Level = k.Level,
                ReferenceF1 = a?.F1,
                DifferenceF1 = b?.F1,
                ReferencePrecision = a?.Precision,
                DifferencePrecision = b?.Precision,
                ReferenceRecall = a?.Recall,
                DifferenceRecall = b?.Recall,
            };
        });
        return new ClassifierComparison
        {
            WikibaseId = reference.WikibaseId,
            Reference = reference,
            Difference = difference,
            Differences = ValueList.Of(differences),
            Metrics = ValueList.Of(metrics),
        };
    }
}
