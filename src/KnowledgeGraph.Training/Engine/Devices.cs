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
