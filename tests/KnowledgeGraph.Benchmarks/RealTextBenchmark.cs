using System.Diagnostics;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Corpus;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Benchmarks;

/// <summary>The learned types on real text (issue 8 §5): each trained on Q787 as Invoke-KgTraining -CorpusPath trains it
/// (fold 0 held out, negatives drawn from the corpus), in the real worker; then run over the 1,965 real text blocks of the
/// document feed through the worker, as Invoke-KgClassifier runs a stored model. Block level: a block is flagged when it
/// gets a span. Precision and recall are exact against the developer's labels of every block
/// (tests/benchmarks/labels/q787-document-passage.tsv; the review-sample estimate is RealText.ps1's job).</summary>
internal static class RealTextBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var o = new Options(args);
        var data = o.Get("data", Path.Combine("..", "shared", "data"));
        var worker = o.Get("worker", "");
        var labels = o.Get("labels", Path.Combine("tests", "benchmarks", "labels", "q787-document-passage.tsv"));
        var types = o.Get("types", "SpanTagger,PassageClassifier").Split(',');
        var seeds = o.Get("seeds", "42").Split(',').Select(int.Parse).ToArray();
        var corpusPaths = o.Get("corpus", "corpus/gst-sentences.jsonl.gz,documents/document_passage.json").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(c => Path.IsPathRooted(c) ? c : Path.Combine(data, c)).ToArray();
        var keep = o.Get("keep", "");
        // --settings '{"SpanTagger":{"NegativesPerEpoch":100},"PassageClassifier":{...}}': hyper-parameters to change.
        var overrides = o.Get("settings", "") is { Length: > 0 } json ? System.Text.Json.JsonDocument.Parse(json).RootElement : (System.Text.Json.JsonElement?)null;
        var q787 = PassageDataset.Q787(data);
        var feedPath = Path.Combine(data, "documents", "document_passage.json");
        var feed = new CorpusReader().Read(CorpusReader.ResolveFiles([feedPath])).ToArray();
        var positives = LabelKey.Positives(labels);
        Console.WriteLine($"realtext: {feed.Length} blocks, {positives.Count} labelled relevant; corpus {string.Join(", ", corpusPaths)}; seeds {string.Join(",", seeds)}");
        Report("keyword", feed, new KeywordClassifier(q787).Predict(feed.Select(b => b.Text).ToArray()), positives);

        var request = new TrainingRequest { Concept = q787, Type = ClassifierType.SpanTagger, Environment = KgEnvironment.Labs };
        var (training, evaluation) = LearnedTrainer.Split(request);
        foreach (var type in types)
        {
            foreach (var seed in seeds)
            {
                var clock = Stopwatch.StartNew();
                var sample = CorpusSampler.Sample(corpusPaths, q787, training,
                    q787.LabelledPassages.Concat(training).Select(p => p.Text).ToHashSet(StringComparer.Ordinal), seed);
                var sampling = clock.Elapsed.TotalSeconds;
                var s = sample.Summary;
                Console.WriteLine($"realtext: {type} seed {seed}: corpus {s.PassagesRead:N0} passages read, {s.PossibleMentions:N0} possible mentions (rate {s.Prior:P1}), {s.NegativesDrawn} negatives, {s.MiningPool} mining pool + {s.NearMisses} near misses, {s.ValidationNegatives} validation; sampling {sampling:F1} s");
                var output = Directory.CreateTempSubdirectory("kg-realtext-").FullName;
                try
                {
                    using var process = WorkerProcess.Start(worker);
                    var result = await process.SendAsync<TrainedMessage>(new TrainRequest
                    {
                        ClassifierType = type, Concept = q787, Training = training, Evaluation = evaluation, Corpus = sample,
                        Device = "Cpu", Seed = seed, Output = output,
                        Settings = overrides is { } all && all.TryGetProperty(type, out var mine) ? mine : null,
                    }, null, CancellationToken.None);
                    var r = result.Report;
                    var rows = Q787Benchmark.Rows(result.Evaluation);
                    Console.WriteLine($"realtext: {type} seed {seed}: trained in {r.Seconds:F1} s (best epoch {r.BestEpoch}/{r.Epochs.Count}); threshold {r.Threshold:0.##} ({r.ThresholdRule}); " +
                        $"{r.CorpusNegatives} corpus negatives, {r.HardNegatives} hard; held-out fold 0: Span@0.5 F1 {rows.Single(x => x.Level == "Span@0.5").F1:F3}, Passage F1 {rows.Single(x => x.Level == "Passage").F1:F3}; peak {r.PeakWorkingSetBytes / 1048576} MB");
                    Console.WriteLine($"realtext: {type} seed {seed}: epochs (s, validation): {string.Join(" ", r.Epochs.Select(e => FormattableString.Invariant($"{e.Seconds:F1}/{e.Validation:F2}")))}");
                    Console.WriteLine($"realtext: {type} seed {seed}: hard negatives, e.g.: {string.Join(" | ", r.HardNegativeExamples.Take(8))}");
                    var files = new Dictionary<string, byte[]>
                    {
                        [ModelFiles.Model] = File.ReadAllBytes(Path.Combine(output, ModelFiles.Model)),
                        [ModelFiles.Weights] = File.ReadAllBytes(Path.Combine(output, ModelFiles.Weights)),
                    };
                    if (keep.Length > 0)
                    {
                        var folder = Path.Combine(keep, $"{type}-{seed}");
                        Directory.CreateDirectory(folder);
                        foreach (var (name, bytes) in files) File.WriteAllBytes(Path.Combine(folder, name), bytes);
                    }
                    using var classifier = new WorkerClassifier(worker, result.ClassifierId, result.ClassifierName, files, "Cpu");
                    var predict = Stopwatch.StartNew();
                    var (spans, _) = classifier.Score(feed.Select(b => b.Text).ToArray());
                    Report($"{type} seed {seed} ({feed.Length / predict.Elapsed.TotalSeconds:N0} blocks/s through the worker)", feed, spans, positives);
                    if (o.Get("sweep", "") == "true")
                    {
                        // The same model with no threshold: how the flagged blocks change with it.
                        var open = System.Text.Json.Nodes.JsonNode.Parse(files[ModelFiles.Model])!;
                        open["threshold"] = 0;
                        using var noThreshold = new WorkerClassifier(worker, result.ClassifierId, result.ClassifierName,
                            new Dictionary<string, byte[]>(files) { [ModelFiles.Model] = System.Text.Encoding.UTF8.GetBytes(open.ToJsonString()) }, "Cpu");
                        var (_, scores) = noThreshold.Score(feed.Select(b => b.Text).ToArray());
                        foreach (var i in Enumerable.Range(0, feed.Length).Where(i => positives.Contains(feed[i].Id)).OrderBy(i => scores[i]).Take(20))
                        {
                            Console.WriteLine(FormattableString.Invariant($"realtext: {type} seed {seed}: relevant block scored {scores[i]:F3}: {Short(feed[i].Text)}"));
                        }
                        foreach (var t in new[] { 0.05, 0.3, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95 })
                        {
                            var hit = Enumerable.Range(0, feed.Length).Where(i => scores[i] > 0 && scores[i] >= t).ToList();
                            var tp = hit.Count(i => positives.Contains(feed[i].Id));
                            Console.WriteLine(FormattableString.Invariant($"realtext: {type} seed {seed}: threshold {t:0.00}: flagged {hit.Count}, precision {(hit.Count == 0 ? 0 : tp / (double)hit.Count):F3}, recall {tp / (double)positives.Count:F3}"));
                        }
                    }
                }
                finally
                {
                    Directory.Delete(output, true);
                }
            }
        }
        return 0;
    }

    private static void Report(string name, IReadOnlyList<CorpusPassage> feed, IReadOnlyList<IReadOnlyList<Span>> predictions, IReadOnlySet<string> positives)
    {
        var flagged = feed.Where((_, i) => predictions[i].Count > 0).ToList();
        var tp = flagged.Count(f => positives.Contains(f.Id));
        Console.WriteLine($"realtext: {name}: flagged {flagged.Count} blocks; TP {tp}; precision {(flagged.Count == 0 ? 0 : tp / (double)flagged.Count):F3}, recall {tp / (double)positives.Count:F3} (exact, against the label key)");
        foreach (var f in flagged.Where(f => !positives.Contains(f.Id)))
        {
            Console.WriteLine($"    false positive {f.Id}: {Short(f.Text)}");
        }
        foreach (var f in feed.Where(f => positives.Contains(f.Id) && !flagged.Contains(f)))
        {
            Console.WriteLine($"    missed {f.Id}: {Short(f.Text)}");
        }
    }

    private static string Short(string text) => text.Length > 110 ? text[..110] + "…" : text;
}

/// <summary>The developer's block-level labels: a TSV of id, label (1/0) and note; blocks not listed are 0.</summary>
internal static class LabelKey
{
    public static IReadOnlyDictionary<string, int> Read(string path) => File.ReadLines(path)
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Select(l => l.Split('\t'))
        .ToDictionary(p => p[0], p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));

    public static IReadOnlySet<string> Positives(string path) => Read(path).Where(kv => kv.Value == 1).Select(kv => kv.Key).ToHashSet();
}
