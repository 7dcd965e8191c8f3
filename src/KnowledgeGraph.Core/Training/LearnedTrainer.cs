using System.Globalization;
using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;

namespace KnowledgeGraph.Training;

/// <summary>Trains a learned classifier in a worker process. The concept's human-labelled passages are split by
/// document: one fold in five (the Q787 protocol's fold 0) is held out for evaluation and never trained on; any
/// training passage (the concept's own or extra data) whose text is in the held-out set is dropped, as the original
/// de-duplicated by text.</summary>
public sealed class LearnedTrainer(string workerPath) : IClassifierTrainer
{
    public async Task<TrainedModel> TrainAsync(TrainingRequest request, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var (training, evaluation) = Split(request);
        LearnedRequirements.Check(request.Type, request.Concept, training);
        var output = Directory.CreateTempSubdirectory("kg-train-").FullName;
        try
        {
            progress?.Report(WorkProgress.Step($"Starting the training worker ({request.Type}, {training.Count} training passages)", 0));
            using var worker = WorkerProcess.Start(workerPath);
            var result = await worker.SendAsync(WorkerProtocol.TrainRequest(request, training, evaluation, output), p =>
            {
                var epoch = p.GetProperty("epoch").GetInt32();
                var epochs = p.GetProperty("epochs").GetInt32();
                progress?.Report(WorkProgress.Step(
                    $"Training {request.Type} for {request.Concept.WikibaseId}: epoch {epoch} of at most {epochs}",
                    epoch, epochs,
                    string.Create(CultureInfo.InvariantCulture, $"loss {p.GetProperty("loss").GetDouble():F4}, validation {p.GetProperty("metric").GetString()} {p.GetProperty("validation").GetDouble():F3}, {p.GetProperty("working_set").GetInt64() / (1024 * 1024)} MB")));
            }, cancellationToken).ConfigureAwait(false);

            var classifierId = result.GetProperty("classifier_id").GetString()!;
            var classifierName = result.GetProperty("classifier_name").GetString()!;
            var evaluationRows = ModelFiles.ReadEvaluationFile(
                System.Text.Encoding.UTF8.GetBytes(result.GetProperty("evaluation").GetRawText()), request.Concept.WikibaseId, classifierId, classifierName);
            var report = result.GetProperty("report");
            var device = result.GetProperty("device").GetString()!;
            var run = new RunRecord
            {
                Type = request.Type,
                ClassifierName = classifierName,
                ClassifierId = classifierId,
                Concept = request.Concept,
                Parameters = JsonValuesOf(result.GetProperty("settings")),
                TrainingData = training,
                EvaluationData = evaluation.Count > 0 ? evaluation : null,
                Evaluation = evaluationRows,
                StartedAt = started,
                FinishedAt = DateTimeOffset.UtcNow,
                TrainDuration = TimeSpan.FromSeconds(report.GetProperty("seconds").GetDouble()),
                EvaluateDuration = TimeSpan.FromSeconds(result.GetProperty("evaluation_seconds").GetDouble()),
                Device = device,
                Details = JsonValuesOf(report),
            };
            var files = new List<ModelPackageFile>
            {
                new(ModelFiles.Model, await File.ReadAllBytesAsync(Path.Combine(output, ModelFiles.Model), cancellationToken).ConfigureAwait(false)),
                new(ModelFiles.Weights, await File.ReadAllBytesAsync(Path.Combine(output, ModelFiles.Weights), cancellationToken).ConfigureAwait(false), "application/octet-stream"),
                new(ModelFiles.Run, run.ToJson()),
            };
            if (evaluationRows.Count > 0)
            {
                files.Add(new ModelPackageFile(ModelFiles.Evaluation, ModelFiles.EvaluationFile(evaluationRows)));
            }
            return new TrainedModel
            {
                ClassifierId = classifierId,
                ClassifierName = classifierName,
                Files = files,
                Evaluation = evaluationRows,
                Device = device,
                TrainingPassages = training.Count,
                EvaluationPassages = evaluation.Count,
                Seed = report.GetProperty("seed").GetInt32(),
                ThreadCount = report.GetProperty("threads").GetInt32(),
            };
        }
        finally
        {
            try
            {
                Directory.Delete(output, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>(training, evaluation) passages for a request.</summary>
    public static (IReadOnlyList<LabelledPassage> Training, IReadOnlyList<LabelledPassage> Evaluation) Split(TrainingRequest request)
    {
        var own = request.Concept.LabelledPassages;
        IReadOnlyList<LabelledPassage> held = [];
        IReadOnlyList<LabelledPassage> rest = own;
        if (request.Evaluate && own.Count > 0)
        {
            (rest, held) = DocumentFolds.Split(own, 5, 0);
        }
        // No text of the evaluation set is trained on, whichever document or file it also comes from.
        var heldTexts = held.Select(p => p.Text).ToHashSet(StringComparer.Ordinal);
        var training = rest.Concat(request.ExtraTrainingData).Where(p => !heldTexts.Contains(p.Text))
            .DistinctBy(p => p.Text).ToArray();
        return (training, held);
    }

    private static IReadOnlyDictionary<string, object?> JsonValuesOf(JsonElement e) => Text.JsonValues.ToDictionary(e);
}
