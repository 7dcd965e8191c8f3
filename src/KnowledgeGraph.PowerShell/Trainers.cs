using KnowledgeGraph.Classification;
using KnowledgeGraph.PowerShell.Loading;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.PowerShell;

/// <summary>The trainers the cmdlets use, by classifier type: the keyword classifier in process, the learned types in
/// the training worker.</summary>
internal static class Trainers
{
    public const string WorkerPathVariable = "KG_WORKER_PATH";
    public const string WorkerModuleName = "KnowledgeGraph.Worker";

    public static TrainingService Service { get; } = new(For);

    public static IClassifierTrainer For(ClassifierType type) =>
        type == ClassifierType.Keyword ? new KeywordTrainer() : new LearnedTrainer(WorkerPath);

    /// <summary>The worker: $env:KG_WORKER_PATH, else the module's worker/ folder, else the separately installed
    /// KnowledgeGraph.Worker module beside this one (the optional download with libtorch). Its native launcher is used
    /// when it can be executed; package managers (Publish-/Install-PSResource) drop the execute bit, so the launcher
    /// gets it back when this user may set it, and otherwise the worker's .dll runs through dotnet.</summary>
    public static string WorkerPath
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable(WorkerPathVariable);
            if (!string.IsNullOrWhiteSpace(fromEnv))
            {
                return fromEnv;
            }
            var folder = WorkerFolders().FirstOrDefault(f => File.Exists(Path.Combine(f, "KnowledgeGraph.Worker.dll")))
                ?? Path.Combine(Dependencies.ModuleFolder, "worker");
            var dll = Path.Combine(folder, "KnowledgeGraph.Worker.dll");
            var apphost = Path.Combine(folder, OperatingSystem.IsWindows() ? "KnowledgeGraph.Worker.exe" : "KnowledgeGraph.Worker");
            return File.Exists(apphost) && CanExecute(apphost) ? apphost : dll;
        }
    }

    /// <summary>Where a worker may be: in the module, or in a KnowledgeGraph.Worker module next to it (any version folder).</summary>
    private static IEnumerable<string> WorkerFolders()
    {
        yield return Path.Combine(Dependencies.ModuleFolder, "worker");
        var modules = Path.GetDirectoryName(Path.GetDirectoryName(Dependencies.ModuleFolder.TrimEnd(Path.DirectorySeparatorChar)));
        foreach (var root in new[] { Path.GetDirectoryName(Dependencies.ModuleFolder.TrimEnd(Path.DirectorySeparatorChar)), modules }.OfType<string>().Distinct())
        {
            var candidate = Path.Combine(root, WorkerModuleName);
            if (!Directory.Exists(candidate))
            {
                continue;
            }
            yield return Path.Combine(candidate, "worker");
            foreach (var version in Directory.EnumerateDirectories(candidate).OrderByDescending(d => d, StringComparer.Ordinal))
            {
                yield return Path.Combine(version, "worker");
            }
        }
    }

    private static bool CanExecute(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }
        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.UserExecute) != 0)
        {
            return true;
        }
        try
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }
}
