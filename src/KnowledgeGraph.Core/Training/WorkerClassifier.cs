using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Lifecycle;

namespace KnowledgeGraph.Training;

/// <summary>A stored learned model, predicting through a worker process that loads it once and then answers
/// batches of texts. Dispose it to stop the worker.</summary>
public sealed class WorkerClassifier : IScoringClassifier, IDisposable
{
    private const int Batch = 256;
    private readonly WorkerProcess _worker;
    private readonly string _folder;
    private readonly string[] _labellers;

    public WorkerClassifier(string workerPath, string classifierId, string classifierName, IReadOnlyDictionary<string, byte[]> files, string device = "Auto")
    {
        Id = classifierId;
        Name = classifierName;
        using (var card = JsonDocument.Parse(files[ModelFiles.Model]))
        {
            Concept = card.RootElement.TryGetProperty("concept", out var c)
                ? ConceptJson.ReadConcept(c, $"{classifierId} ({ModelFiles.Model})")
                : throw new KgException("ModelMismatch", KgErrorKind.InvalidData, $"The card of {classifierId} has no concept.", classifierId);
        }
        _labellers = [$"{classifierName}(\"{Concept.PreferredLabel}\")"];
        _folder = Directory.CreateTempSubdirectory("kg-model-").FullName;
        var cardPath = Path.Combine(_folder, ModelFiles.Model);
        var weightsPath = Path.Combine(_folder, ModelFiles.Weights);
        File.WriteAllBytes(cardPath, files[ModelFiles.Model]);
        File.WriteAllBytes(weightsPath, files.TryGetValue(ModelFiles.Weights, out var w) ? w : []);
        _worker = WorkerProcess.Start(workerPath);
        try
        {
            var loaded = _worker.SendAsync<LoadedMessage>(new LoadRequest { Card = cardPath, Weights = weightsPath, ClassifierId = classifierId, Device = device },
                null, CancellationToken.None).GetAwaiter().GetResult();
            Device = loaded.Device;
            Threshold = loaded.Threshold;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name { get; }
    public string Id { get; }
    public Concept Concept { get; }
    public string Device { get; }
    public double? Threshold { get; }

    public IReadOnlyList<IReadOnlyList<Span>> Predict(IReadOnlyList<string> texts) => Score(texts).Spans;

    /// <summary>Spans per text, and each text's passage-level score (the probability that it mentions the concept).</summary>
    public (IReadOnlyList<IReadOnlyList<Span>> Spans, IReadOnlyList<float> Scores) Score(IReadOnlyList<string> texts)
    {
        var spans = new List<IReadOnlyList<Span>>(texts.Count);
        var scores = new List<float>(texts.Count);
        var stamp = new[] { Timestamp.Now() };
        for (var start = 0; start < texts.Count; start += Batch)
        {
            var chunk = texts.Skip(start).Take(Batch).ToArray();
            var answer = _worker.SendAsync<PredictionsMessage>(new PredictRequest { Texts = chunk }, null, CancellationToken.None).GetAwaiter().GetResult();
            for (var i = 0; i < chunk.Length; i++)
            {
                var text = chunk[i];
                spans.Add(answer.Spans[i].Select(s => new Span(text, s.Start, s.End, Concept.WikibaseId, _labellers, stamp, s.Probability)).ToArray());
                scores.Add(answer.Scores[i]);
            }
        }
        return (spans, scores);
    }

    public void Dispose()
    {
        _worker?.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
