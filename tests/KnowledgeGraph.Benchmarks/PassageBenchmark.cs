using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Benchmarks;

/// <summary>Cross-validated passage-level F1 of the PassageClassifier (trained in the worker) and of the keyword
/// classifier, on <see cref="PassageDataset"/>: 5 folds grouped by document.</summary>
internal static class PassageBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var o = new Options(args);
        var data = o.Get("data", Path.Combine("..", "shared", "data"));
        var worker = o.Get("worker", "");
        var q787 = PassageDataset.Q787(data);
        var passages = PassageDataset.Build(data, q787);
        var positives = passages.Count(p => p.IsPositive);
        Console.WriteLine($"passages: {passages.Count} passages, {positives} positive (human), {passages.Count - positives} negative " +
            $"({passages.Count(p => !p.IsPositive && !p.Metadata.ContainsKey("label_source"))} human, {passages.Count(p => p.Metadata.ContainsKey("label_source"))} silver)");
        var concept = q787.WithLabelledPassages([]);
        var folds = passages.GroupBy(p => DocumentFolds.Fold(p, 5)).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.ToArray());
        Console.WriteLine($"passages: test fold sizes {string.Join("/", folds.Values.Select(f => f.Length))}");
        var model = new List<ConfusionMatrix>();
        var keyword = new List<ConfusionMatrix>();
        var seconds = new List<double>();
        for (var k = 0; k < 5; k++)
        {
            var test = folds[k];
            var train = folds.Where(f => f.Key != k).SelectMany(f => f.Value).ToArray();
            var gold = Evaluator.GoldStandard(test);
            keyword.Add(Metrics.PassageLevel(gold, Predicted(new KeywordClassifier(q787), gold)));
            var result = await Q787Benchmark.TrainInWorker(worker, new TrainRequest
            {
                ClassifierType = ClassifierType.PassageClassifier.Name, Concept = concept, Training = train, Evaluation = test, Device = "Cpu", Seed = 42, Output = "",
            });
            var row = Q787Benchmark.Rows(result.Evaluation).Single(r => r.Level == "Passage");
            model.Add(row.Counts);
            seconds.Add(result.Report.Seconds);
            Console.WriteLine($"passages: fold {k}: passage classifier F1 {row.F1:F3} (P {row.Precision:F3} R {row.Recall:F3}); keyword F1 {keyword[^1].F1:F3}; {seconds[^1]:F1} s");
        }
        Console.WriteLine($"passage classifier: passage F1 {Q787Benchmark.MeanSd(model.Select(c => c.F1).ToArray())}(P {model.Average(c => c.Precision):F3}, R {model.Average(c => c.Recall):F3}); training per fold mean {seconds.Average():F1} s");
        Console.WriteLine($"keyword:            passage F1 {Q787Benchmark.MeanSd(keyword.Select(c => c.F1).ToArray())}(P {keyword.Average(c => c.Precision):F3}, R {keyword.Average(c => c.Recall):F3})");
        return 0;
    }

    private static LabelledPassage[] Predicted(IClassifier classifier, IReadOnlyList<LabelledPassage> gold)
    {
        var predictions = classifier.Predict(gold.Select(p => p.Text).ToArray());
        return gold.Select((p, i) => p.WithSpans(predictions[i])).ToArray();
    }
}
