using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Training;
using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>The training worker as the module uses it: a real KnowledgeGraph.Worker process.</summary>
public class WorkerTests
{
    private static readonly string Worker = FindWorker();

    private static string FindWorker()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        return Path.Combine(SharedData.RepositoryRoot, "src", "KnowledgeGraph.Worker", "bin", configuration, "net10.0", "KnowledgeGraph.Worker.dll");
    }

    private static TrainingRequest Request(Concept concept, int epochs = 15, string device = "Cpu") => new()
    {
        Concept = concept,
        Type = ClassifierType.SpanTagger,
        Environment = KgEnvironment.Sandbox,
        Options = new LearnedOptions { Device = device, Seed = 1, Threads = 1, Epochs = epochs },
    };

    [Fact]
    public async Task Trains_in_the_worker_relaying_progress_and_returns_the_model_files()
    {
        var progress = new List<WorkProgress>();
        var model = await new LearnedTrainer(Worker).TrainAsync(Request(TrainingData.Concept(80)), new SyncProgress(progress.Add), TestContext.Current.CancellationToken);
        Assert.Equal("SpanTaggerClassifier", model.ClassifierName);
        Assert.Equal("cpu", model.Device);
        Assert.Equal([ModelFiles.Model, ModelFiles.Weights, ModelFiles.Run, ModelFiles.Evaluation], model.Files.Select(f => f.Name));
        Assert.Contains(progress, p => p.Status?.Contains("epoch 1 of", StringComparison.Ordinal) == true && p.Detail?.Contains("loss", StringComparison.Ordinal) == true);
        Assert.Equal(6, model.Evaluation.Count);
        var run = System.Text.Json.JsonDocument.Parse(model.Files.Single(f => f.Name == ModelFiles.Run).Content).RootElement;
        Assert.Equal("cpu", run.GetProperty("device").GetString());
        Assert.Equal(1, run.GetProperty("details").GetProperty("seed").GetInt32());
        Assert.Equal(1, run.GetProperty("details").GetProperty("threads").GetInt32());
        Assert.Equal((1, 1), (model.Seed, model.ThreadCount));
        Assert.InRange(run.GetProperty("details").GetProperty("epochs").GetArrayLength(), 1, 15); // -MaxEpochs caps
        Assert.True(run.GetProperty("details").GetProperty("epochs").GetArrayLength() > 0);

        var files = model.Files.ToDictionary(f => f.Name, f => f.Content);
        using var classifier = new WorkerClassifier(Worker, model.ClassifierId, model.ClassifierName, files, "Cpu");
        var spans = classifier.Predict(["Last year coastal flooding damaged 9 homes.", "the budget was approved"]);
        Assert.Contains(spans[0], s => s.LabelledText.Contains("flooding", StringComparison.Ordinal));
        Assert.All(spans[0], s => Assert.Equal(["SpanTaggerClassifier(\"flooding\")"], s.Labellers));
    }

    [Fact]
    public async Task Ctrl_C_stops_training_cleanly()
    {
        using var stop = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.Status?.Contains("epoch 2", StringComparison.Ordinal) == true) stop.Cancel(); });
        var training = new LearnedTrainer(Worker).TrainAsync(Request(TrainingData.Concept(80), epochs: 400), progress, stop.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => training);
    }

    [Fact]
    public async Task A_worker_that_dies_is_a_clear_error()
    {
        using var worker = WorkerProcess.Start("/bin/false");
        var e = await Assert.ThrowsAsync<KgException>(() => worker.SendAsync<LoadedMessage>(new LoadRequest { Card = "c", Weights = "w", ClassifierId = "abcd2345" }, null, TestContext.Current.CancellationToken));
        Assert.Equal("WorkerFailed", e.ErrorId);
        Assert.Contains("exit code 1", e.Message);
        Assert.Contains("Nothing was stored", e.Message);
        Assert.Equal("WorkerNotFound", Assert.Throws<KgException>(() => WorkerProcess.Start("/nonexistent/worker")).ErrorId);
    }

    [Fact]
    public async Task Errors_in_the_worker_keep_their_error_id()
    {
        if (TorchSharp.torch.cuda.is_available())
        {
            Assert.Skip("This machine has a CUDA device.");
        }
        var e = await Assert.ThrowsAsync<KgException>(() => new LearnedTrainer(Worker).TrainAsync(Request(TrainingData.Concept(80), device: "Cuda"), null, TestContext.Current.CancellationToken));
        Assert.Equal("CudaUnavailable", e.ErrorId);
        Assert.Equal(KgErrorKind.ResourceUnavailable, e.Kind);
    }

    [Fact]
    public async Task Too_little_data_is_refused_before_any_worker_starts()
    {
        var trainer = new LearnedTrainer("/nonexistent/worker"); // would fail to start: the check must come first
        var few = TrainingData.Concept(12);
        var e = await Assert.ThrowsAsync<KgException>(() => trainer.TrainAsync(Request(few), null, TestContext.Current.CancellationToken));
        Assert.Equal("TooFewPassages", e.ErrorId);
        Assert.Contains("at least 20", e.Message);
        var noPositives = new Concept("flooding", wikibaseId: "Q42", labelledPassages: few.LabelledPassages.Select(p => p.WithSpans([])));
        Assert.Equal("NoPositivePassages", (await Assert.ThrowsAsync<KgException>(() => trainer.TrainAsync(Request(noPositives), null, TestContext.Current.CancellationToken))).ErrorId);
        var onlyPositives = new Concept("flooding", wikibaseId: "Q42", labelledPassages: TrainingData.Concept(80).LabelledPassages.Where(p => p.IsPositive));
        // One-sentence positives have no unlabelled sentences: a passage classifier then has nothing to learn "no" from,
        // unless a corpus gives it negatives.
        var passages = Request(onlyPositives) with { Type = ClassifierType.PassageClassifier };
        var none = await Assert.ThrowsAsync<KgException>(() => trainer.TrainAsync(passages, null, TestContext.Current.CancellationToken));
        Assert.Equal("NoNegativePassages", none.ErrorId);
        Assert.Contains("-CorpusPath", none.Message);
    }

    [Fact]
    public void Evaluation_passages_are_held_out_by_document_and_extra_data_is_deduplicated_against_them()
    {
        var concept = TrainingData.Concept(60);
        var (_, heldOut) = DocumentFolds.Split(concept.LabelledPassages, 5, 0);
        var extra = heldOut.Take(2).Append(new LabelledPassage("Severe flooding again.", [])).ToArray();
        var (training, evaluation) = LearnedTrainer.Split(Request(concept) with { ExtraTrainingData = extra });
        Assert.Equal(heldOut.Select(p => p.Id), evaluation.Select(p => p.Id));
        Assert.Empty(training.Select(p => p.Text).Intersect(evaluation.Select(p => p.Text)));
        Assert.Contains(training, p => p.Text == "Severe flooding again.");
        var noEvaluation = LearnedTrainer.Split(Request(concept) with { Evaluate = false });
        Assert.Empty(noEvaluation.Evaluation);
        Assert.Equal(concept.LabelledPassages.Select(p => p.Text).Distinct().Count(), noEvaluation.Training.Count); // each text once
    }

    private sealed class SyncProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }
}
