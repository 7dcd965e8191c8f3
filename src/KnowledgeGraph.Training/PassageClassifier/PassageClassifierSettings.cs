using System.Globalization;
using KnowledgeGraph.Identifiers;

namespace KnowledgeGraph.Training.PassageClassifier;

/// <summary>The passage classifier's hyper-parameters; they go into its model card and its classifier ID.</summary>
public sealed record PassageClassifierSettings : ILearnedSettings<PassageClassifierSettings>, ISegmentTrainingSettings
{
    public int Buckets { get; init; } = 1 << 16;
    public int Dim { get; init; } = 48;
    public int Filters { get; init; } = 128;
    public int Kernel { get; init; } = 3;
    public int MinNgram { get; init; } = 3;
    public int MaxNgram { get; init; } = 5;
    /// <summary>A segment's tokens beyond this many are not read (segments are sentences: rarely that long).</summary>
    public int MaxTokens { get; init; } = 160;
    public double Dropout { get; init; } = 0.3;
    /// <summary>Whether the gold strings seen in training are a feature (as in the span tagger).</summary>
    public bool Gazetteer { get; init; } = true;
    public double LearningRate { get; init; } = 3e-3;
    public double WeightDecay { get; init; } = 0.01;
    public double WarmupFraction { get; init; } = 0.1;
    public int MaxEpochs { get; init; } = 12;
    public int Patience { get; init; } = 4;
    public int MinSteps { get; init; } = 300;
    public int BatchSize { get; init; } = 64;
    /// <summary>With a corpus: negatives per epoch, hard negatives to find, and when (a fraction of the epochs).</summary>
    public int NegativesPerEpoch { get; init; } = 2500;
    public int HardNegatives { get; init; } = 1000;
    public double MineAt { get; init; } = 0.35;
    /// <summary>Whether hard negatives are also searched among the corpus's near misses (passages using words of the spans).</summary>
    public bool MineNearMisses { get; init; } = true;
    /// <summary>At most this many corpus passages are searched for hard negatives.</summary>
    public int MiningPassages { get; init; } = int.MaxValue;
    /// <summary>The threshold is the one with the best F-beta at passage level on validation (0.5: precision counts twice).</summary>
    public double ThresholdBeta { get; init; } = 0.5;
    /// <summary>Early stopping on "AveragePrecision" (threshold-free) or "F1" (at 0.5) of the validation passages.</summary>
    public string ValidationMetric { get; init; } = "AveragePrecision";
    /// <summary>Corpus negatives checked after each epoch (all of them choose the threshold at the end).</summary>
    public int EpochValidationNegatives { get; init; } = 400;

    /// <summary>These settings with a hard cap of <paramref name="epochs"/> epochs (no minimum number of steps).</summary>
    public PassageClassifierSettings WithEpochLimit(int epochs) => this with { MaxEpochs = epochs, MinSteps = 0 };


    public string Canonical() => string.Join(",",
        $"buckets={Buckets}x{Dim}", $"cnn={Filters}x{Kernel}", $"ngrams={MinNgram}-{MaxNgram}", $"tokens={MaxTokens}",
        $"dropout={PythonStr.Float(Dropout)}", $"lr={PythonStr.Float(LearningRate)}", $"wd={PythonStr.Float(WeightDecay)}",
        $"warmup={PythonStr.Float(WarmupFraction)}", $"epochs={MaxEpochs.ToString(CultureInfo.InvariantCulture)}",
        $"patience={Patience.ToString(CultureInfo.InvariantCulture)}", $"steps={MinSteps.ToString(CultureInfo.InvariantCulture)}",
        $"batch={BatchSize.ToString(CultureInfo.InvariantCulture)}",
        $"negatives={NegativesPerEpoch.ToString(CultureInfo.InvariantCulture)}/{HardNegatives.ToString(CultureInfo.InvariantCulture)}@{PythonStr.Float(MineAt)}",
        $"beta={PythonStr.Float(ThresholdBeta)}", $"validation={ValidationMetric}/{EpochValidationNegatives.ToString(CultureInfo.InvariantCulture)}", $"near={MineNearMisses}", $"gazetteer={Gazetteer}") + (MiningPassages == int.MaxValue ? "" : $",mining={MiningPassages.ToString(CultureInfo.InvariantCulture)}");
}
