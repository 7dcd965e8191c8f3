using System.Diagnostics;
using System.Text.Json;
using KnowledgeGraph.Corpus;

namespace KnowledgeGraph.Benchmarks;

/// <summary>What drawing negatives from a corpus costs (issue 8 §5): the time CorpusSampler takes on the real 50,256
/// sentence corpus (plus the feed), and the peak memory of a process that samples a generated 1 GB corpus, streaming.</summary>
internal static class CorpusCost
{
    public static int Run(string[] args)
    {
        var o = new Options(args);
        var data = o.Get("data", Path.Combine("..", "shared", "data"));
        var mode = o.Get("mode", "time");
        var q787 = PassageDataset.Q787(data);
        var labelled = q787.LabelledPassages.Select(p => p.Text).ToHashSet(StringComparer.Ordinal);
        if (mode == "time")
        {
            string[] paths = [Path.Combine(data, "corpus", "gst-sentences.jsonl.gz"), Path.Combine(data, "documents", "document_passage.json")];
            var seconds = new List<double>();
            CorpusSample? sample = null;
            for (var run = 0; run < o.GetInt("runs", 5); run++)
            {
                var clock = Stopwatch.StartNew();
                sample = CorpusSampler.Sample(paths, q787, q787.LabelledPassages, labelled, 42);
                seconds.Add(clock.Elapsed.TotalSeconds);
            }
            var s = sample!.Summary;
            Console.WriteLine($"corpus-cost: sampling {s.PassagesRead:N0} passages ({string.Join(" + ", s.Files.Select(f => $"{f.Bytes / 1e6:F1} MB {Path.GetFileName(f.Path)}"))}): " +
                $"median {Stats.Median(seconds):F2} s (min {seconds.Min():F2}, max {seconds.Max():F2}) over {seconds.Count} runs; {s.NegativesDrawn} negatives, {s.MiningPool} mining pool ({s.NearMisses} near misses), {s.ValidationNegatives} validation");
            return 0;
        }
        // mode big: a generated corpus of about --gigabytes GB of JSON lines (reused when it exists).
        var path = o.Get("path", Path.Combine(Path.GetTempPath(), "kg-big-corpus.jsonl"));
        var target = (long)(double.Parse(o.Get("gigabytes", "1"), System.Globalization.CultureInfo.InvariantCulture) * 1e9);
        if (!File.Exists(path) || new FileInfo(path).Length < target)
        {
            Generate(path, target, data);
        }
        var before = Process.GetCurrentProcess().PeakWorkingSet64;
        var timer = Stopwatch.StartNew();
        var big = CorpusSampler.Sample([path], q787, q787.LabelledPassages, labelled, 42);
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        Console.WriteLine($"corpus-cost: sampling a {new FileInfo(path).Length / 1e9:F2} GB corpus ({big.Summary.PassagesRead:N0} passages) took {timer.Elapsed.TotalSeconds:F1} s; " +
            $"peak working set of the process {self.PeakWorkingSet64 / 1048576} MB (before sampling {before / 1048576} MB); {big.Summary.NegativesDrawn + big.Summary.MiningPool + big.Summary.ValidationNegatives} passages kept");
        return 0;
    }

    /// <summary>Writes real GST sentences again and again, each with a counter so that every line is a distinct passage.</summary>
    private static void Generate(string path, long bytes, string data)
    {
        var sentences = new CorpusReader().Read(CorpusReader.ResolveFiles([Path.Combine(data, "corpus", "gst-sentences.jsonl.gz")])).Select(p => p.Text).ToArray();
        using var writer = new StreamWriter(path);
        long written = 0;
        for (var i = 0L; written < bytes; i++)
        {
            var line = JsonSerializer.Serialize(new { id = $"g{i}", text = $"{sentences[i % sentences.Length]} ({i})", document_id = $"gen{i / 50}" });
            writer.WriteLine(line);
            written += line.Length + 1;
        }
    }
}
