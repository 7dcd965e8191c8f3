using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Corpus;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Benchmarks;

/// <summary>The Q787 span benchmark of original-models.md §7.3: 5 folds grouped by document (fold = SHA-256 of the
/// document ID mod 5), each the test set once, trained on the other four; fold 0 is the fixed held-out fold. The keyword
/// classifier and a gazetteer (the concept's labels plus the training folds' gold strings, matched by the keyword
/// engine) run in process; the span tagger trains in the real training worker, which also reports its time per fold,
/// its peak memory and its working set per epoch. Nothing is tuned on a test fold.</summary>
internal static class Q787Benchmark
{
    private static readonly string[] Levels = ["Span@0.5", "Character", "Span@0.9", "Span@0", "Passage"];

    public static async Task<int> RunAsync(string[] args)
    {
        var o = new Options(args);
        var data = o.Get("data", Path.Combine("..", "shared", "data"));
        var worker = o.Get("worker", "");
        var seeds = o.Get("seeds", "42,43,44").Split(',').Select(int.Parse).ToArray();
        var concept = PassageDataset.Q787(data);
        // --negatives N: the span tagger also learns from N silver negatives (never in a test fold; see PassageDataset).
        var negatives = PassageDataset.SilverNegatives(data, concept.LabelledPassages.Select(p => p.Text).ToArray()).Take(o.GetInt("negatives", 0)).ToArray();
        // --corpus a,b: the span tagger also draws negatives from these corpus files (sampled per fold, as Invoke-KgTraining -CorpusPath does).
        // --settings JSON: span tagger hyper-parameters to change from its defaults.
        var overrides = o.Get("settings", "") is { Length: > 0 } json ? System.Text.Json.JsonDocument.Parse(json).RootElement : (System.Text.Json.JsonElement?)null;
        var corpusPaths = o.Get("corpus", "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(c => Path.IsPathRooted(c) ? c : Path.Combine(data, c)).ToArray();
        var folds = concept.LabelledPassages.GroupBy(p => DocumentFolds.Fold(p, 5)).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.ToArray());
        Console.WriteLine($"q787: {concept.LabelledPassages.Count} passages; test fold sizes {string.Join("/", folds.Values.Select(f => f.Length))}; span tagger seeds {string.Join(",", seeds)}; {negatives.Length} silver negatives added to its training folds; corpus: {(corpusPaths.Length == 0 ? "none" : string.Join(", ", corpusPaths))}");

        var scores = new Dictionary<string, List<(int Fold, Dictionary<string, double> F1)>>();
        void Add(string system, int fold, IReadOnlyList<EvaluationRow> rows)
        {
            if (!scores.TryGetValue(system, out var list)) scores[system] = list = [];
            list.Add((fold, rows.Where(r => r.Group == Evaluator.AllGroup).ToDictionary(r => r.Level, r => r.F1)));
        }
        var seconds = new List<double>();
        var peaks = new List<long>();
        var growth = new List<double>();
        for (var k = 0; k < 5; k++)
        {
            var test = folds[k];
            var train = folds.Where(f => f.Key != k).SelectMany(f => f.Value).ToArray();
            var gold = Evaluator.GoldStandard(test);
            Add("keyword", k, Score(new KeywordClassifier(concept), gold));
            var strings = Evaluator.GoldStandard(train).SelectMany(p => p.Spans).Select(s => s.LabelledText.Trim()).Where(s => s.Length > 0).Distinct();
            Add("gazetteer", k, Score(new KeywordClassifier(new Concept(concept.PreferredLabel, concept.AlternativeLabels.Concat(strings), wikibaseId: concept.WikibaseId)), gold));
            foreach (var seed in seeds)
            {
                var fold = (IReadOnlyList<LabelledPassage>)[.. train, .. negatives];
                var sampling = System.Diagnostics.Stopwatch.StartNew();
                var corpus = corpusPaths.Length == 0 ? null : CorpusSampler.Sample(corpusPaths, concept, fold,
                    concept.LabelledPassages.Select(p => p.Text).ToHashSet(StringComparer.Ordinal), seed);
                var samplingSeconds = sampling.Elapsed.TotalSeconds;
                var result = await TrainInWorker(worker, new TrainRequest
                {
                    ClassifierType = ClassifierType.SpanTagger.Name, Concept = concept, Training = fold, Evaluation = test, Corpus = corpus,
                    Device = "Cpu", Seed = seed, Output = "", Settings = overrides,
                });
                var report = result.Report;
                var rows = Rows(result.Evaluation);
                Add("span tagger", k, rows);
                var epochs = report.Epochs.Select(e => e.WorkingSetBytes).ToArray();
                seconds.Add(report.Seconds);
                peaks.Add(report.PeakWorkingSetBytes);
                growth.Add((epochs[^1] - epochs[Math.Min(4, epochs.Length - 1)]) / 1048576.0);
                var at05 = rows.Single(r => r.Level == "Span@0.5");
                Console.WriteLine($"q787: fold {k} seed {seed}: span@0.5 {at05.F1:F3} (P {at05.Precision:F3} R {at05.Recall:F3}), char {rows.Single(r => r.Level == "Character").F1:F3}; " +
                    $"best epoch {report.BestEpoch}/{epochs.Length}, threshold {report.Threshold:F2}; {seconds[^1]:F1} s" +
                    (corpus is null ? "" : $" (+{samplingSeconds:F1} s sampling; {report.CorpusNegatives} corpus negatives, {report.HardNegatives} hard)") +
                    $"; worker peak {peaks[^1] / 1048576} MB, working set epoch 5 → last {growth[^1]:+0;-0} MB");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"system",-12} {string.Join(" ", Levels.Select(l => $"{l,-15}"))}  (mean ± sd over the 5 test folds{(seeds.Length > 1 ? $" × {seeds.Length} seeds" : "")})");
        foreach (var (system, list) in scores)
        {
            Console.WriteLine($"{system,-12} {string.Join(" ", Levels.Select(l => MeanSd(list.Select(r => r.F1[l]).ToArray())))}");
        }
        foreach (var (system, list) in scores)
        {
            Console.WriteLine($"{system,-12} span@0.5 per test fold: {string.Join("  ", Enumerable.Range(0, 5).Select(k => $"{k}: {list.Where(r => r.Fold == k).Average(r => r.F1["Span@0.5"]):F3}"))}");
        }
        Console.WriteLine($"span tagger in the worker: training per fold mean {seconds.Average():F1} s, max {seconds.Max():F1} s; peak working set max {peaks.Max() / 1048576} MB; working set change from epoch 5 to the last: mean {growth.Average():+0.0;-0.0} MB, max {growth.Max():+0.0;-0.0} MB");
        return 0;
    }

    /// <summary>Trains in a fresh worker process, as the cmdlets do, evaluating on the request's evaluation passages; the
    /// answer holds the report and the evaluation (the model files go to a temporary folder, deleted after).</summary>
    internal static async Task<TrainedMessage> TrainInWorker(string worker, TrainRequest request)
    {
        var output = Directory.CreateTempSubdirectory("kg-bench-").FullName;
        try
        {
            using var process = WorkerProcess.Start(worker);
            return await process.SendAsync<TrainedMessage>(request with { Output = output }, null, CancellationToken.None);
        }
        finally
        {
            Directory.Delete(output, true);
        }
    }

    internal static IReadOnlyList<EvaluationRow> Score(IClassifier classifier, IReadOnlyList<LabelledPassage> gold)
    {
        var predictions = classifier.Predict(gold.Select(p => p.Text).ToArray());
        return Evaluator.Evaluate(gold, gold.Select((p, i) => p.WithSpans(predictions[i])).ToArray());
    }

    internal static IReadOnlyList<EvaluationRow> Rows(JsonElement evaluation) => evaluation.EnumerateArray()
        .Select(e => new EvaluationRow(e.GetProperty("group").GetString()!, e.GetProperty("level").GetString()!, new ConfusionMatrix(
            e.GetProperty("true_positives").GetInt64(), e.GetProperty("false_positives").GetInt64(),
            e.GetProperty("true_negatives").GetInt64(), e.GetProperty("false_negatives").GetInt64())))
        .ToArray();

    internal static string MeanSd(double[] values)
    {
        var mean = values.Average();
        var sd = values.Length > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1)) : 0;
        return $"{mean:F3} ± {sd:F3}  ";
    }
}
