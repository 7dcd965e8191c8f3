using KnowledgeGraph.Lifecycle;

namespace KnowledgeGraph.PowerShell;

/// <summary>Loads stored classifiers for the cmdlets.</summary>
internal static class LearnedModels
{
    public static StoredClassifiers Loader { get; } = new(learned: null);
}
