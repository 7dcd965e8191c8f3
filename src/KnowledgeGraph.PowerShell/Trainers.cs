using KnowledgeGraph.Classification;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.PowerShell;

/// <summary>The trainers the cmdlets use, by classifier type.</summary>
internal static class Trainers
{
    public static TrainingService Service { get; } = new(For);

    public static IClassifierTrainer For(ClassifierType type) => type switch
    {
        ClassifierType.Keyword => new KeywordTrainer(),
        _ => throw new KgException("ClassifierTypeUnavailable", KgErrorKind.NotImplemented,
            $"Training {type} classifiers is not available in this build of the module.", type),
    };
}
