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
    private const string WorkerDll = "KnowledgeGraph.Worker.dll";

    public static TrainingService Service { get; } = new(For);

    public static IClassifierTrainer For(ClassifierType type) =>
        type == ClassifierType.Keyword ? new KeywordTrainer() : new LearnedTrainer(WorkerPath);

    /// <summary>The worker: $env:KG_WORKER_PATH, else the module's worker/ folder (a build of the repository), else the
    /// KnowledgeGraph.Worker package installed beside this module (the optional download with libtorch), the same
    /// version first. Its native launcher is used when it can be executed; package managers (Publish-/Install-PSResource)
    /// drop the execute bit, so the launcher gets it back when this user may set it, and otherwise the worker's .dll
    /// runs through dotnet.</summary>
    public static string WorkerPath
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable(WorkerPathVariable);
            if (!string.IsNullOrWhiteSpace(fromEnv))
            {
                return fromEnv;
            }
            var folder = WorkerFolders().FirstOrDefault(f => File.Exists(Path.Combine(f, WorkerDll)))
                ?? throw new KgException("WorkerNotInstalled", KgErrorKind.NotInstalled,
                    $"Training and running learned classifiers needs the training worker, which is not installed. Install it beside this module: Install-PSResource {WorkerModuleName} -Version {ModuleVersion} (or build the module with build.ps1 Build).",
                    WorkerModuleName);
            var apphost = Path.Combine(folder, OperatingSystem.IsWindows() ? "KnowledgeGraph.Worker.exe" : "KnowledgeGraph.Worker");
            return File.Exists(apphost) && CanExecute(apphost) ? apphost : Path.Combine(folder, WorkerDll);
        }
    }

    private static string ModuleVersion => typeof(Trainers).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.0.0";

    /// <summary>Where a worker may be: in the module, or in a KnowledgeGraph.Worker module next to it (installed modules
    /// live in &lt;Modules&gt;/&lt;Name&gt;/&lt;Version&gt;; a build or a saved copy may have no version folder).</summary>
    private static IEnumerable<string> WorkerFolders()
    {
        var module = Dependencies.ModuleFolder.TrimEnd(Path.DirectorySeparatorChar);
        yield return Path.Combine(module, "worker");
        var parent = Path.GetDirectoryName(module);
        var roots = new[] { parent, Path.GetDirectoryName(parent ?? "") }.OfType<string>().Where(r => r.Length > 0).Distinct();
        foreach (var candidate in roots.Select(r => Path.Combine(r, WorkerModuleName)).Where(Directory.Exists))
        {
            yield return Path.Combine(candidate, ModuleVersion, "worker");
            yield return Path.Combine(candidate, "worker");
            foreach (var version in Directory.EnumerateDirectories(candidate).OrderByDescending(d => Version.TryParse(Path.GetFileName(d), out var v) ? v : new Version()))
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
