using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;

namespace KnowledgeGraph.Training;

/// <summary>What a training run validates on: held-out labelled passages (gold spans) and held-out corpus negatives,
/// which count at the corpus's rate. A corpus's possible mentions make up <c>prior</c> of it, so next to the validation's
/// positives the corpus brings positives × (1 − prior) / prior negatives; each held-out corpus negative weighs that
/// many divided by how many there are (at most 1). A false positive on corpus text then costs what it would cost on the
/// real distribution, and the threshold chosen here is chosen for the text the classifier will meet.</summary>
internal sealed class ValidationSet
{
    public required IReadOnlyList<LabelledPassage> Labelled { get; init; }
    public required IReadOnlyList<string> CorpusNegatives { get; init; }
    public required double CorpusWeight { get; init; }

    public int Count => Labelled.Count + CorpusNegatives.Count;

    /// <summary>The thresholds a passage-level type chooses from: 0.05 to 0.95 in steps of 0.05.</summary>
    public static IReadOnlyList<double> PassageThresholds { get; } = Enumerable.Range(1, 19).Select(i => i / 20.0).ToArray();

    public static ValidationSet Create(IReadOnlyList<LabelledPassage> labelled, Corpus.CorpusSample? corpus)
    {
        var negatives = corpus?.Validation.Select(p => p.Text).ToArray() ?? [];
        var weight = 0.0;
        if (negatives.Length > 0)
        {
            var prior = Math.Clamp(corpus!.Summary.Prior, 0.001, 0.999);
            var natural = Math.Max(1, labelled.Count(p => p.IsPositive)) * (1 - prior) / prior;
            weight = Math.Min(1, natural / negatives.Length);
        }
        return new ValidationSet { Labelled = labelled, CorpusNegatives = negatives, CorpusWeight = weight };
    }

    /// <summary>Span F1 at Jaccard 0.5, every span predicted in a corpus negative a (weighted) false positive.</summary>
    public double SpanF1(IReadOnlyList<IReadOnlyList<Span>> labelled, IReadOnlyList<IReadOnlyList<Span>> corpus)
    {
        var m = Metrics.SpanLevel(Labelled, Labelled.Select((p, i) => p.WithSpans(labelled[i])).ToArray(), 0.5);
        var falsePositives = m.FalsePositives + CorpusWeight * corpus.Sum(s => s.Count);
        var denominator = 2.0 * m.TruePositives + falsePositives + m.FalseNegatives;
        return denominator == 0 ? 0 : 2.0 * m.TruePositives / denominator;
    }

    /// <summary>Passage-level F-beta, every flagged corpus negative a (weighted) false positive.</summary>
    public double PassageFBeta(IReadOnlyList<bool> labelledFlagged, IReadOnlyList<bool> corpusFlagged, double beta)
    {
        double tp = 0, fp = 0, fn = 0;
        for (var i = 0; i < Labelled.Count; i++)
        {
            var gold = Labelled[i].IsPositive;
            if (labelledFlagged[i] && gold) tp++;
            else if (labelledFlagged[i]) fp++;
            else if (gold) fn++;
        }
        fp += CorpusWeight * corpusFlagged.Count(f => f);
        var b2 = beta * beta;
        var denominator = (1 + b2) * tp + b2 * fn + fp;
        return denominator == 0 ? 0 : (1 + b2) * tp / denominator;
    }

    /// <summary>Average precision of passage scores: labelled positives against labelled negatives and (weighted) corpus
    /// negatives. It needs no threshold and changes smoothly as training goes on, so it suits early stopping where a
    /// handful of validation passages make F1 at a fixed threshold jump between a few values.</summary>
    public double AveragePrecision(IReadOnlyList<float> labelled, IReadOnlyList<float> corpus)
    {
        var items = Labelled.Select((p, i) => (Score: labelled[i], Positive: p.IsPositive, Weight: 1.0))
            .Concat(corpus.Select(s => (Score: s, Positive: false, Weight: CorpusWeight)))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Positive) // ties: the pessimistic order
            .ToArray();
        var positives = items.Count(x => x.Positive);
        if (positives == 0) return 0;
        double tp = 0, fp = 0, sum = 0;
        foreach (var x in items)
        {
            if (x.Positive)
            {
                tp++;
                sum += tp / (tp + fp);
            }
            else
            {
                fp += x.Weight;
            }
        }
        return sum / positives;
    }

    /// <summary>The same validation set with at most <paramref name="count"/> corpus negatives (each weighing more), for
    /// the cheaper check after every epoch.</summary>
    public ValidationSet Subset(int count) => CorpusNegatives.Count <= count ? this : new ValidationSet
    {
        Labelled = Labelled,
        CorpusNegatives = CorpusNegatives.Take(count).ToArray(),
        CorpusWeight = CorpusWeight * CorpusNegatives.Count / count,
    };

    /// <summary>The candidate threshold that scores best. When several tie, the one nearest <paramref name="preferred"/>
    /// when given (a network's own boundary, kept where the validation set cannot tell thresholds apart), else the middle
    /// one of the longest run of tied candidates (a plateau's middle is the choice least sensitive to the validation
    /// sample). When nothing scores above 0 there is nothing to choose by: the first (lowest) candidate.</summary>
    public static (double Threshold, double Score) Choose(IReadOnlyList<double> candidates, Func<double, double> score, double? preferred = null)
    {
        var scores = candidates.Select(score).ToArray();
        var best = scores.Max();
        if (best <= 0)
        {
            return (candidates[0], 0);
        }
        if (preferred is { } p)
        {
            var nearest = Enumerable.Range(0, scores.Length).Where(i => scores[i] >= best - 1e-12).MinBy(i => Math.Abs(candidates[i] - p));
            return (candidates[nearest], scores[nearest]);
        }
        int bestStart = 0, bestLength = 0;
        for (var i = 0; i < scores.Length;)
        {
            if (scores[i] < best - 1e-12)
            {
                i++;
                continue;
            }
            var j = i;
            while (j < scores.Length && scores[j] >= best - 1e-12) j++;
            if (j - i > bestLength) (bestStart, bestLength) = (i, j - i);
            i = j;
        }
        var chosen = bestStart + (bestLength - 1) / 2;
        return (candidates[chosen], scores[chosen]);
    }
}
