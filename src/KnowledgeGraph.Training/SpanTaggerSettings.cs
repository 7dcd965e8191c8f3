using System.Globalization;

namespace KnowledgeGraph.Training;

/// <summary>The span tagger's hyper-parameters. They go into its model card and its classifier ID. The defaults were
/// settled during development while watching the Q787 cross-validation, so that benchmark is not a clean estimate of
/// them (docs/benchmarks.md says so); the span threshold, in contrast, is chosen on each training run's own validation
/// passages.</summary>
public sealed record SpanTaggerSettings
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

    /// <summary>These settings with a hard cap of <paramref name="epochs"/> epochs (no minimum number of steps).</summary>
    public SpanTaggerSettings WithEpochLimit(int epochs) => this with { MaxEpochs = epochs, MinSteps = 0 };

    /// <summary>A canonical text of the settings, for the classifier ID.</summary>
    public string Canonical() => string.Join(",",
        $"word={WordBuckets}x{WordDim}", $"char={CharBuckets}x{CharDim}", $"ngrams={MinNgram}-{MaxNgram}", $"hidden={Hidden}",
        $"dropout={Identifiers.PythonStr.Float(Dropout)}", $"lr={Identifiers.PythonStr.Float(LearningRate)}",
        $"wd={Identifiers.PythonStr.Float(WeightDecay)}", $"warmup={Identifiers.PythonStr.Float(WarmupFraction)}",
        $"epochs={MaxEpochs.ToString(CultureInfo.InvariantCulture)}", $"patience={Patience.ToString(CultureInfo.InvariantCulture)}",
        $"steps={MinSteps.ToString(CultureInfo.InvariantCulture)}",
        $"gazetteer={Gazetteer}");
}
