using System.Diagnostics;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Corpus;
using KnowledgeGraph.Encoders;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Training;
using KnowledgeGraph.Training.Transformer;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static TorchSharp.torch;

namespace KnowledgeGraph.Benchmarks;

/// <summary>The TransformerClassifier's numbers on this machine (issue 12 §3), in two phases run as separate processes
/// so that ONNX Runtime never shares a process with a training run whose peak memory is measured:
/// - encoder: the TorchSharp encoder against ONNX Runtime on the 1,965 feed blocks (the same word-piece IDs, the same
///   length-sorted batches of 32, the same thread count): the largest difference of the hidden states, and passages/s;
/// - finetune: the type as the worker trains it (default settings), on 2,000 sentences of about 30 words from the GST
///   corpus labelled by a forest-word rule (cost, not quality: the labels only have to be learnable), then prediction
///   passages/s on the feed blocks and the process's peak working set.</summary>
internal static class TransformerCost
{
    public static int Run(string[] args)
    {
        var o = new Options(args);
        var data = o.Get("data", Path.Combine("..", "shared", "data"));
        var threads = o.GetInt("threads", 2);
        var encoder = EncoderLocator.Locate(PretrainedEncoders.MiniLM, EncoderLocator.SearchPath(null));
        Devices.Prepare(42, threads);
        Console.WriteLine($"transformer: {Environment.ProcessorCount} logical CPUs, {threads} threads, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the start");
        return o.Get("phase", "encoder") switch
        {
            "encoder" => Encoder(encoder, PassageDataset.FeedTexts(data), threads, o.GetInt("runs", 3)),
            "finetune" => FineTune(encoder, data, o.GetInt("passages", 2000)),
            var other => throw new ArgumentException($"--phase {other}: encoder or finetune"),
        };
    }

    private static int Encoder(InstalledEncoder encoder, string[] texts, int threads, int runs)
    {
        var pieces = new WordPieces(encoder.VocabularyPath, encoder.Encoder.Uncased);
        var batches = texts.Select(t => pieces.Encode(t, 128)).OrderBy(ids => ids.Length).Chunk(32)
            .Select(chunk => (Ids: Padded(chunk, pieces.PaddingId), Lengths: chunk.Select(c => c.Length).ToArray())).ToArray();
        Console.WriteLine($"transformer: {texts.Length} feed blocks, {batches.Sum(b => b.Lengths.Sum()):N0} word pieces (at most 128 per block), {batches.Length} batches");

        using var net = TransformerType.Pretrained(encoder, new TransformerSettings());
        net.eval();
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        using var session = new InferenceSession(encoder.ModelPath, options);

        double worst = 0;
        var torchRates = new List<double>();
        var onnxRates = new List<double>();
        for (var run = 0; run <= runs; run++) // run 0 warms both up and compares them
        {
            var clock = Stopwatch.StartNew();
            var torchStates = batches.Select(b => Torch(net, b.Ids, b.Lengths)).ToArray();
            var torchSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var onnxStates = batches.Select(b => Onnx(session, b.Ids, b.Lengths)).ToArray();
            var onnxSeconds = clock.Elapsed.TotalSeconds;
            if (run == 0)
            {
                for (var i = 0; i < batches.Length; i++)
                {
                    worst = Math.Max(worst, MaxDifference(torchStates[i], onnxStates[i], batches[i].Lengths, batches[i].Ids.GetLength(1)));
                }
                continue;
            }
            torchRates.Add(texts.Length / torchSeconds);
            onnxRates.Add(texts.Length / onnxSeconds);
        }
        Console.WriteLine($"transformer: hidden states, largest difference TorchSharp vs ONNX Runtime over every real token of the {texts.Length} blocks: {worst:E2}");
        var torchMedian = Stats.Median(torchRates);
        var onnxMedian = Stats.Median(onnxRates);
        Console.WriteLine($"transformer: encoder throughput, median of {runs}: TorchSharp {torchMedian:N0} passages/s (runs {string.Join(", ", torchRates.Select(r => r.ToString("N0")))}), " +
            $"ONNX Runtime {onnxMedian:N0} passages/s (runs {string.Join(", ", onnxRates.Select(r => r.ToString("N0")))}); ratio {torchMedian / onnxMedian:F2}");
        return 0;
    }

    private static long[,] Padded(int[][] chunk, int padding)
    {
        var width = chunk.Max(c => c.Length);
        var ids = new long[chunk.Length, width];
        for (var i = 0; i < chunk.Length; i++)
        {
            for (var j = 0; j < width; j++) ids[i, j] = j < chunk[i].Length ? chunk[i][j] : padding;
        }
        return ids;
    }

    private static float[] Torch(TransformerNet net, long[,] ids, int[] lengths)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var width = ids.GetLength(1);
        var idTensor = tensor(ids.Cast<long>().ToArray(), [ids.GetLength(0), width]);
        var mask = tensor(lengths.SelectMany(l => Enumerable.Range(0, width).Select(j => j < l)).ToArray(), [lengths.Length, width]);
        return net.Encoder.call(idTensor, mask).data<float>().ToArray();
    }

    private static float[] Onnx(InferenceSession session, long[,] ids, int[] lengths)
    {
        var (rows, width) = (ids.GetLength(0), ids.GetLength(1));
        var flat = ids.Cast<long>().ToArray();
        var mask = lengths.SelectMany(l => Enumerable.Range(0, width).Select(j => j < l ? 1L : 0L)).ToArray();
        using var results = session.Run(
        [
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(flat, [rows, width])),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(mask, [rows, width])),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[flat.Length], [rows, width])),
        ]);
        return results.First(r => r.Name == "last_hidden_state").AsEnumerable<float>().ToArray();
    }

    private static double MaxDifference(float[] a, float[] b, int[] lengths, int width)
    {
        const int hidden = 384;
        double worst = 0;
        for (var i = 0; i < lengths.Length; i++)
        {
            for (var j = 0; j < lengths[i]; j++) // padding's hidden states mean nothing in either
            {
                var at = (i * width + j) * hidden;
                for (var k = 0; k < hidden; k++) worst = Math.Max(worst, Math.Abs(a[at + k] - b[at + k]));
            }
        }
        return worst;
    }

    private static int FineTune(InstalledEncoder encoder, string data, int count)
    {
        Environment.SetEnvironmentVariable(EncoderLocator.PathVariable, Path.GetDirectoryName(encoder.Folder));
        var q787 = PassageDataset.Q787(data);
        var sentences = new CorpusReader().Read([Path.Combine(data, "corpus", "gst-sentences.jsonl.gz")], CancellationToken.None)
            .Select(p => p.Text)
            .Where(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length is >= 25 and <= 35)
            .Distinct(StringComparer.Ordinal)
            .OrderBy(t => Training.Features.FeatureHasher.Hash(t, "transformer-cost"))
            .Take(count)
            .ToArray();
        var passages = sentences.Select((t, i) => new LabelledPassage(t,
            PassageDataset.ForestStem().IsMatch(t) ? [new Span(t, 0, Text.CodePoints.Length(t), q787.WikibaseId, ["rule"], ["2026-11-30T00:00:00"])] : [],
            null, new Dictionary<string, object?> { ["document_id"] = $"d{i % 97}" })).ToArray();
        var words = sentences.Average(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Console.WriteLine($"transformer: fine-tuning on {passages.Length} GST sentences of {words:F1} words on average, {passages.Count(p => p.IsPositive)} positive by the forest-word rule; default settings");
        var concept = q787.WithLabelledPassages(passages);
        var clock = Stopwatch.StartNew();
        var (trained, report) = LearnedTypes.Get("TransformerClassifier").Train(new LearnedTrainingInput
        {
            Concept = concept,
            Training = passages,
            Seed = 42,
            Device = Devices.Resolve("Cpu"),
            TrainingDataSha256 = ModelFiles.DataHash(passages),
        }, e => Console.WriteLine($"transformer:   epoch {e.Epoch}{(e.Phase is null ? "" : " " + e.Phase)}: {e.Seconds:F0} s, loss {e.Loss:F4}, validation {e.ValidationScore:F3}"), CancellationToken.None);
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"transformer: fine-tuning took {seconds:F0} s ({seconds / 60:F1} min): {report.Epochs.Count} epochs, best {report.BestEpoch}, validation {report.BestValidationScore:F3}, threshold {report.Threshold:F2}; {report.TrainingPassages} training passages");
        using var model = trained;
        var feed = PassageDataset.FeedTexts(data);
        model.Predict(feed.Take(64).ToArray()); // warm-up
        foreach (var (name, texts) in new[] { ("the 1,965 feed blocks", feed), ($"the {sentences.Length} training sentences", sentences) })
        {
            clock.Restart();
            model.Predict(texts);
            Console.WriteLine($"transformer: prediction over {name}: {texts.Length / clock.Elapsed.TotalSeconds:N0} passages/s");
        }
        Console.WriteLine($"transformer: peak working set of the process (training and prediction, as in the worker): {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024 * 1024):F2} GB");
        return 0;
    }
}
