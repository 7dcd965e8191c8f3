namespace KnowledgeGraph.Training;

/// <summary>One epoch of training, as reported to progress and stored in the run record.</summary>
public sealed record EpochReport(int Epoch, int Epochs, double Loss, double ValidationScore, double Seconds, long WorkingSetBytes, string? Phase = null);

/// <summary>What a training run did.</summary>
public sealed record TrainingReport
{
    public required IReadOnlyList<EpochReport> Epochs { get; init; }
    public required int BestEpoch { get; init; }
    public required double BestValidationScore { get; init; }
    public required string ValidationMetric { get; init; }
    public required string Device { get; init; }
    public required int TrainingPassages { get; init; }
    public required int ValidationPassages { get; init; }
    public required TimeSpan Duration { get; init; }
    public required long PeakWorkingSetBytes { get; init; }
    /// <summary>The decision threshold chosen on the validation passages, and how.</summary>
    public required double Threshold { get; init; }
    public required string ThresholdRule { get; init; }
    public int CorpusNegatives { get; init; }
    public int HardNegatives { get; init; }
    public int CorpusValidation { get; init; }
    public IReadOnlyList<string> HardNegativeExamples { get; init; } = [];

    public TrainingSummary ToSummary(int seed, int threads) => new()
    {
        Seconds = Math.Round(Duration.TotalSeconds, 3),
        BestEpoch = BestEpoch,
        ValidationMetric = ValidationMetric,
        ValidationScore = BestValidationScore,
        Threshold = Threshold,
        ThresholdRule = ThresholdRule,
        TrainingPassages = TrainingPassages,
        ValidationPassages = ValidationPassages,
        Device = Device,
        PeakWorkingSetBytes = PeakWorkingSetBytes,
        Seed = seed,
        Threads = threads,
        TorchSharp = ModelCard.TorchSharpVersion,
        CorpusNegatives = CorpusNegatives,
        HardNegatives = HardNegatives,
        CorpusValidation = CorpusValidation,
        HardNegativeExamples = HardNegativeExamples,
        Epochs = Epochs.Select(e => new EpochSummary(e.Epoch, e.Loss, e.ValidationScore, e.Seconds, e.WorkingSetBytes)).ToArray(),
    };
}
