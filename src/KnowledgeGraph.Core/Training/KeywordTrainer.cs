using System.Diagnostics;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;

namespace KnowledgeGraph.Training;

/// <summary>"Trains" a keyword classifier: it learns nothing (its labels are the model), so training is building it
/// from the concept, evaluating it on the concept's labelled passages, and packaging its files.</summary>
public sealed class KeywordTrainer : IClassifierTrainer
{
    public Task<TrainedModel> TrainAsync(TrainingRequest request, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var classifier = new KeywordClassifier(request.Concept);
        var trainTime = clock.Elapsed;
        IReadOnlyList<ClassifierEvaluation> evaluation = [];
        var gold = request.Concept.LabelledPassages;
        if (request.Evaluate && gold.Count > 0)
        {
            progress?.Report(WorkProgress.Step($"Evaluating {classifier.Name} {classifier.Id} on {gold.Count} labelled passages", 1, 2));
            evaluation = ClassifierEvaluator.Evaluate(classifier, gold);
        }
        else if (request.Evaluate)
        {
            progress?.Report(WorkProgress.Warn($"{request.Concept.WikibaseId} has no labelled passages, so the classifier was not evaluated."));
        }
        var run = new RunRecord
        {
            Type = ClassifierType.Keyword,
            ClassifierName = classifier.Name,
            ClassifierId = classifier.Id,
            Concept = request.Concept,
            Parameters = new Dictionary<string, object?> { ["labels"] = request.Concept.AllLabels.Count, ["negative_labels"] = request.Concept.NegativeLabels.Count },
            TrainingData = [],
            EvaluationData = evaluation.Count > 0 ? gold : null,
            Evaluation = evaluation,
            StartedAt = started,
            FinishedAt = DateTimeOffset.UtcNow,
            TrainDuration = trainTime,
            EvaluateDuration = clock.Elapsed - trainTime,
        };
        var files = new List<ModelPackageFile>
        {
            new(ModelFiles.Model, ModelFiles.KeywordModel(classifier)),
            new(ModelFiles.Run, run.ToJson()),
        };
        if (evaluation.Count > 0)
        {
            files.Add(new ModelPackageFile(ModelFiles.Evaluation, ModelFiles.EvaluationFile(evaluation)));
        }
        return Task.FromResult(new TrainedModel
        {
            ClassifierId = classifier.Id,
            ClassifierName = classifier.Name,
            Files = files,
            Evaluation = evaluation,
            EvaluationPassages = evaluation.Count > 0 ? gold.Count : 0,
        });
    }
}
