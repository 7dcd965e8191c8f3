using System.Diagnostics;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Storage;

namespace KnowledgeGraph.Training;

/// <summary>What Invoke-KgTraining outputs for one trained classifier.</summary>
public sealed record TrainingResult
{
    public required string? WikibaseId { get; init; }
    public required string ClassifierId { get; init; }
    public required string ClassifierName { get; init; }
    public required ClassifierType ClassifierType { get; init; }
    public required string ConceptId { get; init; }
    /// <summary>The environment, by name.</summary>
    public required string Environment { get; init; }
    /// <summary>The new model version (vN) in the environment's store, or in the local folder with -LocalOnly.</summary>
    public required string Version { get; init; }
    /// <summary>True when stored in the environment's store; false for -LocalOnly.</summary>
    public required bool Stored { get; init; }
    /// <summary>Where the version is: the store, or the local folder.</summary>
    public required string Location { get; init; }
    public required IReadOnlyList<ClassifierEvaluation> Metrics { get; init; }
    /// <summary>F1 at Span@0.5, the headline metric; null when not evaluated.</summary>
    public double? SpanF1 => Metrics.FirstOrDefault(m => m.Group == Evaluator.AllGroup && m.Level == "Span@0.5")?.F1;
    public double? CharacterF1 => Metrics.FirstOrDefault(m => m.Group == Evaluator.AllGroup && m.Level == "Character")?.F1;
    public required string Device { get; init; }
    /// <summary>Passages learned from (0 for the keyword classifier, which learns nothing).</summary>
    public required int TrainingPassages { get; init; }
    /// <summary>Held-out passages the metrics come from.</summary>
    public required int EvaluationPassages { get; init; }
    /// <summary>A learned type's random seed and CPU thread count (null for the keyword classifier); both are in the run record too.</summary>
    public int? Seed { get; init; }
    public int? ThreadCount { get; init; }
    public required TimeSpan Duration { get; init; }
    public required string ManifestSha256 { get; init; }

    public override string ToString() => $"{WikibaseId}/{ClassifierId} {Version} ({ClassifierName}, {Environment})";
}

/// <summary>Trains a classifier and stores it as a new model version: in an environment's store (visible once all its
/// files and then its manifest are written), or with <c>localFolder</c> in a local folder without registering it.</summary>
public sealed class TrainingService(Func<ClassifierType, IClassifierTrainer> trainers)
{
    public async Task<TrainingResult> TrainAsync(TrainingRequest request, EnvironmentStore? store, string? localFolder,
        IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        progress?.Report(WorkProgress.Step($"Training a {request.Type} classifier for {request.Concept.WikibaseId}", 0));
        var trained = await trainers(request.Type).TrainAsync(request, progress, cancellationToken).ConfigureAwait(false);
        var package = new ModelPackage(request.Concept.WikibaseId!, trained.ClassifierId, new ModelMetadata
        {
            AwsEnv = request.Environment.For(EnvironmentUse.ModelMetadata),
            ClassifierName = trained.ClassifierName,
            ConceptId = request.Concept.Id,
            ConceptWikibaseRevision = request.Concept.WikibaseRevision,
            RequireGpu = trained.RequireGpu,
        }, trained.Files);

        StoredModelVersion version;
        string location;
        if (store is not null)
        {
            version = await store.Models.AddVersionAsync(package, progress, cancellationToken).ConfigureAwait(false);
            location = store.Objects.Location.ToString();
        }
        else
        {
            var folder = localFolder ?? throw new ArgumentNullException(nameof(localFolder));
            version = await new ModelStore(new FileObjectStore(folder), request.Environment).AddVersionAsync(package, progress, cancellationToken).ConfigureAwait(false);
            location = folder;
        }
        return new TrainingResult
        {
            WikibaseId = request.Concept.WikibaseId,
            ClassifierId = trained.ClassifierId,
            ClassifierName = trained.ClassifierName,
            ClassifierType = request.Type,
            ConceptId = request.Concept.Id,
            Environment = request.Environment.Name(),
            Version = version.Manifest.Version.ToString(),
            Stored = store is not null,
            Location = location,
            Metrics = trained.Evaluation,
            Device = trained.Device,
            TrainingPassages = trained.TrainingPassages,
            EvaluationPassages = trained.EvaluationPassages,
            Seed = trained.Seed,
            ThreadCount = trained.ThreadCount,
            Duration = clock.Elapsed,
            ManifestSha256 = version.ManifestSha256,
        };
    }
}
