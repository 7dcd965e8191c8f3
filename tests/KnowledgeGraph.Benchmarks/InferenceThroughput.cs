using System.Diagnostics;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Benchmarks;

/// <summary>Inference throughput of each classifier type over the 1,965 real text blocks: the keyword classifier and the
/// two learned types (trained on Q787, the passage classifier with <see cref="PassageDataset"/>'s negatives), in process
/// and through the worker as the cmdlets use it. Median of the runs, after a warm-up run.</summary>
internal static class InferenceThroughput
{
    public static int Run(string[] args)
    {
        var o = new Options(args);
        var data = o.Get("data", Path.Combine("..", "shared", "data"));
        var worker = o.Get("worker", "");
        var runs = o.GetInt("runs", 5);
        Devices.Prepare(42, 0);
        var cpu = Devices.Resolve("Cpu");
        var q787 = PassageDataset.Q787(data);
        var texts = PassageDataset.FeedTexts(data);

        var negatives = PassageDataset.SilverNegatives(data, q787.LabelledPassages.Select(p => p.Text).ToArray()).Take(o.GetInt("negatives", 0)).ToArray();
        LearnedTrainingInput Input(IReadOnlyList<LabelledPassage> training) => new()
        {
            Concept = q787, Training = training, Seed = 42, Device = cpu, TrainingDataSha256 = ModelFiles.DataHash(training),
        };
        var (tagger, taggerReport) = LearnedTypes.Get("SpanTagger").Train(Input([.. q787.LabelledPassages, .. negatives]), null, CancellationToken.None);
        var (passages, passagesReport) = LearnedTypes.Get("PassageClassifier").Train(Input(PassageDataset.Build(data, q787)), null, CancellationToken.None);
        Console.WriteLine($"throughput: {texts.Length} text blocks; span tagger and passage classifier trained on Q787 ({negatives.Length} silver negatives added to the span tagger's) in {taggerReport.Duration.TotalSeconds:F1} s and {passagesReport.Duration.TotalSeconds:F1} s");
        using (tagger)
        using (passages)
        {
            Measure("keyword (in process)", new KeywordClassifier(q787), texts, runs);
            Measure("span tagger (in process)", tagger, texts, runs);
            Measure("passage classifier (in process)", passages, texts, runs);
            foreach (IClassifier model in new IClassifier[] { tagger, passages })
            {
                var report = model == tagger ? taggerReport : passagesReport;
                var (card, weights) = ModelCard.Save((ILearnedModel)model, model == tagger ? "SpanTagger" : "PassageClassifier", 42, "benchmark", report.ToSummary(42, 0), null);
                using var viaWorker = new WorkerClassifier(worker, model.Id, model.Name, new Dictionary<string, byte[]> { [ModelFiles.Model] = card, [ModelFiles.Weights] = weights }, "Cpu");
                Measure($"{(model == tagger ? "span tagger" : "passage classifier")} (through the worker)", viaWorker, texts, runs);
            }
        }
        return 0;
    }

    private static void Measure(string name, IClassifier classifier, string[] texts, int runs)
    {
        var predictions = classifier.Predict(texts); // warm-up
        var spans = predictions.Sum(p => p.Count);
        var hit = predictions.Select((p, i) => (p, i)).Where(x => x.p.Count > 0).Select(x => texts[x.i]).ToArray();
        var noStem = hit.Where(t => !PassageDataset.ForestStem().IsMatch(t)).ToArray();
        var rates = new List<double>();
        for (var r = 0; r < runs; r++)
        {
            var clock = Stopwatch.StartNew();
            classifier.Predict(texts);
            rates.Add(texts.Length / clock.Elapsed.TotalSeconds);
        }
        rates.Sort();
        Console.WriteLine($"throughput: {name}: median {rates[rates.Count / 2]:N0} passages/s (min {rates[0]:N0}, max {rates[^1]:N0}); {spans} spans in {hit.Length} blocks, {noStem.Length} of them without any forest-related word ({noStem.Count(t => t.Length < 60)} of those shorter than 60 characters)");
    }
}
