namespace KnowledgeGraph.Configuration;

/// <summary>Which corpus a training or evaluation uses when the command names none: <c>$env:KG_CORPUS_PATH</c> (paths
/// separated by the platform's path separator, relative ones against the current location), else the settings file's
/// <c>corpusPaths</c> (Set-KgEnvironment -CorpusPath), else none.</summary>
public static class CorpusPathSetting
{
    public const string Variable = "KG_CORPUS_PATH";

    /// <param name="given">The paths the command was given (already resolved), or null when it was given none.</param>
    /// <param name="resolve">Resolves a relative path from the environment variable against the current location.</param>
    public static (IReadOnlyList<string> Paths, string Source) Resolve(IReadOnlyList<string>? given, KgSettings settings, Func<string, string> resolve)
    {
        if (given is not null)
        {
            return (given.Where(p => !string.IsNullOrWhiteSpace(p)).ToArray(), "-CorpusPath");
        }
        var fromEnv = System.Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return (fromEnv.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(resolve).ToArray(), "$env:" + Variable);
        }
        return settings.CorpusPaths.Count > 0 ? (settings.CorpusPaths, $"the settings file ({KgPaths.SettingsFile})") : ([], "none");
    }
}
