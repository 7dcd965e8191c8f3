using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>Locates the real data of the original system in <c>../shared/data</c> beside the repository (or
/// <c>$KG_SHARED_DATA</c>). Tests that need it skip, with the reason, when it is not there; they never pass silently.</summary>
public static class SharedData
{
    private static readonly Lazy<string?> Root = new(Find);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The data folder, or a skip of the calling test naming what is missing.</summary>
    public static string Folder
    {
        get
        {
            var root = Root.Value;
            if (root is null)
            {
                Assert.Skip($"The shared data folder is missing: expected {Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data"))} or $KG_SHARED_DATA.");
            }
            return root!;
        }
    }

    public static string PathOf(params string[] parts) => Path.Combine([Folder, .. parts]);

    private static string? Find()
    {
        var fromEnv = Environment.GetEnvironmentVariable("KG_SHARED_DATA");
        if (!string.IsNullOrEmpty(fromEnv) && Directory.Exists(fromEnv))
        {
            return fromEnv;
        }
        var candidate = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data"));
        return Directory.Exists(candidate) ? candidate : null;
    }

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KgTools.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (KgTools.sln) above " + AppContext.BaseDirectory);
    }
}
