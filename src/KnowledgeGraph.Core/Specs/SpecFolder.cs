using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;

namespace KnowledgeGraph.Specs;

/// <summary>Finds the <c>classifier_specs</c> folder: the explicit path, else <c>$env:KG_SPEC_PATH</c>, else the nearest
/// <c>classifier_specs</c> folder in the current directory or above it (as git finds <c>.git</c>), so it works from
/// anywhere in a repository rather than only from its root.</summary>
public static class SpecFolder
{
    public static string Resolve(string? explicitPath, string currentDirectory)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return Existing(Path.GetFullPath(explicitPath), "-Path");
        }
        var fromEnv = Environment.GetEnvironmentVariable(KgPaths.SpecPathVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return Existing(Path.GetFullPath(fromEnv), "$env:" + KgPaths.SpecPathVariable);
        }
        for (var dir = new DirectoryInfo(currentDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "classifier_specs");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new KgException("SpecFolderNotFound", KgErrorKind.ObjectNotFound,
            $"No classifier_specs folder in {currentDirectory} or above it. Pass -Path, or set $env:{KgPaths.SpecPathVariable}, to the folder that holds v2/<environment>.yaml.",
            currentDirectory);
    }

    public static string FileOf(string folder, KgEnvironment environment) =>
        Path.Combine(folder, "v2", environment.For(EnvironmentUse.SpecFile) + ".yaml");

    private static string Existing(string path, string origin) => Directory.Exists(path)
        ? path
        : throw new KgException("SpecFolderNotFound", KgErrorKind.ObjectNotFound,
            $"The spec folder '{path}' ({origin}) does not exist.", path);
}
