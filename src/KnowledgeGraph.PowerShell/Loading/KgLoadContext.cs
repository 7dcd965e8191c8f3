using System.Reflection;
using System.Runtime.Loader;

namespace KnowledgeGraph.PowerShell.Loading;

/// <summary>The module's private AssemblyLoadContext. It loads <c>KnowledgeGraph.Infrastructure</c> and every third-party
/// assembly (YamlDotNet, AWSSDK.*) from the module's <c>dependencies</c> folder, so those never meet the versions other
/// modules (powershell-yaml, AWS.Tools) load into the default context. <c>KnowledgeGraph.Core</c> is shared with the
/// default context, so the core's interfaces and domain types are the same types on both sides.</summary>
internal sealed class KgLoadContext : AssemblyLoadContext
{
    private static readonly string CoreName = typeof(IKgInfrastructure).Assembly.GetName().Name!;
    private readonly string _folder;

    public KgLoadContext(string folder) : base("KnowledgeGraph", isCollectible: false) => _folder = folder;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (string.Equals(assemblyName.Name, CoreName, StringComparison.Ordinal))
        {
            return typeof(IKgInfrastructure).Assembly;
        }
        var path = Path.Combine(_folder, assemblyName.Name + ".dll");
        // Anything not shipped in dependencies/ (the framework itself) comes from the default context.
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = Path.Combine(_folder, unmanagedDllName);
        return File.Exists(path) ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
    }
}

/// <summary>Loads the infrastructure on first use (never at import, which stays fast).</summary>
internal static class Dependencies
{
    public const string FolderName = "dependencies";
    private const string InfrastructureAssembly = "KnowledgeGraph.Infrastructure";
    private const string InfrastructureType = "KnowledgeGraph.Infrastructure.KgInfrastructure";

    private static readonly Lazy<IKgInfrastructure> Instance = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    public static IKgInfrastructure Infrastructure => Instance.Value;

    /// <summary>The module's folder (where KnowledgeGraph.PowerShell.dll is).</summary>
    public static string ModuleFolder => Path.GetDirectoryName(typeof(Dependencies).Assembly.Location)!;

    private static IKgInfrastructure Load()
    {
        var folder = Path.Combine(ModuleFolder, FolderName);
        Assembly assembly;
        if (Directory.Exists(folder))
        {
            var context = new KgLoadContext(folder);
            assembly = context.LoadFromAssemblyPath(Path.Combine(folder, InfrastructureAssembly + ".dll"));
        }
        else
        {
            // Hosted in-process without the module layout (unit tests): load normally.
            assembly = Assembly.Load(InfrastructureAssembly);
        }
        var type = assembly.GetType(InfrastructureType, throwOnError: true)!;
        return (IKgInfrastructure)Activator.CreateInstance(type)!;
    }
}
