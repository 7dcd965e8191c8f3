namespace KnowledgeGraph.Configuration;

/// <summary>Where the module keeps its files. Everything derives from one home folder: <c>$KG_HOME</c>, else
/// <c>KgTools</c> in the user's local data folder (<c>~/.local/share/KgTools</c> on Linux,
/// <c>%LOCALAPPDATA%\KgTools</c> on Windows).</summary>
public static class KgPaths
{
    public const string HomeVariable = "KG_HOME";
    public const string ConceptPathVariable = "KG_CONCEPT_PATH";
    public const string SpecPathVariable = "KG_SPEC_PATH";

    private static readonly AsyncLocal<string?> WorkingDirectory = new();

    /// <summary>Makes relative paths (in environment variables, settings and parameters) resolve against
    /// <paramref name="directory"/> (PowerShell's current location, which is not the process's) for the calling flow,
    /// including work it starts on other threads, until the returned scope is disposed.</summary>
    public static IDisposable UseWorkingDirectory(string? directory)
    {
        var previous = WorkingDirectory.Value;
        WorkingDirectory.Value = directory;
        return new Scope(() => WorkingDirectory.Value = previous);
    }

    /// <summary>The current location for relative paths: the one set by <see cref="UseWorkingDirectory"/>, else the process's.</summary>
    public static string CurrentDirectory => WorkingDirectory.Value ?? Environment.CurrentDirectory;

    /// <summary>A path made absolute against <see cref="CurrentDirectory"/>.</summary>
    public static string Resolve(string path) => Path.GetFullPath(path, CurrentDirectory);

    private sealed class Scope(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }

    public static string Home
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable(HomeVariable);
            if (!string.IsNullOrWhiteSpace(fromEnv))
            {
                return Resolve(fromEnv);
            }
            var data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            if (string.IsNullOrEmpty(data))
            {
                data = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            }
            return Path.Combine(data, "KgTools");
        }
    }

    /// <summary>The concept folder (or file): the explicit path, else <c>$KG_CONCEPT_PATH</c>, else <c>concepts</c> under <see cref="Home"/>.</summary>
    public static (string Path, string Source) ConceptPath(string? explicitPath)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return (Resolve(explicitPath), "-Path");
        }
        var fromEnv = Environment.GetEnvironmentVariable(ConceptPathVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return (Resolve(fromEnv), "$env:" + ConceptPathVariable);
        }
        return (Path.Combine(Home, "concepts"), "the default concept folder under " + Home);
    }

    public static string SettingsFile => Path.Combine(Home, "settings.json");

    /// <summary>The default store of an environment: <c>store/&lt;name&gt;</c> under <see cref="Home"/>.</summary>
    public static string DefaultStore(Environments.KgEnvironment env) =>
        Path.Combine(Home, "store", Environments.EnvironmentNames.For(env, Environments.EnvironmentUse.Display));
}
