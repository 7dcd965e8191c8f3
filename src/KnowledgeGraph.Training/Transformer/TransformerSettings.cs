using System.Globalization;
using KnowledgeGraph.Identifiers;

namespace KnowledgeGraph.Training.Transformer;

/// <summary>The transformer classifier's hyper-parameters; they go into its model card and its classifier ID. The ones
/// that matter on a GPU are <see cref="BatchSize"/> and <see cref="AccumulationSteps"/> (an effective batch of their
/// product); TorchSharp has no automatic mixed precision, so training is float32 everywhere.</summary>
public sealed record TransformerSettings : ILearnedSettings<TransformerSettings>, ISegmentTrainingSettings
{
    /// <summary>The pretrained encoder (Get-KgEncoder lists them).</summary>
    public string Encoder { get; init; } = Encoders.PretrainedEncoders.MiniLM.Name;
    /// <summary>Word pieces read per segment, with [CLS] and [SEP]; the rest of a longer segment is not read. Segments are
    /// sentences of at most 600 characters, so this truncates rarely.</summary>
    public int MaxTokens { get; init; } = 128;
    /// <summary>The encoder's lower layers that stay as pretrained (0: all are fine-tuned). Freezing makes a CPU epoch cheaper.</summary>
    public int FrozenLayers { get; init; }
    public double Dropout { get; init; } = 0.1;
    public double LearningRate { get; init; } = 5e-5;
    public double WeightDecay { get; init; } = 0.01;
    public double WarmupFraction { get; init; } = 0.1;
    public int MaxEpochs { get; init; } = 4;
    public int Patience { get; init; } = 2;
    public int MinSteps { get; init; } = 120;
    public int BatchSize { get; init; } = 16;
    /// <summary>Batches whose gradients add up before each optimiser step.</summary>
    public int AccumulationSteps { get; init; } = 1;
    /// <summary>With a corpus: negatives per epoch, hard negatives to keep, when to search (a fraction of the epochs), and
    /// how many corpus passages the search reads (scoring them is what it costs).</summary>
    public int NegativesPerEpoch { get; init; } = 600;
    public int HardNegatives { get; init; } = 300;
    public double MineAt { get; init; } = 0.5;
    public bool MineNearMisses { get; init; } = true;
    public int MiningPassages { get; init; } = 1500;
    /// <summary>The threshold is the one with the best F-beta at passage level on validation (0.5: precision counts twice).</summary>
    public double ThresholdBeta { get; init; } = 0.5;
    public string ValidationMetric { get; init; } = "AveragePrecision";
    public int EpochValidationNegatives { get; init; } = 200;

    public TransformerSettings WithEpochLimit(int epochs) => this with { MaxEpochs = epochs, MinSteps = 0 };


    public string Canonical() => string.Join(",",
        $"encoder={Encoder}", $"tokens={I(MaxTokens)}", $"frozen={I(FrozenLayers)}", $"dropout={PythonStr.Float(Dropout)}",
        $"lr={PythonStr.Float(LearningRate)}", $"wd={PythonStr.Float(WeightDecay)}", $"warmup={PythonStr.Float(WarmupFraction)}",
        $"epochs={I(MaxEpochs)}", $"patience={I(Patience)}", $"steps={I(MinSteps)}", $"batch={I(BatchSize)}x{I(AccumulationSteps)}",
        $"negatives={I(NegativesPerEpoch)}/{I(HardNegatives)}@{PythonStr.Float(MineAt)}", $"mining={I(MiningPassages)}", $"near={MineNearMisses}",
        $"beta={PythonStr.Float(ThresholdBeta)}", $"validation={ValidationMetric}/{I(EpochValidationNegatives)}");

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
