using System.Globalization;
using KnowledgeGraph.Concepts;

namespace KnowledgeGraph.Evaluation;

/// <summary>One row of an evaluation: a level of agreement for a group of passages.</summary>
public sealed record EvaluationRow(string Group, string Level, ConfusionMatrix Counts)
{
    public double Precision => Counts.Precision;
    public double Recall => Counts.Recall;
    public double F1 => Counts.F1;
    public double Accuracy => Counts.Accuracy;
    public long Support => Counts.Support;
}

/// <summary>Evaluates predictions against human labels the way the original did: the gold standard is every
/// annotator's spans merged (<see cref="LabelledPassage.ToGoldStandard"/>); the levels are <c>Passage</c>,
/// <c>Span@0</c>, <c>Span@0.5</c>, <c>Span@0.9</c>, <c>Span@0.99</c> and <c>Character</c>.</summary>
public static class Evaluator
{
    public const string AllGroup = "all";

    public static IReadOnlyList<string> Levels { get; } =
        ["Passage", .. Metrics.SpanThresholds.Select(SpanLevelName), "Character"];

    public static string SpanLevelName(double threshold) => "Span@" + threshold.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>The merged gold standard of human-labelled passages.</summary>
    public static IReadOnlyList<LabelledPassage> GoldStandard(IEnumerable<LabelledPassage> humanLabelled)
    {
        var stamp = Classification.Timestamp.Now();
        return humanLabelled.Select(p => p.ToGoldStandard(stamp)).ToArray();
    }

    /// <summary>Rows for every level over all passages, then (when <paramref name="groupColumns"/> are given) for each
    /// value of each metadata column, as "column: value". As in the original, when any column is missing from every
    /// passage only the "all" rows are returned.</summary>
    public static IReadOnlyList<EvaluationRow> Evaluate(
        IReadOnlyList<LabelledPassage> gold,
        IReadOnlyList<LabelledPassage> predicted,
        IReadOnlyList<string>? groupColumns = null)
    {
        var rows = new List<EvaluationRow>(EvaluateGroup(AllGroup, gold, predicted));
        if (groupColumns is null || groupColumns.Count == 0)
        {
            return rows;
        }
        if (groupColumns.Any(col => gold.All(p => !p.Metadata.ContainsKey(col))))
        {
            return rows;
        }
        var groups = new SortedDictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < gold.Count; i++)
        {
            foreach (var col in groupColumns)
            {
                gold[i].Metadata.TryGetValue(col, out var value);
                var name = $"{col}: {Convert.ToString(value, CultureInfo.InvariantCulture) ?? "None"}";
                if (!groups.TryGetValue(name, out var members))
                {
                    groups[name] = members = [];
                }
                members.Add(i);
            }
        }
        foreach (var (name, members) in groups)
        {
            rows.AddRange(EvaluateGroup(name, members.Select(i => gold[i]).ToArray(), members.Select(i => predicted[i]).ToArray()));
        }
        return rows;
    }

    private static IEnumerable<EvaluationRow> EvaluateGroup(string group, IReadOnlyList<LabelledPassage> gold, IReadOnlyList<LabelledPassage> predicted)
    {
        yield return new EvaluationRow(group, "Passage", Metrics.PassageLevel(gold, predicted));
        foreach (var t in Metrics.SpanThresholds)
        {
            yield return new EvaluationRow(group, SpanLevelName(t), Metrics.SpanLevel(gold, predicted, t));
        }
        yield return new EvaluationRow(group, "Character", Metrics.CharacterLevel(gold, predicted));
    }
}
