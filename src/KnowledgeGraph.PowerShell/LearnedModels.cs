using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.PowerShell;

/// <summary>Loads stored classifiers for the cmdlets: keyword models in process, learned ones in a worker.</summary>
internal static class LearnedModels
{
    public static StoredClassifiers Loader { get; } = new((stored, files) =>
        new WorkerClassifier(Trainers.WorkerPath, stored.Manifest.ClassifierId, stored.Manifest.Metadata.ClassifierName, files));
}
