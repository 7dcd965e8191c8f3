using System.Collections.Concurrent;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Inference;

/// <summary>Loads the classifier of a resolved spec entry, on a device: <c>Auto</c>, <c>Cpu</c> or <c>Cuda</c>.</summary>
public delegate Task<IClassifier> InferenceClassifierLoader(InferenceClassifier classifier, string device, CancellationToken cancellationToken);

public static class InferenceModels
{
    private const int KeywordCacheSize = 256;
    private static readonly ConcurrentDictionary<string, IClassifier> KeywordCache = new(StringComparer.Ordinal);

    /// <summary>Keyword models load in process; learned models in a worker process each (<see cref="WorkerClassifier"/>),
    /// which then classifies batches of passages. Dispose the learned ones to stop their workers.
    /// Keyword classifiers are kept for the rest of the session, by their manifest's SHA-256: a model version never
    /// changes, and compiling a keyword classifier's patterns costs more than classifying a few thousand passages.</summary>
    public static InferenceClassifierLoader FromStore(EnvironmentStore store, string workerPath) => async (classifier, device, cancellationToken) =>
    {
        if (KeywordCache.TryGetValue(classifier.Model.ManifestSha256, out var cached))
        {
            return cached;
        }
        var loaded = await new StoredClassifiers((stored, files) =>
                new WorkerClassifier(workerPath, stored.Manifest.ClassifierId, stored.Manifest.Metadata.ClassifierName, files, device))
            .LoadAsync(store, classifier.Model, cancellationToken).ConfigureAwait(false);
        if (loaded is KeywordClassifier)
        {
            if (KeywordCache.Count >= KeywordCacheSize)
            {
                KeywordCache.Clear();
            }
            KeywordCache[classifier.Model.ManifestSha256] = loaded;
        }
        return loaded;
    };
}

/// <summary>Whether this machine can run a classifier that requires a GPU: an NVIDIA driver with a visible device, and
/// a worker built with the CUDA libtorch. It is decided without loading libtorch; a learned model started with
/// <c>-Device Cuda</c> still fails clearly (CudaUnavailable) if libtorch disagrees.</summary>
public static class CudaDevices
{
    public static bool Available(string? workerFolder)
    {
        var visible = Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES");
        if (visible is not null && (visible.Trim().Length == 0 || visible.Trim() == "-1"))
        {
            return false;
        }
        return HasNvidiaDriver() && HasCudaLibtorch(workerFolder);
    }

    private static bool HasNvidiaDriver()
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                return Directory.Exists("/proc/driver/nvidia/gpus") && Directory.EnumerateFileSystemEntries("/proc/driver/nvidia/gpus").Any();
            }
            return OperatingSystem.IsWindows() && File.Exists(Path.Combine(Environment.SystemDirectory, "nvcuda.dll"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool HasCudaLibtorch(string? workerFolder) =>
        workerFolder is not null && Directory.Exists(workerFolder) &&
        Directory.EnumerateFiles(workerFolder, "*torch_cuda*", SearchOption.AllDirectories).Any();
}
