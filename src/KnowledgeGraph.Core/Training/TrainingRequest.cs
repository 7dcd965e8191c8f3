using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Corpus;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Models;

namespace KnowledgeGraph.Training;

/// <summary>What to train: a classifier of <see cref="Type"/> for <see cref="Concept"/>, for an environment.</summary>
public sealed record TrainingRequest
{
    public required Concept Concept { get; init; }
    public required ClassifierType Type { get; init; }
    public required KgEnvironment Environment { get; init; }
    /// <summary>Evaluate on the concept's labelled passages (never on passages trained on).</summary>
    public bool Evaluate { get; init; } = true;
    /// <summary>Labelled passages to learn from besides the concept's own (learned types).</summary>
    public IReadOnlyList<LabelledPassage> ExtraTrainingData { get; init; } = [];
    /// <summary>Options of the learned types; ignored by the keyword classifier.</summary>
    public LearnedOptions Options { get; init; } = new();
    /// <summary>Files or folders of unlabelled passages (the text the classifier will run on) to draw negatives from
    /// (learned types); empty for none.</summary>
    public IReadOnlyList<string> CorpusPaths { get; init; } = [];
}

/// <summary>Hyper-parameters and run settings of the learned classifier types.</summary>
public sealed record LearnedOptions
{
    public string Device { get; init; } = "Auto";
    public int Seed { get; init; } = 42;
    public int Threads { get; init; } = 0;
    public int? Epochs { get; init; }
}

/// <summary>A trained model, ready to be stored: its files and what training recorded.</summary>
public sealed record TrainedModel
{
    public required string ClassifierId { get; init; }
    public required string ClassifierName { get; init; }
    public required IReadOnlyList<ModelPackageFile> Files { get; init; }
    public required IReadOnlyList<ClassifierEvaluation> Evaluation { get; init; }
    public string Device { get; init; } = "cpu";
    public bool RequireGpu { get; init; }
    /// <summary>How many passages it learned from, and how many it was evaluated on (never the same texts).</summary>
    public int TrainingPassages { get; init; }
    public int EvaluationPassages { get; init; }
    /// <summary>A learned type's random seed and the CPU threads it trained with (null for the keyword classifier).</summary>
    public int? Seed { get; init; }
    public int? ThreadCount { get; init; }
    /// <summary>What was read from the corpus and drawn from it (null without a corpus).</summary>
    public CorpusSummary? Corpus { get; init; }
}

/// <summary>Trains one classifier type.</summary>
public interface IClassifierTrainer
{
    Task<TrainedModel> TrainAsync(TrainingRequest request, IProgress<WorkProgress>? progress, CancellationToken cancellationToken);
}
