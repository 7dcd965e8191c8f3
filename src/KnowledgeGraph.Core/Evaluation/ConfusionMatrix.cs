namespace KnowledgeGraph.Evaluation;

/// <summary>Counts of true/false positives/negatives and the metrics derived from them, with the original's
/// conventions: every zero denominator gives 0, and F-beta is 0 whenever there is no true positive.</summary>
public readonly record struct ConfusionMatrix(long TruePositives, long FalsePositives, long TrueNegatives, long FalseNegatives)
{
    public long Support => TruePositives + FalsePositives + TrueNegatives + FalseNegatives;

    public double Precision => Ratio(TruePositives, TruePositives + FalsePositives);
    public double Recall => Ratio(TruePositives, TruePositives + FalseNegatives);
    public double Accuracy => Ratio(TruePositives + TrueNegatives, Support);
    public double NegativePredictiveValue => Ratio(TrueNegatives, TrueNegatives + FalseNegatives);
    public double Specificity => Ratio(TrueNegatives, TrueNegatives + FalsePositives);
    public double F1 => FBeta(1);

    /// <summary>The F-beta score; like the original, only 0 &lt;= beta &lt;= 1 is accepted.</summary>
    public double FBeta(double beta)
    {
        if (TruePositives == 0)
        {
            return 0;
        }
        if (beta is < 0 or > 1 || double.IsNaN(beta))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be between 0 and 1.");
        }
        var p = Precision;
        var r = Recall;
        if (p == 0 && r == 0)
        {
            return 0;
        }
        var b2 = beta * beta;
        return (1 + b2) * p * r / (b2 * p + r);
    }

    public double CohensKappa
    {
        get
        {
            double n = Support;
            if (n == 0)
            {
                return 0;
            }
            var observed = (TruePositives + TrueNegatives) / n;
            var expected = ((TruePositives + FalsePositives) * (TruePositives + FalseNegatives)
                + (FalseNegatives + TrueNegatives) * (FalsePositives + TrueNegatives)) / (n * n);
            return expected == 1 ? 0 : (observed - expected) / (1 - expected);
        }
    }

    public static ConfusionMatrix operator +(ConfusionMatrix a, ConfusionMatrix b) => new(
        a.TruePositives + b.TruePositives, a.FalsePositives + b.FalsePositives,
        a.TrueNegatives + b.TrueNegatives, a.FalseNegatives + b.FalseNegatives);

    private static double Ratio(long numerator, long denominator) => denominator == 0 ? 0 : (double)numerator / denominator;
}
