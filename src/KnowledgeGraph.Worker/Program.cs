using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using KnowledgeGraph;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Training;

// The training worker. Requests arrive as JSON lines on stdin and are handled one at a time; a reader thread watches
// for "cancel" meanwhile. Every response is one JSON line on stdout (WorkerProtocol). Ends when stdin closes.
var output = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false)) { AutoFlush = true };
var requests = new BlockingCollection<JsonElement>();
CancellationTokenSource current = new();
void Send(string line)
{
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
            var request = JsonDocument.Parse(line).RootElement.Clone();
            if (request.GetProperty("kind").GetString() == WorkerProtocol.Cancel)
            {
                current.Cancel();
            }
            else
            {
                requests.Add(request);
            }
        }
        catch (JsonException e)
        {
            Send(WorkerProtocol.Error("InvalidWorkerRequest", nameof(KgErrorKind.InvalidData), $"The worker received a line that is not JSON: {e.Message}"));
        }
    }
    current.Cancel(); // the client went away: stop whatever runs
    requests.CompleteAdding();
}) { IsBackground = true };
reader.Start();

IClassifier? loaded = null;
foreach (var request in requests.GetConsumingEnumerable())
{
    current = new CancellationTokenSource();
    try
    {
        switch (request.GetProperty("kind").GetString())
        {
            case WorkerProtocol.Train:
                Send(Worker.Train(request, Send, current.Token));
                break;
            case WorkerProtocol.Load:
                (loaded as IDisposable)?.Dispose();
                var device = Devices.Resolve(request.GetProperty("device").GetString());
                var card = request.GetProperty("card").GetString()!;
                loaded = KnowledgeGraph.Training.LearnedModelFiles.Load(File.ReadAllBytes(card), File.ReadAllBytes(request.GetProperty("weights").GetString()!),
                    request.GetProperty("classifier_id").GetString()!, device, request.GetProperty("classifier_id").GetString()!);
                Send(WorkerProtocol.Line(w =>
                {
                    w.WriteString("type", "loaded");
                    w.WriteString("classifier_id", loaded.Id);
                    w.WriteString("device", Devices.Name(device));
                }));
                break;
            case WorkerProtocol.Predict:
                var model = loaded ?? throw new KgException("NoModelLoaded", KgErrorKind.InvalidOperation, "Predict was asked before a model was loaded.");
                var texts = request.GetProperty("texts").EnumerateArray().Select(t => t.GetString() ?? "").ToArray();
                var predictions = model.Predict(texts);
                Send(WorkerProtocol.Line(w =>
                {
                    w.WriteString("type", "predictions");
                    w.WriteStartArray("spans");
                    foreach (var spans in predictions)
                    {
                        w.WriteStartArray();
                        foreach (var s in spans)
                        {
                            w.WriteStartObject();
                            w.WriteNumber("start", s.StartIndex);
                            w.WriteNumber("end", s.EndIndex);
                            if (s.PredictionProbability is { } p) w.WriteNumber("probability", p);
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                    }
                    w.WriteEndArray();
                }));
                break;
            default:
                Send(WorkerProtocol.Error("InvalidWorkerRequest", nameof(KgErrorKind.InvalidArgument), $"Unknown request kind '{request.GetProperty("kind").GetString()}'."));
                break;
        }
    }
    catch (OperationCanceledException)
    {
        Send(WorkerProtocol.Line(w => w.WriteString("type", "cancelled")));
    }
    catch (KgException e)
    {
        Send(WorkerProtocol.Error(e.ErrorId, e.Kind.ToString(), e.Message));
    }
    catch (Exception e)
    {
        Send(WorkerProtocol.Error("WorkerError", nameof(KgErrorKind.InvalidOperation), $"{e.GetType().Name}: {e.Message}"));
    }
}
(loaded as IDisposable)?.Dispose();
return 0;

/// <summary>The handling of a train request.</summary>
internal static class Worker
{
    public static string Train(JsonElement request, Action<string> send, CancellationToken cancellationToken)
    {
        var concept = ConceptJson.ReadConcept(request.GetProperty("concept"), "the training request's concept");
        var training = WorkerProtocol.ReadPassages(request, "training");
        var evaluation = WorkerProtocol.ReadPassages(request, "evaluation");
        var type = Enum.Parse<ClassifierType>(request.GetProperty("type").GetString()!);
        var seed = request.GetProperty("seed").GetInt32();
        int? epochs = request.TryGetProperty("epochs", out var e) ? e.GetInt32() : null;
        var outputFolder = request.GetProperty("output").GetString()!;
        Devices.Prepare(seed, request.GetProperty("threads").GetInt32());
        var device = Devices.Resolve(request.GetProperty("device").GetString());
        void Progress(EpochReport r, string metric) =>
            send(WorkerProtocol.Progress(r.Epoch, r.Epochs, r.Loss, r.ValidationScore, metric, r.Seconds, r.WorkingSetBytes));

        IClassifier model;
        TrainingReport report;
        JsonElement settings;
        if (type == ClassifierType.SpanTagger)
        {
            var s = new SpanTaggerSettings();
            if (epochs is { } n) s = s.WithEpochLimit(n);
            (var tagger, report) = SpanTagger.Train(concept, training, s, seed, device, r => Progress(r, "Span@0.5 F1"), cancellationToken);
            (model, settings) = (tagger, JsonSerializer.SerializeToElement(s));
        }
        else if (type == ClassifierType.PassageClassifier)
        {
            var s = new PassageClassifierSettings();
            if (epochs is { } n) s = s.WithEpochLimit(n);
            (var passages, report) = PassageClassifier.Train(concept, training, s, seed, device, r => Progress(r, "Passage F1"), cancellationToken);
            (model, settings) = (passages, JsonSerializer.SerializeToElement(s));
        }
        else
        {
            throw new KgException("InvalidClassifierType", KgErrorKind.InvalidArgument, $"The worker trains SpanTagger and PassageClassifier, not {type}.", type);
        }
        using (model as IDisposable)
        {
            var clock = Stopwatch.StartNew();
            var rows = evaluation.Count > 0 ? ClassifierEvaluator.Evaluate(model, evaluation) : [];
            var evaluationSeconds = clock.Elapsed.TotalSeconds;
            var (card, weights) = KnowledgeGraph.Training.LearnedModelFiles.Save(model, seed, ModelFiles.DataHash(training), report);
            Directory.CreateDirectory(outputFolder);
            File.WriteAllBytes(Path.Combine(outputFolder, ModelFiles.Model), card);
            File.WriteAllBytes(Path.Combine(outputFolder, ModelFiles.Weights), weights);
            using var self = Process.GetCurrentProcess();
            return WorkerProtocol.Line(w =>
            {
                w.WriteString("type", "trained");
                w.WriteString("classifier_id", model.Id);
                w.WriteString("classifier_name", model.Name);
                w.WriteString("device", report.Device);
                w.WritePropertyName("settings");
                settings.WriteTo(w);
                WorkerProtocol.WriteEvaluation(w, rows);
                w.WriteNumber("evaluation_seconds", evaluationSeconds);
                w.WriteStartObject("report");
                w.WriteNumber("seconds", report.Duration.TotalSeconds);
                report.WriteSummary(w, (model as SpanTagger)?.Threshold);
                w.WriteNumber("peak_working_set_bytes", Math.Max(report.PeakWorkingSetBytes, self.PeakWorkingSet64));
                w.WriteNumber("seed", seed);
                w.WriteNumber("threads", TorchSharp.torch.get_num_threads());
                w.WriteString("torchsharp", KnowledgeGraph.Training.LearnedModelFiles.TorchSharpVersion);
                w.WriteStartArray("epochs");
                foreach (var r in report.Epochs)
                {
                    w.WriteStartObject();
                    w.WriteNumber("epoch", r.Epoch);
                    w.WriteNumber("loss", r.Loss);
                    w.WriteNumber("validation", r.ValidationScore);
                    w.WriteNumber("seconds", r.Seconds);
                    w.WriteNumber("working_set_bytes", r.WorkingSetBytes);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
    }
}
