using System.Text.Json;

namespace KnowledgeGraph.Training;

/// <summary>One epoch of training, as reported to progress and stored in the run record.</summary>
public sealed record EpochReport(int Epoch, int Epochs, double Loss, double ValidationScore, double Seconds, long WorkingSetBytes);

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
    /// <summary>The decision threshold chosen on the validation passages (a span tagger's span threshold, 0 = none).</summary>
    public double Threshold { get; init; }

    /// <summary>Writes what the model card and the run record both keep of a training run: the best epoch, its
    /// validation score, the passage counts and, for a span tagger, the span threshold in use.</summary>
    public void WriteSummary(Utf8JsonWriter w, double? spanThreshold)
    {
        w.WriteNumber("best_epoch", BestEpoch);
        w.WriteString("validation_metric", ValidationMetric);
        w.WriteNumber("validation_score", BestValidationScore);
        if (spanThreshold is { } t)
        {
            w.WriteNumber("span_threshold", t);
        }
        w.WriteNumber("training_passages", TrainingPassages);
        w.WriteNumber("validation_passages", ValidationPassages);
    }
}
