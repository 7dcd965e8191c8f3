using System.Diagnostics;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Corpus;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Benchmarks;

/// <summary>Small data (issue 8 §5): a concept with under 100 labelled passages and about 10 positives, with natural
/// negatives. Assembled from the shared data for each draw (seed): 10 of Q787's human-labelled positive passages, and 80
/// text blocks of the document feed that the developer labelled as not about forestry (drawn at random from the
/// labelled blocks); the test set is every other block of the feed with its label (49 relevant ones among them, less
/// those drawn). The learned types draw corpus negatives from the GST sentences only, so no test block is ever seen
/// in training, labelled or not. Passage-level F1 against the keyword classifier on the same test blocks.</summary>
internal static class SmallDataBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var o = new Options(args);
        var data = o.Get("data", Path.Combine("..", "shared", "data"));
        var worker = o.Get("worker", "");
        var labels = LabelKey.Read(o.Get("labels", Path.Combine("tests", "benchmarks", "labels", "q787-document-passage.tsv")));
        var seeds = o.Get("seeds", "1,2,3").Split(',').Select(int.Parse).ToArray();
        var types = o.Get("types", "SpanTagger,PassageClassifier").Split(',');
        var q787 = PassageDataset.Q787(data);
        var feed = new CorpusReader().Read(CorpusReader.ResolveFiles([Path.Combine(data, "documents", "document_passage.json")])).ToArray();
        var corpus = new[] { Path.Combine(data, "corpus", "gst-sentences.jsonl.gz") };
        var scores = types.Append("keyword").ToDictionary(t => t, _ => new List<ConfusionMatrix>());
        foreach (var seed in seeds)
        {
            var random = new Random(seed);
            var positives = q787.LabelledPassages.Where(p => p.IsPositive).OrderBy(_ => random.Next()).Take(10).ToList();
            var negatives = feed.Where(b => labels.GetValueOrDefault(b.Id) == 0).OrderBy(_ => random.Next()).Take(80)
                .Select(b => new LabelledPassage(b.Text, [], b.Id, new Dictionary<string, object?> { ["document_id"] = b.DocumentId + "#" + (KnowledgeGraph.Training.Features.FeatureHasher.Hash(b.Id) % 8) }))
                .ToList();
            var trainIds = negatives.Select(n => n.Id).ToHashSet();
            var test = feed.Where(b => !trainIds.Contains(b.Id)).ToArray();
            var gold = test.Select(b => labels.GetValueOrDefault(b.Id) == 1).ToArray();
            var concept = q787.WithLabelledPassages([.. positives, .. negatives]);
            Console.WriteLine($"small: draw {seed}: {concept.LabelledPassages.Count} labelled passages ({positives.Count} positive, {negatives.Count} natural negatives); test {test.Length} blocks ({gold.Count(g => g)} relevant)");

            var keyword = new KeywordClassifier(concept).Predict(test.Select(b => b.Text).ToArray());
            scores["keyword"].Add(Matrix(gold, keyword));
            foreach (var type in types)
            {
                var clock = Stopwatch.StartNew();
                var sample = CorpusSampler.Sample(corpus, concept, concept.LabelledPassages, concept.LabelledPassages.Select(p => p.Text).ToHashSet(), seed);
                var output = Directory.CreateTempSubdirectory("kg-small-").FullName;
                try
                {
                    using var process = WorkerProcess.Start(worker);
                    var trained = await process.SendAsync<TrainedMessage>(new TrainRequest
                    {
                        ClassifierType = type, Concept = concept, Training = concept.LabelledPassages, Corpus = sample,
                        Device = "Cpu", Seed = seed, Output = output,
                    }, null, CancellationToken.None);
                    var files = new Dictionary<string, byte[]>
                    {
                        [ModelFiles.Model] = File.ReadAllBytes(Path.Combine(output, ModelFiles.Model)),
                        [ModelFiles.Weights] = File.ReadAllBytes(Path.Combine(output, ModelFiles.Weights)),
                    };
                    using var classifier = new WorkerClassifier(worker, trained.ClassifierId, trained.ClassifierName, files, "Cpu");
                    var m = Matrix(gold, classifier.Predict(test.Select(b => b.Text).ToArray()));
                    scores[type].Add(m);
                    Console.WriteLine($"small: draw {seed}: {type}: passage F1 {m.F1:F3} (P {m.Precision:F3}, R {m.Recall:F3}); keyword F1 {scores["keyword"][^1].F1:F3}; trained in {clock.Elapsed.TotalSeconds:F1} s (threshold {trained.Report.Threshold:0.##})");
                }
                finally
                {
                    Directory.Delete(output, true);
                }
            }
        }
        foreach (var (system, list) in scores)
        {
            Console.WriteLine($"small: {system,-18} passage F1 {Q787Benchmark.MeanSd(list.Select(c => c.F1).ToArray())}(P {list.Average(c => c.Precision):F3}, R {list.Average(c => c.Recall):F3}) over {list.Count} draws");
        }
        return 0;
    }

    private static ConfusionMatrix Matrix(bool[] gold, IReadOnlyList<IReadOnlyList<Span>> predictions)
    {
        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < gold.Length; i++)
        {
            var flagged = predictions[i].Count > 0;
            if (flagged && gold[i]) tp++;
            else if (flagged) fp++;
            else if (gold[i]) fn++;
            else tn++;
        }
        return new ConfusionMatrix(tp, fp, tn, fn);
    }
}
