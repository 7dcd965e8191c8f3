using System.Diagnostics;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Training.Features;
using KnowledgeGraph.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training;

/// <summary>A trained span tagger: predicts the concept's spans in text, decoding BIO tags exactly as the original's
/// token classifier did (original-models.md §2.6): B opens a span, I extends an open one, O or an orphan I closes it;
/// spans shorter than two characters are dropped; a span's probability is the mean of its tokens' predicted-class
/// probabilities; spans below the model's threshold (the original's optional <c>prediction_threshold</c>, chosen here on
/// the validation passages at training time) are dropped.</summary>
public sealed class SpanTagger : IClassifier, IDisposable
{
    public const string ClassName = "SpanTaggerClassifier";
    private const int PredictBatch = 64;
    private readonly SpanTaggerNet _net;
    private readonly SpanFeaturizer _featurizer;
    private readonly KeywordClassifier? _gazetteerMatcher;
    private readonly Device _device;
    private readonly string[] _labellers;

    internal SpanTagger(Concept concept, string id, SpanTaggerSettings settings, SpanTaggerNet net, Gazetteer? gazetteer, Device device, double threshold = 0)
    {
        if (threshold is < 0 or >= 1 || double.IsNaN(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "A span threshold is in [0, 1).");
        }
        Threshold = threshold;
        Concept = concept;
        Id = id;
        Settings = settings;
        _net = net;
        Gazetteer = gazetteer;
        _gazetteerMatcher = gazetteer?.All;
        _featurizer = new SpanFeaturizer(settings, new KeywordClassifier(concept));
        _device = device;
        _labellers = [$"{ClassName}(\"{concept.PreferredLabel}\")"];
    }

    public string Name => ClassName;
    public string Id { get; }
    public Concept Concept { get; }
    public SpanTaggerSettings Settings { get; }
    public Gazetteer? Gazetteer { get; }
    public SpanTaggerNet Net => _net;

    /// <summary>Spans whose probability is below this are dropped (0 keeps every span).</summary>
    public double Threshold { get; private set; }

    /// <summary>The thresholds training chooses from: none, or 0.50 to 0.90 in steps of 0.05.</summary>
    internal static readonly double[] ThresholdCandidates = [0, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9];

    /// <summary>The deterministic classifier ID: type, concept, hyper-parameters, seed and training data.</summary>
    public static string MakeId(Concept concept, SpanTaggerSettings settings, int seed, string trainingDataSha256) =>
        Identifier.Generate(ClassName, concept.Id, settings.Canonical(), seed, trainingDataSha256);

    public IReadOnlyList<IReadOnlyList<Span>> Predict(IReadOnlyList<string> texts) =>
        Predict(texts.Select(Featurize).ToList());

    /// <summary>A passage's features as this model sees them at prediction time.</summary>
    internal PassageFeatures Featurize(string text) => _featurizer.Featurize(text, _gazetteerMatcher);

    internal IReadOnlyList<IReadOnlyList<Span>> Predict(IReadOnlyList<PassageFeatures> features)
    {
        var result = new IReadOnlyList<Span>[features.Count];
        var stamp = new[] { Classification.Timestamp.Now() };
        _net.eval();
        for (var start = 0; start < features.Count; start += PredictBatch)
        {
            var chunk = features.Skip(start).Take(PredictBatch).ToList();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var batch = SpanBatch.Create(chunk, null, _device);
            var probabilities = nn.functional.softmax(_net.Forward(batch), 2).cpu();
            var t = probabilities.shape[1];
            var data = probabilities.data<float>().ToArray();
            for (var i = 0; i < chunk.Count; i++)
            {
                result[start + i] = Decode(chunk[i], data, i, (int)t, stamp);
            }
        }
        return result;
    }

    private List<Span> Decode(PassageFeatures p, float[] probabilities, int row, int width, string[] stamp)
    {
        var labels = Argmax(probabilities, row, width, p.Tokens.Count);
        var labelProbabilities = labels.Select((l, j) => probabilities[(row * width + j) * 3 + l]).ToArray();
        return DecodeRanges(p.Tokens, labels, labelProbabilities)
            .Where(r => r.Probability >= Threshold)
            .Select(r => new Span(p.Text, Text.CodePoints.FromUtf16(p.Text, r.Start), Text.CodePoints.FromUtf16(p.Text, r.End),
                Concept.WikibaseId, _labellers, stamp, Math.Clamp(r.Probability, 0, 1)))
            .ToList();
    }

    /// <summary>original-models.md §2.6: B (1) closes any open span and opens one; I (2) extends an open span; O (0),
    /// or an I with nothing open, closes it. A span is kept when it covers at least 2 characters; its probability is
    /// the mean probability of its tokens' labels. Ranges are UTF-16 [Start, End).</summary>
    internal static List<(int Start, int End, double Probability)> DecodeRanges(IReadOnlyList<Token> tokens, int[] labels, float[] labelProbabilities)
    {
        var spans = new List<(int, int, double)>();
        int? openStart = null;
        var openEnd = 0;
        var probs = new List<float>();
        void Close()
        {
            if (openStart is { } s && openEnd - s >= 2)
            {
                spans.Add((s, openEnd, probs.Average()));
            }
            openStart = null;
            probs.Clear();
        }
        for (var j = 0; j < tokens.Count; j++)
        {
            switch (labels[j])
            {
                case 1:
                    Close();
                    (openStart, openEnd) = (tokens[j].Start, tokens[j].End);
                    probs.Add(labelProbabilities[j]);
                    break;
                case 2 when openStart is not null:
                    openEnd = tokens[j].End;
                    probs.Add(labelProbabilities[j]);
                    break;
                default:
                    Close();
                    break;
            }
        }
        Close();
        return spans;
    }

    private static int[] Argmax(float[] probabilities, int row, int width, int count)
    {
        var labels = new int[count];
        for (var j = 0; j < count; j++)
        {
            var o = (row * width + j) * 3;
            for (var k = 1; k < 3; k++)
            {
                if (probabilities[o + k] > probabilities[o + labels[j]]) labels[j] = k;
            }
        }
        return labels;
    }

    public void Dispose() => _net.Dispose();

    // ------------------------------------------------------------------ training

    /// <summary>Trains on <paramref name="training"/> (human-labelled passages; every annotator's spans are merged into
    /// the gold standard first). A fifth of the training documents is held out for early stopping on span F1 at
    /// Jaccard 0.5; the best epoch's weights are kept.</summary>
    public static (SpanTagger Model, TrainingReport Report) Train(Concept concept, IReadOnlyList<LabelledPassage> training,
        SpanTaggerSettings settings, int seed, Device device, Action<EpochReport>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var gold = Evaluator.GoldStandard(OnlyConcept(training, concept));
        var (fit, validation) = ValidationSplit(gold);
        // The gazetteer holds both the merged gold spans and each annotator's own (shorter, more reusable) spans;
        // the one used while fitting knows only the fitting passages (never the validation ones).
        var fitIds = fit.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var raw = OnlyConcept(training, concept);
        var gazetteer = settings.Gazetteer ? new Gazetteer(fit.Concat(raw.Where(p => fitIds.Contains(p.Id)))) : null;
        var featurizer = new SpanFeaturizer(settings, new KeywordClassifier(concept));
        var fitFeatures = fit.Select(p => featurizer.Featurize(p.Text, gazetteer?.ForDocument(DocumentFolds.DocumentOf(p)))).ToList();
        var fitTags = fit.Select((p, i) => SpanFeaturizer.Tags(p.Text, fitFeatures[i].Tokens, p.Spans)).ToList();
        var weights = TrainingSchedule.BalancedWeights(fitTags.SelectMany(t => t), 3);

        var net = new SpanTaggerNet(settings).to(device);
        var model = new SpanTagger(concept, MakeId(concept, settings, seed, Lifecycle.ModelFiles.DataHash(training)), settings, net,
            settings.Gazetteer ? new Gazetteer(gold.Concat(raw)) : null, device);
        var validationFeatures = validation.Select(p => featurizer.Featurize(p.Text, gazetteer?.All)).ToList();
        using var optimizer = optim.AdamW(net.parameters(), lr: settings.LearningRate, weight_decay: settings.WeightDecay);
        var batchSize = TrainingSchedule.BatchSize(fit.Count);
        var batchesPerEpoch = (fit.Count + batchSize - 1) / batchSize;
        var (maxEpochs, minEpochs) = TrainingSchedule.Epochs(settings.MaxEpochs, settings.MinSteps, batchesPerEpoch);
        var schedule = new TrainingSchedule(optimizer, settings.LearningRate, (long)batchesPerEpoch * maxEpochs, settings.WarmupFraction);
        using var lossFunction = nn.CrossEntropyLoss(weight: tensor(weights).to(device), ignore_index: -100);
        var order = new Random(seed);
        using var best = new BestEpoch(net, maxEpochs, minEpochs, settings.Patience, progress);
        for (var epoch = 1; epoch <= maxEpochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            net.train();
            var totalLoss = 0.0;
            foreach (var members in LengthGroupedBatches(fitFeatures, batchSize, order))
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                using var batch = SpanBatch.Create(members.Select(i => fitFeatures[i]).ToList(), members.Select(i => fitTags[i]).ToList(), device);
                schedule.Advance();
                optimizer.zero_grad();
                var logits = net.Forward(batch);
                var loss = lossFunction.call(logits.view(-1, 3), batch.Labels!.view(-1));
                loss.backward();
                TrainingSchedule.ClipGradients(net);
                optimizer.step();
                totalLoss += loss.item<float>() * members.Length;
            }
            var score = validation.Count == 0 ? 0 : SpanF1(model, validation, validationFeatures);
            if (best.End(epoch, totalLoss / fit.Count, score, epochClock.Elapsed))
            {
                break;
            }
        }
        best.Restore();
        var (threshold, thresholdScore) = ChooseThreshold(model, validation, validationFeatures);
        model.Threshold = threshold;
        using var self = Process.GetCurrentProcess();
        return (model, new TrainingReport
        {
            Epochs = best.Epochs,
            BestEpoch = best.Epoch,
            BestValidationScore = Math.Max(best.Score, thresholdScore),
            ValidationMetric = "Span@0.5 F1",
            Threshold = threshold,
            Device = Devices.Name(device),
            TrainingPassages = fit.Count,
            ValidationPassages = validation.Count,
            Duration = clock.Elapsed,
            PeakWorkingSetBytes = self.PeakWorkingSet64,
        });
    }

    /// <summary>Batches of passages of similar length (sorted by token count plus a little noise, then the batches in
    /// random order), as the original's group_by_length: the LSTM then runs few padded steps per batch.</summary>
    internal static IEnumerable<int[]> LengthGroupedBatches(IReadOnlyList<PassageFeatures> passages, int batchSize, Random random)
    {
        var sorted = Enumerable.Range(0, passages.Count).OrderBy(i => passages[i].Tokens.Count + random.NextDouble() * 8).ToArray();
        var batches = sorted.Chunk(batchSize).ToList();
        return batches.OrderBy(_ => random.Next()).ToList();
    }

    /// <summary>The passages with only this concept's spans (other concepts' spans are not this model's business).</summary>
    internal static IReadOnlyList<LabelledPassage> OnlyConcept(IEnumerable<LabelledPassage> passages, Concept concept) =>
        passages.Select(p => p.WithSpans(p.Spans.Where(s => s.ConceptId is null || s.ConceptId == concept.WikibaseId).ToArray())).ToArray();

    /// <summary>A fifth of the documents (by hash) for early stopping. When that gives too few validation passages
    /// (under a tenth, or under four) or none with the concept, every fifth passage instead: documents then straddle the
    /// split, which only makes early stopping a little optimistic.</summary>
    internal static (IReadOnlyList<LabelledPassage> Fit, IReadOnlyList<LabelledPassage> Validation) ValidationSplit(IReadOnlyList<LabelledPassage> passages)
    {
        var (fit, validation) = DocumentFolds.Split(passages, 5, 0, salt: "validation:");
        if (fit.Count == 0 || validation.Count < Math.Max(4, passages.Count / 10) || !validation.Any(p => p.IsPositive))
        {
            fit = passages.Where((_, i) => i % 5 != 0).ToArray();
            validation = passages.Where((_, i) => i % 5 == 0).ToArray();
        }
        return (fit, validation);
    }

    /// <summary>The threshold (of <see cref="ThresholdCandidates"/>) that scores best on the validation passages, the
    /// lowest on a tie; 0 when there is nothing to validate on.</summary>
    internal static (double Threshold, double Score) ChooseThreshold(SpanTagger model, IReadOnlyList<LabelledPassage> validation, IReadOnlyList<PassageFeatures> features)
    {
        if (validation.Count == 0)
        {
            return (0, 0);
        }
        model.Threshold = 0;
        var predictions = model.Predict(features);
        var best = (Threshold: 0.0, Score: -1.0);
        foreach (var t in ThresholdCandidates)
        {
            var kept = validation.Select((p, i) => p.WithSpans(predictions[i].Where(s => s.PredictionProbability >= t).ToArray())).ToArray();
            var score = Metrics.SpanLevel(validation, kept, 0.5).F1;
            if (score > best.Score)
            {
                best = (t, score);
            }
        }
        return best;
    }

    private static double SpanF1(SpanTagger model, IReadOnlyList<LabelledPassage> gold, IReadOnlyList<PassageFeatures> features)
    {
        var predictions = model.Predict(features);
        return Metrics.SpanLevel(gold, gold.Select((p, i) => p.WithSpans(predictions[i])).ToArray(), 0.5).F1;
    }
}
