using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;

namespace KnowledgeGraph.Specs;

/// <summary>Finds the <c>classifier_specs</c> folder: the explicit path, else <c>$env:KG_SPEC_PATH</c> (relative paths
/// are relative to the current location), else the nearest <c>classifier_specs</c> folder in the current location or
/// above it (as git finds <c>.git</c>), so it works from anywhere in a repository rather than only from its root. A
/// folder found that way is refused when it belongs to the checkout the module itself is loaded from: the module never
/// writes next to itself unless told to.</summary>
public static class SpecFolder
{
    public const string FolderName = "classifier_specs";

    /// <summary>The folder and where it came from (for -Verbose).</summary>
    public static (string Path, string Origin) Locate(string? explicitPath, string currentDirectory, string? moduleFolder)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return (Existing(Path.GetFullPath(explicitPath, currentDirectory), "-Path"), "-Path");
        }
        var fromEnv = Environment.GetEnvironmentVariable(KgPaths.SpecPathVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            var origin = "$env:" + KgPaths.SpecPathVariable;
            return (Existing(Path.GetFullPath(fromEnv, currentDirectory), origin), origin);
        }
        for (var dir = new DirectoryInfo(currentDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, FolderName);
            if (!Directory.Exists(candidate))
            {
                continue;
            }
            if (moduleFolder is not null && IsInside(Path.GetFullPath(moduleFolder), dir.FullName))
            {
                throw new KgException("SpecFolderNotFound", KgErrorKind.ObjectNotFound,
                    $"The nearest {FolderName} folder, {candidate}, is in the checkout the module itself is loaded from ({moduleFolder}), so it is not used by default. Pass -Path, or set $env:{KgPaths.SpecPathVariable}, to write there on purpose.",
                    candidate);
            }
            return (candidate, $"the nearest {FolderName} at or above {currentDirectory}");
        }
        throw new KgException("SpecFolderNotFound", KgErrorKind.ObjectNotFound,
            $"No {FolderName} folder in {currentDirectory} or above it. Pass -Path, or set $env:{KgPaths.SpecPathVariable}, to the folder that holds v2/<environment>.yaml.",
            currentDirectory);
    }

    public static string Resolve(string? explicitPath, string currentDirectory, string? moduleFolder = null) =>
        Locate(explicitPath, currentDirectory, moduleFolder).Path;

    public static string FileOf(string folder, KgEnvironment environment) =>
        Path.Combine(folder, "v2", environment.For(EnvironmentUse.SpecFile) + ".yaml");

    private static bool IsInside(string path, string folder)
    {
        var f = Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar;
        return (Path.TrimEndingDirectorySeparator(path) + Path.DirectorySeparatorChar).StartsWith(f, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }

    private static string Existing(string path, string origin)
    {
        if (Directory.Exists(path))
        {
            return path;
        }
        throw File.Exists(path)
            ? new KgException("SpecFolderNotFound", KgErrorKind.InvalidArgument,
                $"'{path}' ({origin}) is a file; give the {FolderName} folder that holds v2/<environment>.yaml.", path)
            : new KgException("SpecFolderNotFound", KgErrorKind.ObjectNotFound, $"The spec folder '{path}' ({origin}) does not exist.", path);
    }
}
