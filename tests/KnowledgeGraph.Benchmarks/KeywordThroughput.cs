using System.Diagnostics;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;

namespace KnowledgeGraph.Benchmarks;

/// <summary>Q787's keyword classifier over the 1,965 real text blocks, in process: passages per second.</summary>
internal static class KeywordThroughput
{
    public static int Run(string[] args)
    {
        var o = new Options(args);
        var data = o.Get("data", Path.Combine("..", "shared", "data"));
        var runs = o.GetInt("runs", 15);
        var repeat = o.GetInt("repeat", 20);
        var warmup = o.GetInt("warmup", 30);

        var concept = PassageDataset.Q787(data);
        var texts = PassageDataset.FeedTexts(data);
        var classifier = new KeywordClassifier(concept);

        for (var i = 0; i < warmup; i++)
        {
            classifier.Predict(texts);
        }
        var rates = new List<double>();
        for (var r = 0; r < runs; r++)
        {
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < repeat; i++)
            {
                classifier.Predict(texts);
            }
            sw.Stop();
            rates.Add(texts.Length * repeat / sw.Elapsed.TotalSeconds);
        }
        var spans = classifier.Predict(texts).Sum(p => p.Count);
        Console.WriteLine($"keyword: {texts.Length} passages (mean {texts.Average(t => t.Length):F0} chars), {spans} spans found");
        Console.WriteLine($"keyword: {runs} runs x {repeat} passes after {warmup} warm-up passes");
        Console.WriteLine($"keyword: median {Stats.Median(rates):F0} passages/s (min {rates.Min():F0}, max {rates.Max():F0})");
        return 0;
    }
}
