using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using KnowledgeGraph;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Training;

// The training worker. Requests arrive as JSON lines on stdin and are handled one at a time; a reader thread watches
// for "cancel" meanwhile. Every response is one JSON line on stdout (WorkerJson). Ends when stdin closes.
var output = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false)) { AutoFlush = true };
var requests = new BlockingCollection<WorkerRequest>();
var current = new CancellationTokenSource();
void Send(WorkerResponse response)
{
    var line = WorkerJson.Line(response);
    lock (output)
    {
        output.WriteLine(line);
    }
}

var reader = new Thread(() =>
{
    string? line;
    while ((line = Console.In.ReadLine()) is not null)
    {
        try
        {
            var request = WorkerJson.ReadRequest(line);
            if (request is CancelRequest)
            {
                current.Cancel();
            }
            else
            {
                requests.Add(request);
            }
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or KgException)
        {
            Send(new ErrorMessage("InvalidWorkerRequest", nameof(KgErrorKind.InvalidData), $"The worker received a line that is not a request: {e.Message}"));
        }
    }
    current.Cancel(); // the client went away: stop whatever runs
    requests.CompleteAdding();
}) { IsBackground = true };
reader.Start();

ILearnedModel? loaded = null;
foreach (var request in requests.GetConsumingEnumerable())
{
    current = new CancellationTokenSource();
    try
    {
        switch (request)
        {
            case TrainRequest train:
                Send(Worker.Train(train, Send, current.Token));
                break;
            case LoadRequest load:
                loaded?.Dispose();
                var device = Devices.Resolve(load.Device);
                loaded = ModelCard.Load(File.ReadAllBytes(load.Card), File.ReadAllBytes(load.Weights), load.ClassifierId, device, load.ClassifierId);
                Send(new LoadedMessage(loaded.Id, Devices.Name(device), loaded.Threshold));
                break;
            case PredictRequest predict:
                var model = loaded ?? throw new KgException("NoModelLoaded", KgErrorKind.InvalidOperation, "Predict was asked before a model was loaded.");
                var (spans, scores) = model.Score(predict.Texts);
                Send(new PredictionsMessage(
                    spans.Select(s => (IReadOnlyList<SpanPrediction>)s.Select(x => new SpanPrediction(x.StartIndex, x.EndIndex, x.PredictionProbability)).ToArray()).ToArray(),
                    scores));
                break;
            default:
                Send(new ErrorMessage("InvalidWorkerRequest", nameof(KgErrorKind.InvalidArgument), $"Unknown request {request.GetType().Name}."));
                break;
        }
    }
    catch (OperationCanceledException)
    {
        Send(new CancelledMessage());
    }
    catch (KgException e)
    {
        Send(new ErrorMessage(e.ErrorId, e.Kind.ToString(), e.Message));
    }
    catch (Exception e)
    {
        Send(new ErrorMessage("WorkerError", nameof(KgErrorKind.InvalidOperation), $"{e.GetType().Name}: {e.Message}"));
    }
}
loaded?.Dispose();
return 0;

/// <summary>The handling of a train request: the type's training, the evaluation on the held-out passages, the files.</summary>
internal static class Worker
{
    public static TrainedMessage Train(TrainRequest request, Action<WorkerResponse> send, CancellationToken cancellationToken)
    {
        var type = LearnedTypes.Get(request.ClassifierType);
        Devices.Prepare(request.Seed, request.Threads);
        var device = Devices.Resolve(request.Device);
        var dataSha256 = ModelFiles.DataHash(request.Training);
        var (model, report) = type.Train(new LearnedTrainingInput
        {
            Concept = request.Concept,
            Training = request.Training,
            Corpus = request.Corpus,
            Seed = request.Seed,
            Device = device,
            Epochs = request.Epochs,
            TrainingDataSha256 = dataSha256,
            Settings = request.Settings,
        }, r => send(new ProgressMessage(r.Epoch, r.Epochs, Finite(r.Loss), Finite(r.ValidationScore), "F1", r.Seconds, r.WorkingSetBytes, r.Phase)),
            cancellationToken);
        using (model)
        {
            var clock = Stopwatch.StartNew();
            var rows = request.Evaluation.Count > 0 ? ClassifierEvaluator.Evaluate(model, request.Evaluation) : [];
            var evaluationSeconds = clock.Elapsed.TotalSeconds;
            using var self = Process.GetCurrentProcess();
            var summary = report.ToSummary(request.Seed, TorchSharp.torch.get_num_threads()) with
            {
                PeakWorkingSetBytes = Math.Max(report.PeakWorkingSetBytes, self.PeakWorkingSet64),
            };
            var (card, weights) = ModelCard.Save(model, request.ClassifierType, request.Seed, dataSha256, summary, request.Corpus?.Summary);
            Directory.CreateDirectory(request.Output);
            File.WriteAllBytes(Path.Combine(request.Output, ModelFiles.Model), card);
            File.WriteAllBytes(Path.Combine(request.Output, ModelFiles.Weights), weights);
            using var evaluation = JsonDocument.Parse(ModelFiles.EvaluationFile(rows));
            return new TrainedMessage
            {
                ClassifierId = model.Id,
                ClassifierName = model.Name,
                Device = summary.Device,
                Settings = model.Settings,
                Evaluation = evaluation.RootElement.Clone(),
                EvaluationSeconds = evaluationSeconds,
                Report = summary,
            };
        }
    }

    private static double Finite(double v) => double.IsFinite(v) ? v : 0;
}
