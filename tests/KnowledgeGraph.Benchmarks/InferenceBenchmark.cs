using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Inference;

namespace KnowledgeGraph.Benchmarks;

/// <summary>The inference benchmark's data and its matching-only reference (tests/benchmarks/Inference.ps1 runs the
/// end-to-end figures through the cmdlet).</summary>
internal static class InferenceBenchmark
{
    /// <summary>Writes the document set (the Global Stocktake sentences grouped by <c>document_id</c> into parser-output
    /// documents, one text block per sentence; <c>--copies N</c> repeats the set under new document IDs) and the 20
    /// keyword concepts: Q787, the 6 concepts of the keyword-conformance set, and 13 written here for the corpus's topics.</summary>
    public static int Data(string[] args)
    {
        var o = new Options(args);
        var data = o.Get("data", Path.Combine("..", "shared", "data"));
        var output = o.Get("out", "inference-benchmark");
        var copies = o.GetInt("copies", 1);

        var documents = Path.Combine(output, copies == 1 ? "documents" : $"documents-x{copies}");
        Directory.CreateDirectory(documents);
        var sentences = ReadCorpus(data);
        var written = 0;
        long blocks = 0;
        foreach (var group in sentences.GroupBy(s => s.DocumentId))
        {
            for (var c = 1; c <= copies; c++)
            {
                var id = c == 1 ? group.Key : $"{group.Key}.copy{c}";
                WriteParserOutput(Path.Combine(documents, id + ".json"), id, group.Select(s => s.Text).ToArray());
                written++;
                blocks += group.Count();
            }
        }
        Console.WriteLine($"inference-data: {written} documents, {blocks} text blocks in {documents}");

        var concepts = Path.Combine(output, "concepts");
        Directory.CreateDirectory(concepts);
        File.Copy(Path.Combine(data, "concepts", "Q787.json"), Path.Combine(concepts, "Q787.json"), overwrite: true);
        foreach (var (id, json) in ConformanceConcepts(data))
        {
            File.WriteAllText(Path.Combine(concepts, id + ".json"), json);
        }
        foreach (var (id, label, alternatives) in TopicConcepts)
        {
            File.WriteAllText(Path.Combine(concepts, id + ".json"), ConceptJson.WriteConcept(new Concept(label, alternatives, wikibaseId: id)));
        }
        Console.WriteLine($"inference-data: {Directory.GetFiles(concepts).Length} keyword concepts in {concepts}");
        return 0;
    }

    /// <summary>Matching alone: the 20 keyword classifiers over the passages of the document set, in process, without
    /// reading or writing anything; on 1 thread and on 2 (classifiers in parallel). Passage-classifications per second.</summary>
    public static int Matching(string[] args)
    {
        var o = new Options(args);
        var conceptFolder = o.Get("concepts", "inference-benchmark/concepts");
        var documentFolder = o.Get("documents", "inference-benchmark/documents");
        var runs = o.GetInt("runs", 3);
        var classifiers = Directory.GetFiles(conceptFolder, "*.json").Order(StringComparer.Ordinal)
            .Select(f => new KeywordClassifier(ConceptJson.ReadConcept(File.ReadAllText(f), f).WithLabelledPassages([]))).ToArray();
        var texts = DocumentFiles.Expand([documentFolder], recurse: false).Files
            .SelectMany(f => DocumentReader.Read(f).Passages.Select(p => p.Text)).ToArray();
        var perClassifier = new List<(string Id, double Rate)>();
        foreach (var c in classifiers)
        {
            c.Predict(texts);   // warm-up (the compiled regexes are JIT-compiled on first use)
            var sw = Stopwatch.StartNew();
            c.Predict(texts);
            perClassifier.Add((c.Concept.WikibaseId!, texts.Length / sw.Elapsed.TotalSeconds));
        }
        foreach (var threads in new[] { 1, 2 })
        {
            var rates = new List<double>();
            for (var r = 0; r < runs; r++)
            {
                var sw = Stopwatch.StartNew();
                Parallel.ForEach(classifiers, new ParallelOptions { MaxDegreeOfParallelism = threads }, c => c.Predict(texts));
                rates.Add((double)texts.Length * classifiers.Length / sw.Elapsed.TotalSeconds);
            }
            Console.WriteLine($"matching: {classifiers.Length} keyword classifiers x {texts.Length} passages on {threads} thread(s): median {Stats.Median(rates):F0} passage-classifications/s (min {rates.Min():F0}, max {rates.Max():F0})");
        }
        Console.WriteLine("matching: per classifier (1 thread, passages/s): " + string.Join(", ", perClassifier.Select(p => $"{p.Id} {p.Rate:F0}")));

        // As the inference run matches: one KeywordScreen pass, then each classifier on its candidates only.
        var screen = new KeywordScreen(classifiers);
        var candidates = screen.Candidates(texts);
        var screened = new List<double>();
        var screening = new List<double>();
        for (var r = 0; r < runs; r++)
        {
            var sw = Stopwatch.StartNew();
            candidates = screen.Candidates(texts);
            screening.Add(sw.Elapsed.TotalSeconds);
            for (var k = 0; k < classifiers.Length; k++)
            {
                classifiers[k].Predict(texts, candidates[k]);
            }
            screened.Add((double)texts.Length * classifiers.Length / sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"matching, screened (KeywordScreen, as Invoke-KgInference runs): median {Stats.Median(screened):F0} passage-classifications/s on 1 thread (min {screened.Min():F0}, max {screened.Max():F0}); the screen's pass {Stats.Median(screening):F3} s; classifiers look at {candidates.Sum(c => c.Length):N0} of {texts.Length * classifiers.Length:N0} (passage, classifier) pairs");
        Console.WriteLine("matching, screened: share of passages each classifier looks at: " + string.Join(", ", classifiers.Select((c, k) => $"{c.Concept.WikibaseId} {(double)candidates[k].Length / texts.Length:P1}")));
        return 0;
    }

    /// <summary>What writing a run's files costs on their own: the files of a finished output folder, read into memory,
    /// written again into fresh folders on the same file system (a) by the plainest .NET loop (temporary file, then
    /// rename; one thread, nothing else to do) and (b) through the module's <see cref="FolderInferenceOutput"/>. The
    /// first is the floor an end-to-end run cannot go below on that file system.</summary>
    public static int Files(string[] args)
    {
        var o = new Options(args);
        var from = Path.GetFullPath(o.Get("from", ""));
        var to = Path.GetFullPath(o.Get("to", ""));
        var runs = o.GetInt("runs", 3);
        var files = Directory.EnumerateFiles(from, "*.json", SearchOption.AllDirectories)
            .Select(f => (Key: Path.GetRelativePath(from, f).Replace(Path.DirectorySeparatorChar, '/'), Data: File.ReadAllBytes(f)))
            .ToArray();
        var bytes = files.Sum(f => (long)f.Data.Length);
        var plain = new List<double>();
        var module = new List<double>();
        for (var r = 0; r < runs; r++)
        {
            var target = Path.Combine(to, $"plain-{r}");
            var folders = new HashSet<string>(StringComparer.Ordinal);
            var sw = Stopwatch.StartNew();
            foreach (var (key, data) in files)
            {
                var path = Path.Combine(target, key);
                var folder = Path.GetDirectoryName(path)!;
                if (folders.Add(folder))
                {
                    Directory.CreateDirectory(folder);
                }
                File.WriteAllBytes(path + ".tmp", data);
                File.Move(path + ".tmp", path);
            }
            plain.Add(sw.Elapsed.TotalSeconds);
            target = Path.Combine(to, $"module-{r}");
            sw.Restart();
            var output = new FolderInferenceOutput(target);
            foreach (var (key, data) in files)
            {
                output.WriteAsync(key, data, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }
            output.FlushAsync(CancellationToken.None).GetAwaiter().GetResult();
            module.Add(sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"files: {files.Length:N0} files, {bytes / 1e6:N0} MB, from {from} to {to}");
        Console.WriteLine($"files: plain .NET loop (temporary file + rename, one thread): median {Stats.Median(plain):F3} s (min {plain.Min():F3}, max {plain.Max():F3}) = {Stats.Median(plain) / files.Length * 1e6:F1} us per file");
        Console.WriteLine($"files: FolderInferenceOutput (queued, one writer thread): median {Stats.Median(module):F3} s (min {module.Min():F3}, max {module.Max():F3}) = {Stats.Median(module) / files.Length * 1e6:F1} us per file");
        return 0;
    }

    private static List<(string DocumentId, string Text)> ReadCorpus(string data)
    {
        var result = new List<(string, string)>();
        using var gz = new GZipStream(File.OpenRead(Path.Combine(data, "corpus", "gst-sentences.jsonl.gz")), CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        while (reader.ReadLine() is { } line)
        {
            using var doc = JsonDocument.Parse(line);
            result.Add((doc.RootElement.GetProperty("document_id").GetString()!, doc.RootElement.GetProperty("text").GetString()!));
        }
        return result;
    }

    private static void WriteParserOutput(string path, string id, IReadOnlyList<string> sentences)
    {
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteString("document_id", id);
        w.WriteString("document_name", "");
        w.WriteString("document_description", "");
        w.WriteString("document_slug", "");
        w.WriteString("document_content_type", "text/html");
        w.WriteStartObject("document_metadata");
        w.WriteString("import_id", id);
        w.WriteEndObject();
        w.WriteStartArray("languages");
        w.WriteStringValue("en");
        w.WriteEndArray();
        w.WriteNull("pdf_data");
        w.WriteStartObject("html_data");
        w.WriteBoolean("has_valid_text", true);
        w.WriteStartArray("text_blocks");
        for (var i = 0; i < sentences.Count; i++)
        {
            w.WriteStartObject();
            w.WriteStartArray("text");
            w.WriteStringValue(sentences[i]);
            w.WriteEndArray();
            w.WriteString("text_block_id", $"b{i}");
            w.WriteString("type", "Text");
            w.WriteNumber("type_confidence", 1);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>The concept each keyword-conformance folder's documents were classified with (from its passages'
    /// metadata, the one most of its documents carry).</summary>
    private static IEnumerable<(string Id, string Json)> ConformanceConcepts(string data)
    {
        var root = Path.Combine(data, "keyword-conformance");
        foreach (var q in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            var concepts = Directory.GetFiles(q, "*.json", SearchOption.AllDirectories)
                .SelectMany(PassageFile.Read)
                .Select(p => p.Metadata.TryGetValue("concept", out var c) ? c : null)
                .OfType<object>()
                .Select(c => JsonSerializer.Serialize(c))
                .GroupBy(c => c)
                .OrderByDescending(g => g.Count())
                .First().Key;
            yield return (Path.GetFileName(q), concepts);
        }
    }

    // Concepts for the corpus's topics, written for this benchmark (not the knowledge graph's definitions).
    private static readonly (string Id, string Label, string[] Alternatives)[] TopicConcepts =
    [
        ("Q9101", "adaptation", ["climate adaptation", "adaptation measures", "resilience"]),
        ("Q9102", "deforestation", ["forest degradation", "REDD+", "forest loss"]),
        ("Q9103", "fossil fuels", ["fossil fuel", "coal", "oil and gas", "natural gas", "petroleum"]),
        ("Q9104", "climate finance", ["finance", "financial flows", "funding", "financial support"]),
        ("Q9105", "mitigation", ["emission reductions", "greenhouse gas emissions", "GHG emissions"]),
        ("Q9106", "renewable energy", ["solar energy", "wind power", "hydropower", "renewables"]),
        ("Q9107", "loss and damage", ["losses and damages"]),
        ("Q9108", "agriculture", ["farming", "food security", "crops", "livestock"]),
        ("Q9109", "water resources", ["water", "drought", "floods", "flooding"]),
        ("Q9110", "just transition", ["decent work", "workers", "employment"]),
        ("Q9111", "technology transfer", ["capacity building", "capacity-building"]),
        ("Q9112", "oceans", ["ocean", "coastal zones", "sea level rise", "sea-level rise"]),
        ("Q9113", "health", ["public health", "health systems"]),
    ];
}
