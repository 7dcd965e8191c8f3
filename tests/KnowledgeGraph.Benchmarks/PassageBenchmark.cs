using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Benchmarks;

/// <summary>Cross-validated passage-level F1 of learned passage-level types (--types, trained in the worker; the
/// PassageClassifier by default) and of the keyword classifier, on <see cref="PassageDataset"/>: 5 folds grouped by document.</summary>
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
        var types = o.Get("types", ClassifierType.PassageClassifier.Name).Split(',');
        var keyword = Enumerable.Range(0, 5).Select(k => Metrics.PassageLevel(Evaluator.GoldStandard(folds[k]), Predicted(new KeywordClassifier(q787), Evaluator.GoldStandard(folds[k])))).ToList();
        foreach (var type in types)
        {
            var model = new List<ConfusionMatrix>();
            var seconds = new List<double>();
            for (var k = 0; k < 5; k++)
            {
                var test = folds[k];
                var train = folds.Where(f => f.Key != k).SelectMany(f => f.Value).ToArray();
                var result = await Q787Benchmark.TrainInWorker(worker, new TrainRequest
                {
                    ClassifierType = type, Concept = concept, Training = train, Evaluation = test, Device = "Cpu", Seed = 42, Output = "",
                });
                var row = Q787Benchmark.Rows(result.Evaluation).Single(r => r.Level == "Passage");
                model.Add(row.Counts);
                seconds.Add(result.Report.Seconds);
                Console.WriteLine($"passages: fold {k}: {type} F1 {row.F1:F3} (P {row.Precision:F3} R {row.Recall:F3}); keyword F1 {keyword[k].F1:F3}; {seconds[^1]:F1} s");
            }
            Console.WriteLine($"{type}: passage F1 {Q787Benchmark.MeanSd(model.Select(c => c.F1).ToArray())}(P {model.Average(c => c.Precision):F3}, R {model.Average(c => c.Recall):F3}); training per fold mean {seconds.Average():F1} s");
        }
        Console.WriteLine($"keyword:            passage F1 {Q787Benchmark.MeanSd(keyword.Select(c => c.F1).ToArray())}(P {keyword.Average(c => c.Precision):F3}, R {keyword.Average(c => c.Recall):F3})");
        return 0;
    }

    private static LabelledPassage[] Predicted(IClassifier classifier, IReadOnlyList<LabelledPassage> gold)
    {
        var predictions = classifier.Predict(gold.Select(p => p.Text).ToArray());
        return gold.Select((p, i) => p.WithSpans(predictions[i])).ToArray();
    }
}
