using System.Diagnostics;
using System.Globalization;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Training.Features;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training;

/// <summary>The passage classifier's hyper-parameters.</summary>
public sealed record PassageClassifierSettings
{
    public int Buckets { get; init; } = 1 << 16;
    public int Dim { get; init; } = 48;
    public int MinNgram { get; init; } = 3;
    public int MaxNgram { get; init; } = 5;
    public double Dropout { get; init; } = 0.3;
    public double LearningRate { get; init; } = 5e-3;
    public double WeightDecay { get; init; } = 0.01;
    public double WarmupFraction { get; init; } = 0.1;
    public int MaxEpochs { get; init; } = 30;
    public int Patience { get; init; } = 6;
    public int MinSteps { get; init; } = 300;
    public double Threshold { get; init; } = 0.5;

    /// <summary>These settings with a hard cap of <paramref name="epochs"/> epochs (no minimum number of steps).</summary>
    public PassageClassifierSettings WithEpochLimit(int epochs) => this with { MaxEpochs = epochs, MinSteps = 0 };

    public string Canonical() => string.Join(",",
        $"buckets={Buckets}x{Dim}", $"ngrams={MinNgram}-{MaxNgram}", $"dropout={PythonStr.Float(Dropout)}",
        $"lr={PythonStr.Float(LearningRate)}", $"wd={PythonStr.Float(WeightDecay)}", $"warmup={PythonStr.Float(WarmupFraction)}",
        $"epochs={MaxEpochs.ToString(CultureInfo.InvariantCulture)}", $"patience={Patience.ToString(CultureInfo.InvariantCulture)}",
        $"steps={MinSteps.ToString(CultureInfo.InvariantCulture)}",
        $"threshold={PythonStr.Float(Threshold)}");
}

/// <summary>A bag of hashed word unigrams, bigrams and character n-grams (an EmbeddingBag, fastText style), plus two
/// keyword features (any label match; log of the match count), then dropout and a linear layer to two classes.</summary>
public sealed class PassageNet : nn.Module
{
    private readonly EmbeddingBag bag;
    private readonly Dropout dropout;
    private readonly Linear output;

    public PassageNet(PassageClassifierSettings s) : base(nameof(PassageNet))
    {
        bag = nn.EmbeddingBag(s.Buckets, s.Dim, mode: EmbeddingBagMode.Mean);
        dropout = nn.Dropout(s.Dropout);
        output = nn.Linear(s.Dim + 2, 2);
        RegisterComponents();
    }

    public Tensor Forward(Tensor ids, Tensor offsets, Tensor dense) =>
        output.call(cat([dropout.call(bag.call(ids, offsets, null)), dense], 1));
}

/// <summary>A trained passage classifier: a passage is about the concept when P(yes) ≥ the threshold, and is then
/// labelled with one span over the whole passage carrying that probability.</summary>
public sealed class PassageClassifier : IClassifier, IDisposable
{
    public const string ClassName = "PassageClassifier";
    private readonly PassageNet _net;
    private readonly KeywordClassifier _labels;
    private readonly Device _device;
    private readonly string[] _labellers;

    internal PassageClassifier(Concept concept, string id, PassageClassifierSettings settings, PassageNet net, Device device)
    {
        Concept = concept;
        Id = id;
        Settings = settings;
        _net = net;
        _labels = new KeywordClassifier(concept);
        _device = device;
        _labellers = [$"{ClassName}(\"{concept.PreferredLabel}\")"];
    }

    public string Name => ClassName;
    public string Id { get; }
    public Concept Concept { get; }
    public PassageClassifierSettings Settings { get; }
    public PassageNet Net => _net;

    public static string MakeId(Concept concept, PassageClassifierSettings settings, int seed, string trainingDataSha256) =>
        Identifier.Generate(ClassName, concept.Id, settings.Canonical(), seed, trainingDataSha256);

    /// <summary>P(the passage is about the concept), per text.</summary>
    public float[] PredictProbabilities(IReadOnlyList<string> texts)
    {
        var result = new float[texts.Count];
        _net.eval();
        for (var start = 0; start < texts.Count; start += 256)
        {
            var chunk = texts.Skip(start).Take(256).ToList();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var (ids, offsets, dense) = Batch(chunk.Select(Features).ToList());
            var p = nn.functional.softmax(_net.Forward(ids, offsets, dense), 1).select(1, 1).cpu().data<float>().ToArray();
            p.CopyTo(result, start);
        }
        return result;
    }

    public IReadOnlyList<IReadOnlyList<Span>> Predict(IReadOnlyList<string> texts)
    {
        var probabilities = PredictProbabilities(texts);
        var stamp = new[] { Classification.Timestamp.Now() };
        return texts.Select((t, i) => probabilities[i] >= Settings.Threshold && t.Length > 0
            ? (IReadOnlyList<Span>)[new Span(t, 0, Text.CodePoints.Length(t), Concept.WikibaseId, _labellers, stamp, probabilities[i])]
            : []).ToArray();
    }

    private (long[] Ids, float[] Dense) Features(string text)
    {
        var words = WordTokenizer.Tokenize(text).Select(t => t.Text.ToLowerInvariant()).ToList();
        var ids = new List<long>();
        for (var i = 0; i < words.Count; i++)
        {
            ids.Add(FeatureHasher.Bucket(words[i], Settings.Buckets, "w"));
            if (i > 0) ids.Add(FeatureHasher.Bucket(words[i - 1] + " " + words[i], Settings.Buckets, "b"));
            ids.AddRange(FeatureHasher.CharNgrams(words[i], Settings.MinNgram, Settings.MaxNgram).Select(g => FeatureHasher.Bucket(g, Settings.Buckets, "c")));
        }
        var matches = _labels.Predict(text).Count;
        return (ids.Count == 0 ? [0L] : ids.ToArray(), [matches > 0 ? 1f : 0f, MathF.Log(1 + matches)]);
    }

    private (Tensor Ids, Tensor Offsets, Tensor Dense) Batch(IReadOnlyList<(long[] Ids, float[] Dense)> items)
    {
        var offsets = new long[items.Count];
        var flat = new List<long>();
        for (var i = 0; i < items.Count; i++)
        {
            offsets[i] = flat.Count;
            flat.AddRange(items[i].Ids);
        }
        return (tensor(flat.ToArray()).to(_device), tensor(offsets).to(_device),
            tensor(items.SelectMany(x => x.Dense).ToArray(), [items.Count, 2]).to(_device));
    }

    public void Dispose() => _net.Dispose();

    /// <summary>Trains on passages labelled positive (any span of the concept) or negative (none). A fifth of the
    /// documents is held out for early stopping on passage F1; the best epoch's weights are kept.</summary>
    public static (PassageClassifier Model, TrainingReport Report) Train(Concept concept, IReadOnlyList<LabelledPassage> training,
        PassageClassifierSettings settings, int seed, Device device, Action<EpochReport>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var passages = SpanTagger.OnlyConcept(training, concept);
        var (fit, validation) = SpanTagger.ValidationSplit(passages);
        var net = new PassageNet(settings).to(device);
        var model = new PassageClassifier(concept, MakeId(concept, settings, seed, Lifecycle.ModelFiles.DataHash(training)), settings, net, device);
        var fitFeatures = fit.Select(p => model.Features(p.Text)).ToList();
        var fitLabels = fit.Select(p => p.IsPositive ? 1L : 0L).ToArray();
        var weights = TrainingSchedule.BalancedWeights(fitLabels.Select(l => (int)l), 2);
        using var optimizer = optim.AdamW(net.parameters(), lr: settings.LearningRate, weight_decay: settings.WeightDecay);
        var batchSize = TrainingSchedule.BatchSize(fit.Count);
        var (maxEpochs, minEpochs) = TrainingSchedule.Epochs(settings.MaxEpochs, settings.MinSteps, (fit.Count + batchSize - 1) / batchSize);
        var schedule = new TrainingSchedule(optimizer, settings.LearningRate, (long)((fit.Count + batchSize - 1) / batchSize) * maxEpochs, settings.WarmupFraction);
        using var lossFunction = nn.CrossEntropyLoss(weight: tensor(weights).to(device));
        var order = new Random(seed);
        using var best = new BestEpoch(net, maxEpochs, minEpochs, settings.Patience, progress);
        for (var epoch = 1; epoch <= maxEpochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            net.train();
            var totalLoss = 0.0;
            foreach (var members in Enumerable.Range(0, fit.Count).OrderBy(_ => order.Next()).Chunk(batchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var (ids, offsets, dense) = model.Batch(members.Select(i => fitFeatures[i]).ToList());
                using var labels = tensor(members.Select(i => fitLabels[i]).ToArray()).to(device);
                schedule.Advance();
                optimizer.zero_grad();
                var loss = lossFunction.call(net.Forward(ids, offsets, dense), labels);
                loss.backward();
                TrainingSchedule.ClipGradients(net);
                optimizer.step();
                totalLoss += loss.item<float>() * members.Length;
            }
            var score = validation.Count == 0 ? 0 : Metrics.PassageLevel(validation,
                validation.Zip(model.Predict(validation.Select(p => p.Text).ToArray()), (p, s) => p.WithSpans(s)).ToArray()).F1;
            if (best.End(epoch, totalLoss / fit.Count, score, epochClock.Elapsed))
            {
                break;
            }
        }
        best.Restore();
        using var self = Process.GetCurrentProcess();
        return (model, new TrainingReport
        {
            Epochs = best.Epochs,
            BestEpoch = best.Epoch,
            BestValidationScore = best.Score,
            ValidationMetric = "Passage F1",
            Device = Devices.Name(device),
            TrainingPassages = fit.Count,
            ValidationPassages = validation.Count,
            Duration = clock.Elapsed,
            PeakWorkingSetBytes = self.PeakWorkingSet64,
        });
    }
}
