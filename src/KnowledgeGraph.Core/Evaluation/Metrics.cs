using KnowledgeGraph.Concepts;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Evaluation;

/// <summary>The original system's counting rules for passage-, span- and character-level agreement.</summary>
public static class Metrics
{
    /// <summary>The Jaccard thresholds of the span levels, in reporting order.</summary>
    public static readonly IReadOnlyList<double> SpanThresholds = [0, 0.5, 0.9, 0.99];

    /// <summary>Set-based on passage IDs: a passage is positive when it has any span (of any concept).</summary>
    public static ConfusionMatrix PassageLevel(IReadOnlyList<LabelledPassage> gold, IReadOnlyList<LabelledPassage> predicted)
    {
        var goldPositive = gold.Where(p => p.IsPositive).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var goldNegative = gold.Where(p => !p.IsPositive).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var predPositive = predicted.Where(p => p.IsPositive).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var predNegative = predicted.Where(p => !p.IsPositive).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        return new ConfusionMatrix(
            goldPositive.Count(predPositive.Contains),
            predPositive.Count(id => !goldPositive.Contains(id)),
            goldNegative.Count(predNegative.Contains),
            goldPositive.Count(id => !predPositive.Contains(id)));
    }

    /// <summary>Passages are paired by position. Both empty: one true negative. Otherwise each gold span is a true positive
    /// if any predicted span has Jaccard strictly above <paramref name="threshold"/>, else a false negative; each predicted
    /// span with no such gold span is a false positive. There is no one-to-one matching.</summary>
    public static ConfusionMatrix SpanLevel(IReadOnlyList<LabelledPassage> gold, IReadOnlyList<LabelledPassage> predicted, double threshold)
    {
        CheckAligned(gold, predicted);
        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < gold.Count; i++)
        {
            var g = gold[i].Spans;
            var p = predicted[i].Spans;
            if (g.Count == 0 && p.Count == 0)
            {
                tn++;
                continue;
            }
            foreach (var gs in g)
            {
                if (p.Any(ps => Span.Jaccard(gs.StartIndex, gs.EndIndex, ps.StartIndex, ps.EndIndex) > threshold)) tp++; else fn++;
            }
            foreach (var ps in p)
            {
                if (!g.Any(gs => Span.Jaccard(gs.StartIndex, gs.EndIndex, ps.StartIndex, ps.EndIndex) > threshold)) fp++;
            }
        }
        return new ConfusionMatrix(tp, fp, tn, fn);
    }

    /// <summary>Characters (code points) covered by gold spans versus by predicted spans, pooled over passages.
    /// True negatives are characters neither side covers.</summary>
    public static ConfusionMatrix CharacterLevel(IReadOnlyList<LabelledPassage> gold, IReadOnlyList<LabelledPassage> predicted)
    {
        CheckAligned(gold, predicted);
        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < gold.Count; i++)
        {
            var length = CodePoints.Length(gold[i].Text);
            var g = Coverage(gold[i].Spans, length);
            var p = Coverage(predicted[i].Spans, length);
            for (var c = 0; c < length; c++)
            {
                switch (g[c], p[c])
                {
                    case (true, true): tp++; break;
                    case (false, true): fp++; break;
                    case (true, false): fn++; break;
                    default: tn++; break;
                }
            }
        }
        return new ConfusionMatrix(tp, fp, tn, fn);
    }

    private static bool[] Coverage(IReadOnlyList<Span> spans, int length)
    {
        var covered = new bool[length];
        foreach (var s in spans)
        {
            for (var c = s.StartIndex; c < Math.Min(s.EndIndex, length); c++)
            {
                covered[c] = true;
            }
        }
        return covered;
    }

    private static void CheckAligned(IReadOnlyList<LabelledPassage> gold, IReadOnlyList<LabelledPassage> predicted)
    {
        if (gold.Count != predicted.Count)
        {
            throw new ArgumentException($"Gold and predicted passage lists differ in length ({gold.Count} vs {predicted.Count}).");
        }
        for (var i = 0; i < gold.Count; i++)
        {
            if (!string.Equals(gold[i].Text, predicted[i].Text, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Gold and predicted passages are not aligned at position {i} (passage '{gold[i].Id}').");
            }
        }
    }
}
