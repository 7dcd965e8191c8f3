using System.Diagnostics;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Training.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training.SpanTagger;

/// <summary>Trains a span tagger on human-labelled passages (every annotator's spans merged into the gold standard
/// first), and on corpus negatives when there is a corpus: a fresh draw of them each epoch, and the hard negatives the
/// model finds part-way. A fifth of the training documents is held out (with the held-out corpus negatives) for early
/// stopping and the span threshold, both on span F1 at Jaccard 0.5 with corpus false positives at the corpus's rate.</summary>
internal static class SpanTaggerTrainer
{
    /// <summary>A passage to learn from: its features, its BIO tags, and whether it is an unlabelled corpus negative.</summary>
    private sealed record Example(PassageFeatures Features, int[] Tags, bool Corpus = false);

    public static (SpanTaggerModel Model, TrainingReport Report) Train(LearnedTrainingInput input, SpanTaggerSettings settings,
        Action<EpochReport>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var concept = input.Concept;
        var device = input.Device;
        var corpus = input.Corpus;
        var raw = OnlyConcept(input.Training, concept);
        var gold = Evaluator.GoldStandard(raw);
        settings = settings with { LabelPrior = settings.LabelPrior ?? gold.Count(p => p.Spans.Count > 0) < SpanTaggerSettings.PriorBelowPositives };
        var (fit, validation) = ValidationSplit(gold);
        // The gazetteer holds both the merged gold spans and each annotator's own (shorter, more reusable) spans;
        // the one used while fitting knows only the fitting passages (never the validation ones).
        var fitIds = fit.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var gazetteer = settings.Gazetteer ? new Gazetteer(fit.Concat(raw.Where(p => fitIds.Contains(p.Id)))) : null;
        var featurizer = new SpanFeaturizer(settings, new KeywordClassifier(concept));
        PassageFeatures Unseen(string text) => featurizer.Featurize(text, gazetteer?.All);
        var fixedExamples = fit.Select(p =>
        {
            var f = featurizer.Featurize(p.Text, gazetteer?.ForDocument(DocumentFolds.DocumentOf(p)));
            return new Example(f, SpanFeaturizer.Tags(p.Text, f.Tokens, p.Spans));
        }).ToList();
        var negatives = (corpus?.Negatives ?? []).Select(p => Negative(Unseen(p.Text))).ToList();
        var weights = ClassWeights.Balanced(fixedExamples.SelectMany(e => e.Tags), 3);

        var net = new SpanTaggerNet(settings).to(device);
        var id = SpanTaggerModel.MakeId(concept, settings, input.Seed, input.TrainingDataSha256, LearnedIds.CorpusKey(corpus));
        var model = new SpanTaggerModel(concept, id, settings, net, settings.Gazetteer ? new Gazetteer(gold.Concat(raw)) : null, device);
        var check = ValidationSet.Create(validation, corpus);
        var validationFeatures = validation.Select(p => Unseen(p.Text)).ToList();
        var corpusValidationFeatures = check.CorpusNegatives.Select(Unseen).ToList();
        var epochCheck = check.Subset(settings.EpochValidationNegatives);
        var epochCorpusFeatures = corpusValidationFeatures.Take(epochCheck.CorpusNegatives.Count).ToList();
        // Labelled tokens weigh by class ("balanced": the rare B and I count more); a corpus negative's tokens weigh
        // CorpusTokenWeight each, so that a span tagged in text without the concept costs what it costs in use.
        using var lossFunction = nn.CrossEntropyLoss(ignore_index: -100, reduction: nn.Reduction.None);

        var loop = new TrainingLoop<Example>
        {
            Network = net,
            Settings = settings.Loop(fixedExamples.Count, negatives.Count > 0),
            Loss = batch =>
            {
                using var b = SpanBatch.Create(batch.Select(e => e.Features).ToList(), batch.Select(e => e.Tags).ToList(), device);
                var width = (int)b.Labels!.shape[1];
                var (tokenWeights, corpusTokens) = TokenWeights(batch, weights, settings.CorpusTokenWeight, width, device);
                var logits = net.call(b).view(-1, 3);
                var tagged = lossFunction.call(logits, b.Labels.view(-1));
                // A corpus negative says where no span starts, not where spans end: its tokens are pushed away from B
                // only (−log(1 − P(B))), so what the gold spans teach about their extent ("forest management") stays.
                var logp = nn.functional.log_softmax(logits, 1);
                var notBegin = -logsumexp(stack([logp.select(1, 0), logp.select(1, 2)], 1), 1, false);
                var losses = where(corpusTokens, notBegin, tagged);
                return (losses * tokenWeights).sum() / tokenWeights.sum().clamp_min(1e-6);
            },
            Validate = () => validation.Count == 0 ? 0 : epochCheck.SpanF1(model.Decode(validationFeatures), model.Decode(epochCorpusFeatures)),
            Batches = (examples, size, random) => LengthGroupedBatches(examples.Select(e => e.Features).ToList(), size, random),
            Mine = corpus is { MiningPool.Count: > 0 } ? () =>
            {
                var pool = corpus.MiningPool.Concat(settings.MineNearMisses ? corpus.NearMisses : []).Select(p => Unseen(p.Text)).ToList();
                var scores = model.TokenScores(pool);
                var hard = Enumerable.Range(0, pool.Count).OrderByDescending(i => scores[i]).Take(settings.HardNegatives).ToList();
                return (hard.Select(i => Negative(pool[i])).ToList(), hard.Select(i => pool[i].Text).ToList());
            } : null,
            Progress = progress,
        };
        var result = loop.Run(fixedExamples, negatives, input.Seed, cancellationToken);

        var (threshold, thresholdScore) = (0.0, 0.0);
        if (validation.Count > 0)
        {
            var labelled = model.Decode(validationFeatures);
            var unlabelled = model.Decode(corpusValidationFeatures);
            static IReadOnlyList<IReadOnlyList<Span>> Above(IReadOnlyList<IReadOnlyList<Span>> spans, double t) =>
                spans.Select(s => (IReadOnlyList<Span>)s.Where(x => x.PredictionProbability >= t).ToArray()).ToArray();
            (threshold, thresholdScore) = ValidationSet.Choose(SpanTaggerModel.ThresholdCandidates, t => check.SpanF1(Above(labelled, t), Above(unlabelled, t)));
        }
        model.Threshold = threshold;
        using var self = Process.GetCurrentProcess();
        return (model, new TrainingReport
        {
            Epochs = result.Epochs,
            BestEpoch = result.BestEpoch,
            BestValidationScore = Math.Max(result.BestScore, thresholdScore),
            ValidationMetric = check.CorpusNegatives.Count > 0 ? "Span@0.5 F1 (corpus-weighted)" : "Span@0.5 F1",
            Threshold = threshold,
            ThresholdRule = check.CorpusNegatives.Count > 0
                ? FormattableString.Invariant($"best span F1 at Jaccard 0.5 on {validation.Count} validation passages and {check.CorpusNegatives.Count} corpus negatives weighted {check.CorpusWeight:0.###}")
                : $"best span F1 at Jaccard 0.5 on {validation.Count} validation passages",
            Device = Devices.Name(device),
            TrainingPassages = fit.Count,
            ValidationPassages = validation.Count,
            Duration = clock.Elapsed,
            PeakWorkingSetBytes = self.PeakWorkingSet64,
            CorpusNegatives = negatives.Count,
            HardNegatives = result.HardNegatives,
            CorpusValidation = check.CorpusNegatives.Count,
            HardNegativeExamples = result.HardNegativeExamples,
        });
    }

    private static Example Negative(PassageFeatures f) => new(f, new int[f.Tokens.Count], Corpus: true);

    /// <summary>[batch × tokens] loss weights (by class for labelled passages, <paramref name="corpusWeight"/> for a
    /// corpus negative's tokens, 0 at padding), and which tokens are a corpus negative's.</summary>
    private static (TorchSharp.torch.Tensor Weights, TorchSharp.torch.Tensor Corpus) TokenWeights(IReadOnlyList<Example> batch, float[] classWeights, double corpusWeight,
        int width, TorchSharp.torch.Device device)
    {
        var w = new float[batch.Count * width];
        var corpus = new bool[batch.Count * width];
        for (var i = 0; i < batch.Count; i++)
        {
            var tags = batch[i].Tags;
            for (var j = 0; j < tags.Length && j < width; j++)
            {
                w[i * width + j] = batch[i].Corpus ? (float)corpusWeight : classWeights[tags[j]];
                corpus[i * width + j] = batch[i].Corpus;
            }
        }
        return (tensor(w).to(device), tensor(corpus).to(device));
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
}
