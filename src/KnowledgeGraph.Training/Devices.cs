using static TorchSharp.torch;

namespace KnowledgeGraph.Training;

/// <summary>Where training and prediction run: Auto (CUDA when libtorch finds a GPU, else the CPU), Cpu or Cuda.</summary>
public static class Devices
{
    public static Device Resolve(string? requested)
    {
        switch ((requested ?? "Auto").Trim().ToLowerInvariant())
        {
            case "auto":
                return cuda.is_available() ? CUDA : CPU;
            case "cpu":
                return CPU;
            case "cuda":
                if (!cuda.is_available())
                {
                    throw new KgException("CudaUnavailable", KgErrorKind.ResourceUnavailable,
                        "-Device Cuda was asked for, but libtorch finds no CUDA device here (no NVIDIA GPU or driver, or a CPU-only build of the module). Use -Device Cpu or Auto.",
                        requested);
                }
                return CUDA;
            default:
                throw new KgException("InvalidDevice", KgErrorKind.InvalidArgument,
                    $"'{requested}' is not a device. Valid devices: Auto, Cpu, Cuda.", requested);
        }
    }

    public static string Name(Device device) => device.type == TorchSharp.DeviceType.CUDA ? "cuda" : "cpu";

    /// <summary>Seeds libtorch (and CUDA) and sets the CPU thread count, for reproducible training.</summary>
    public static void Prepare(int seed, int threads)
    {
        random.manual_seed(seed);
        if (cuda.is_available())
        {
            cuda.manual_seed_all(seed);
        }
        if (threads > 0)
        {
            set_num_threads(threads);
        }
    }
}

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
}
