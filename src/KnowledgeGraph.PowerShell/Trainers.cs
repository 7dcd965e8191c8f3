using KnowledgeGraph.Classification;
using KnowledgeGraph.PowerShell.Loading;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.PowerShell;

/// <summary>The trainers the cmdlets use, by classifier type: the keyword classifier in process, the learned types in
/// the training worker shipped in the module's worker folder.</summary>
internal static class Trainers
{
    public const string WorkerPathVariable = "KG_WORKER_PATH";

    public static TrainingService Service { get; } = new(For);

    public static IClassifierTrainer For(ClassifierType type) =>
        type == ClassifierType.Keyword ? new KeywordTrainer() : new LearnedTrainer(WorkerPath);

    /// <summary>The worker executable: $env:KG_WORKER_PATH, else worker/KnowledgeGraph.Worker[.exe] in the module, else its .dll.</summary>
    public static string WorkerPath
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable(WorkerPathVariable);
            if (!string.IsNullOrWhiteSpace(fromEnv))
            {
                return fromEnv;
            }
            var folder = Path.Combine(Dependencies.ModuleFolder, "worker");
            var apphost = Path.Combine(folder, OperatingSystem.IsWindows() ? "KnowledgeGraph.Worker.exe" : "KnowledgeGraph.Worker");
            return File.Exists(apphost) ? apphost : Path.Combine(folder, "KnowledgeGraph.Worker.dll");
        }
    }
}
