using System.Globalization;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Corpus;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;

namespace KnowledgeGraph.Training;

/// <summary>Trains a learned classifier in a worker process. The concept's human-labelled passages are split by
/// document: one fold in five (the Q787 protocol's fold 0) is held out for evaluation and never trained on; any
/// training passage (the concept's own or extra data) whose text is in the held-out set is dropped, as the original
/// de-duplicated by text. With a corpus, negatives are drawn from it first (<see cref="CorpusSampler"/>), in this
/// process, streaming, before the worker starts.</summary>
public sealed class LearnedTrainer(string workerPath) : IClassifierTrainer
{
    public async Task<TrainedModel> TrainAsync(TrainingRequest request, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var (training, evaluation) = Split(request);
        TrainingDataCheck.Check(request.Type, request.Concept, training, request.CorpusPaths.Count > 0);
        CorpusSample? corpus = null;
        if (request.CorpusPaths.Count > 0)
        {
            progress?.Report(WorkProgress.Step($"Reading the corpus ({string.Join(", ", request.CorpusPaths)})", 0));
            var labelledTexts = request.Concept.LabelledPassages.Concat(training).Concat(evaluation).Select(p => p.Text).ToHashSet(StringComparer.Ordinal);
            corpus = await Task.Run(() => CorpusSampler.Sample(request.CorpusPaths, request.Concept, training, labelledTexts,
                request.Options.Seed, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
            var s = corpus.Summary;
            progress?.Report(WorkProgress.Message(string.Create(CultureInfo.InvariantCulture,
                $"Corpus: {s.PassagesRead:N0} passages read in {s.Seconds:F1} s; {s.PossibleMentions:N0} may mention {request.Concept.WikibaseId} (rate {s.Prior:P1}) and are never negatives; {s.NegativesDrawn:N0} negatives, {s.MiningPool + s.NearMisses:N0} to mine for hard negatives ({s.NearMisses:N0} near misses) and {s.ValidationNegatives:N0} for validation drawn.")));
            if (s.MalformedLines > 0)
            {
                progress?.Report(WorkProgress.Warn($"The corpus has {s.MalformedLines} malformed lines, skipped; the first: {s.FirstProblems.FirstOrDefault()}"));
            }
        }
        var output = Directory.CreateTempSubdirectory("kg-train-").FullName;
        try
        {
            progress?.Report(WorkProgress.Step($"Starting the training worker ({request.Type}, {training.Count} training passages)", 0));
            using var worker = WorkerProcess.Start(workerPath);
            var trainRequest = new TrainRequest
            {
                ClassifierType = request.Type.Name,
                Concept = request.Concept,
                Training = training,
                Evaluation = evaluation,
                Corpus = corpus is null ? null : corpus,
                Device = request.Options.Device,
                Seed = request.Options.Seed,
                Threads = request.Options.Threads,
                Epochs = request.Options.Epochs,
                Output = output,
            };
            var result = await worker.SendAsync<TrainedMessage>(trainRequest, p => progress?.Report(WorkProgress.Step(
                p.Phase is { } phase
                    ? $"Training {request.Type} for {request.Concept.WikibaseId}: {phase}"
                    : $"Training {request.Type} for {request.Concept.WikibaseId}: epoch {p.Epoch} of at most {p.Epochs}",
                p.Epoch, p.Epochs,
                string.Create(CultureInfo.InvariantCulture, $"loss {p.Loss:F4}, validation {p.Metric} {p.Validation:F3}, {p.WorkingSet / (1024 * 1024)} MB"))),
                cancellationToken).ConfigureAwait(false);

            var evaluationRows = ModelFiles.ReadEvaluationFile(
                System.Text.Encoding.UTF8.GetBytes(result.Evaluation.GetRawText()), request.Concept.WikibaseId, result.ClassifierId, result.ClassifierName);
            var run = new RunRecord
            {
                Type = request.Type,
                ClassifierName = result.ClassifierName,
                ClassifierId = result.ClassifierId,
                Concept = request.Concept,
                Parameters = Text.JsonValues.ToDictionary(result.Settings),
                TrainingData = training,
                EvaluationData = evaluation.Count > 0 ? evaluation : null,
                Evaluation = evaluationRows,
                StartedAt = started,
                FinishedAt = DateTimeOffset.UtcNow,
                TrainDuration = TimeSpan.FromSeconds(result.Report.Seconds),
                EvaluateDuration = TimeSpan.FromSeconds(result.EvaluationSeconds),
                Device = result.Device,
                Corpus = corpus?.Summary,
                Details = Text.JsonValues.ToDictionary(WorkerJson.ToElement(result.Report)),
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
                ClassifierId = result.ClassifierId,
                ClassifierName = result.ClassifierName,
                Files = files,
                Evaluation = evaluationRows,
                Device = result.Device,
                TrainingPassages = training.Count,
                EvaluationPassages = evaluation.Count,
                Seed = result.Report.Seed,
                ThreadCount = result.Report.Threads,
                Corpus = corpus?.Summary,
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
}
