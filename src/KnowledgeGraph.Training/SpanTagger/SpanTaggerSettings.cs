using System.Globalization;
using KnowledgeGraph.Identifiers;

namespace KnowledgeGraph.Training.SpanTagger;

/// <summary>The span tagger's hyper-parameters. They go into its model card and its classifier ID. The network's were
/// settled during development while watching the Q787 cross-validation, so that benchmark is not a clean estimate of
/// them (docs/benchmarks.md says so); the span threshold, in contrast, is chosen on each training run's own validation
/// passages.</summary>
public sealed record SpanTaggerSettings : ILearnedSettings<SpanTaggerSettings>
{
    public int WordBuckets { get; init; } = 1 << 15;
    public int CharBuckets { get; init; } = 1 << 16;
    public int MinNgram { get; init; } = 3;
    public int MaxNgram { get; init; } = 5;
    public int WordDim { get; init; } = 32;
    public int CharDim { get; init; } = 32;
    public int Hidden { get; init; } = 64;
    public double Dropout { get; init; } = 0.3;
    public double LearningRate { get; init; } = 3e-3;
    public double WeightDecay { get; init; } = 0.01;
    public double WarmupFraction { get; init; } = 0.1;
    public int MaxEpochs { get; init; } = 40;
    public int Patience { get; init; } = 8;
    /// <summary>At least this many optimiser steps: small data sets get more (short) epochs, so they learn too.</summary>
    public int MinSteps { get; init; } = 300;
    public bool Gazetteer { get; init; } = true;
    /// <summary>Whether the network starts from the concept's labels and gazetteer: a direct path from their B/I/O tags
    /// to the output, initialised to follow them. Null (the default) decides by the data: on with fewer than
    /// <see cref="PriorBelowPositives"/> positive passages, off with more. On Q787 the prior lifted the small-data
    /// passage F1 from 0.377 to 0.728 but, with 128 positives, cost precision on real text (0.816 to 0.661), because
    /// the network kept tagging annotator strings such as "monitoring system" wherever they appeared.</summary>
    public bool? LabelPrior { get; init; }

    /// <summary>Below this many positive passages, <see cref="LabelPrior"/> is on unless set.</summary>
    public const int PriorBelowPositives = 30;
    /// <summary>With a corpus: negatives per epoch, hard negatives to find, and when (a fraction of the epochs).</summary>
    public int NegativesPerEpoch { get; init; } = 400;
    public int HardNegatives { get; init; } = 800;
    public double MineAt { get; init; } = 0.35;
    /// <summary>Whether hard negatives are also searched among the corpus's near misses (passages using words of the spans).</summary>
    public bool MineNearMisses { get; init; } = true;
    /// <summary>With a corpus: each labelled passage this many times per epoch.</summary>
    public int LabelledRepeat { get; init; } = 2;
    /// <summary>The loss weight of a corpus negative's tokens (labelled tokens weigh by class, "balanced").</summary>
    public double CorpusTokenWeight { get; init; } = 1.0;
    /// <summary>Corpus negatives checked after each epoch (all of them choose the threshold at the end).</summary>
    public int EpochValidationNegatives { get; init; } = 300;

    /// <summary>These settings with a hard cap of <paramref name="epochs"/> epochs (no minimum number of steps).</summary>
    public SpanTaggerSettings WithEpochLimit(int epochs) => this with { MaxEpochs = epochs, MinSteps = 0 };

    internal LoopSettings Loop(int fixedExamples, bool corpus) => new()
    {
        LearningRate = LearningRate,
        WeightDecay = WeightDecay,
        WarmupFraction = WarmupFraction,
        MaxEpochs = MaxEpochs,
        MinSteps = MinSteps,
        Patience = Patience,
        BatchSize = LoopSettings.DefaultBatchSize(fixedExamples * (corpus ? LabelledRepeat : 1) + (corpus ? NegativesPerEpoch : 0)),
        NegativesPerEpoch = NegativesPerEpoch,
        MineAt = MineAt,
        LabelledRepeat = LabelledRepeat,
    };

    /// <summary>A canonical text of the settings, for the classifier ID.</summary>
    public string Canonical() => string.Join(",",
        $"word={WordBuckets}x{WordDim}", $"char={CharBuckets}x{CharDim}", $"ngrams={MinNgram}-{MaxNgram}", $"hidden={Hidden}",
        $"dropout={PythonStr.Float(Dropout)}", $"lr={PythonStr.Float(LearningRate)}",
        $"wd={PythonStr.Float(WeightDecay)}", $"warmup={PythonStr.Float(WarmupFraction)}",
        $"epochs={MaxEpochs.ToString(CultureInfo.InvariantCulture)}", $"patience={Patience.ToString(CultureInfo.InvariantCulture)}",
        $"steps={MinSteps.ToString(CultureInfo.InvariantCulture)}",
        $"gazetteer={Gazetteer}",
        $"negatives={NegativesPerEpoch.ToString(CultureInfo.InvariantCulture)}/{HardNegatives.ToString(CultureInfo.InvariantCulture)}@{PythonStr.Float(MineAt)}",
        $"validation={EpochValidationNegatives.ToString(CultureInfo.InvariantCulture)}", $"corpus-weight={PythonStr.Float(CorpusTokenWeight)}", $"repeat={LabelledRepeat.ToString(CultureInfo.InvariantCulture)}", $"near={MineNearMisses}", $"prior={LabelPrior?.ToString() ?? "auto"}");
}
