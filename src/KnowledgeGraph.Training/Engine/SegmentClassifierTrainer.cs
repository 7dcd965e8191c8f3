using System.Diagnostics;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Text;
using KnowledgeGraph.Training.SpanTagger;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training;

/// <summary>What a segment classifier's settings tell its training, besides the loop.</summary>
internal interface ISegmentTrainingSettings
{
    double LearningRate { get; }
    double WeightDecay { get; }
    double WarmupFraction { get; }
    int MaxEpochs { get; }
    int MinSteps { get; }
    int Patience { get; }
    int BatchSize { get; }
    /// <summary>Batches whose gradients add up before each optimiser step.</summary>
    int AccumulationSteps => 1;
    /// <summary>Corpus negatives per epoch, and when to search for hard negatives (a fraction of the epochs).</summary>
    int NegativesPerEpoch { get; }
    double MineAt { get; }
    /// <summary>Hard negatives to keep from the mining search.</summary>
    int HardNegatives { get; }
    /// <summary>Whether the corpus's near misses (passages using words of the spans) are searched for hard negatives too.</summary>
    bool MineNearMisses { get; }
    /// <summary>At most this many corpus passages are searched for hard negatives (scoring them is what mining costs).</summary>
    int MiningPassages { get; }
    /// <summary>The threshold is the one with the best passage F-beta on validation.</summary>
    double ThresholdBeta { get; }
    /// <summary>Early stopping on "AveragePrecision" (threshold-free) or "F1" (at 0.5) of the validation passages.</summary>
    string ValidationMetric { get; }
    /// <summary>Corpus negatives checked after each epoch (all of them choose the threshold at the end).</summary>
    int EpochValidationNegatives { get; }
}

/// <summary>Trains a <see cref="SegmentClassifierModel{TFeatures}"/> on segments: a segment of a labelled passage is
/// positive when it overlaps one of the concept's gold spans, negative otherwise (annotators labelled every mention, so
/// the other sentences of a positive passage are negatives from the same documents); corpus passages, segmented, are
/// negatives, a fresh draw each epoch, with the hard negatives the model finds part-way. A fifth of the training
/// documents (with the held-out corpus negatives) decides early stopping and the threshold (passage F-beta, corpus false
/// positives at the corpus's rate).</summary>
internal static class SegmentClassifierTrainer
{
    /// <summary>Below this many positive validation passages a threshold chosen on them is noise (with one or two, the
    /// lowest candidate often "wins"), so the network's own 0.5 is kept.</summary>
    internal const int MinimumValidationPositives = 5;

    private sealed record Example<TFeatures>(TFeatures Features, float Label);

    public static TrainingReport Train<TFeatures>(LearnedTrainingInput input, ISegmentTrainingSettings settings, SegmentClassifierModel<TFeatures> model,
        Action<EpochReport>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var corpus = input.Corpus;
        var raw = SpanTaggerTrainer.OnlyConcept(input.Training, input.Concept);
        var gold = Evaluator.GoldStandard(raw);
        var (fit, validation) = SpanTaggerTrainer.ValidationSplit(gold);
        // As in the span tagger: while fitting, the model knows the strings of the fitting passages only, with each
        // annotator's own (shorter) spans; at the end, every labelled passage's.
        var fitIds = fit.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        model.LearnStrings(fit.Concat(raw.Where(p => fitIds.Contains(p.Id))));
        var fixedExamples = fit.SelectMany(p => LabelledSegments(p).Select(s => new Example<TFeatures>(model.Featurize(s.Text, DocumentFolds.DocumentOf(p)), s.Positive ? 1f : 0f))).ToList();
        var negatives = (corpus?.Negatives ?? []).SelectMany(p => SegmentTexts(p.Text)).Select(t => new Example<TFeatures>(model.Featurize(t), 0f)).ToList();
        var check = ValidationSet.Create(validation, corpus);
        var epochCheck = check.Subset(settings.EpochValidationNegatives);
        var validationTexts = validation.Select(p => p.Text).ToArray();
        var averagePrecision = settings.ValidationMetric == "AveragePrecision";
        var device = model.Device;

        var loop = new TrainingLoop<Example<TFeatures>>
        {
            Network = model.Network,
            Settings = new LoopSettings
            {
                LearningRate = settings.LearningRate,
                WeightDecay = settings.WeightDecay,
                WarmupFraction = settings.WarmupFraction,
                MaxEpochs = settings.MaxEpochs,
                MinSteps = settings.MinSteps,
                Patience = settings.Patience,
                BatchSize = settings.BatchSize,
                AccumulationSteps = settings.AccumulationSteps,
                NegativesPerEpoch = settings.NegativesPerEpoch,
                MineAt = settings.MineAt,
            },
            Loss = batch =>
            {
                using var labels = tensor(batch.Select(e => e.Label).ToArray()).to(device);
                return nn.functional.binary_cross_entropy_with_logits(model.Logits(batch.Select(e => e.Features).ToList()), labels);
            },
            Validate = () =>
            {
                if (validation.Count == 0) return 0;
                var labelled = model.PassageScores(validationTexts);
                var unlabelled = model.PassageScores(epochCheck.CorpusNegatives);
                return averagePrecision ? epochCheck.AveragePrecision(labelled, unlabelled)
                    : epochCheck.PassageFBeta(labelled.Select(s => s >= 0.5f).ToArray(), unlabelled.Select(s => s >= 0.5f).ToArray(), 1);
            },
            Batches = fixedExamples.Count > 0 && model.Length(fixedExamples[0].Features) is not null
                ? (examples, size, random) => ByLength(examples, size, random, e => model.Length(e.Features) ?? 0)
                : null,
            Mine = corpus is { MiningPool.Count: > 0 } ? () =>
            {
                var pool = corpus.MiningPool.Concat(settings.MineNearMisses ? corpus.NearMisses : []).Take(settings.MiningPassages)
                    .SelectMany(p => SegmentTexts(p.Text)).ToList();
                var features = pool.Select(model.Featurize).ToList();
                var scores = model.SegmentProbabilities(features);
                var hard = Enumerable.Range(0, pool.Count).OrderByDescending(i => scores[i]).Take(settings.HardNegatives).ToList();
                return (hard.Select(i => new Example<TFeatures>(features[i], 0f)).ToList(), hard.Select(i => pool[i]).ToList());
            } : null,
            Progress = progress,
        };
        var result = loop.Run(fixedExamples, negatives, input.Seed, cancellationToken);

        var (threshold, thresholdScore) = (0.5, 0.0);
        var validationPositives = validation.Count(p => p.Spans.Count > 0);
        var thresholdRule = FormattableString.Invariant($"the network's own 0.5: {validationPositives} positive validation passages, fewer than the {MinimumValidationPositives} needed to choose by");
        if (validationPositives >= MinimumValidationPositives)
        {
            var labelled = model.PassageScores(validationTexts);
            var unlabelled = model.PassageScores(check.CorpusNegatives);
            var (chosen, score) = ValidationSet.Choose(ValidationSet.PassageThresholds, t => check.PassageFBeta(
                labelled.Select(s => s >= t).ToArray(), unlabelled.Select(s => s >= t).ToArray(), settings.ThresholdBeta), preferred: 0.5);
            if (score > 0)
            {
                (threshold, thresholdScore) = (chosen, score);
                thresholdRule = FormattableString.Invariant($"best passage F{settings.ThresholdBeta:0.##} (score {thresholdScore:0.###}; of tied thresholds, the nearest 0.5) on {validation.Count} validation passages") +
                    (check.CorpusNegatives.Count > 0 ? FormattableString.Invariant($" and {check.CorpusNegatives.Count} corpus negatives weighted {check.CorpusWeight:0.###}") : "");
            }
            else
            {
                thresholdRule = FormattableString.Invariant($"the network's own 0.5: no threshold finds any of the {validationPositives} positive validation passages");
            }
        }
        model.Threshold = threshold;
        model.LearnStrings(gold.Concat(raw));
        using var self = Process.GetCurrentProcess();
        return new TrainingReport
        {
            Epochs = result.Epochs,
            BestEpoch = result.BestEpoch,
            BestValidationScore = result.BestScore,
            ValidationMetric = (averagePrecision ? "Passage average precision" : "Passage F1") + (check.CorpusNegatives.Count > 0 ? " (corpus-weighted)" : ""),
            Threshold = threshold,
            ThresholdRule = thresholdRule,
            Device = Devices.Name(device),
            TrainingPassages = fit.Count,
            ValidationPassages = validation.Count,
            Duration = clock.Elapsed,
            PeakWorkingSetBytes = self.PeakWorkingSet64,
            CorpusNegatives = corpus?.Negatives.Count ?? 0,
            HardNegatives = result.HardNegatives,
            CorpusValidation = check.CorpusNegatives.Count,
            HardNegativeExamples = result.HardNegativeExamples,
        };
    }

    /// <summary>A labelled passage's segments, each positive when it overlaps one of the passage's spans.</summary>
    internal static IEnumerable<(string Text, bool Positive)> LabelledSegments(LabelledPassage p)
    {
        var spans = p.Spans.Select(s => (Start: CodePoints.ToUtf16(p.Text, s.StartIndex), End: CodePoints.ToUtf16(p.Text, s.EndIndex))).ToArray();
        return Segments.Split(p.Text).Select(seg => (p.Text[seg.Start..seg.End], spans.Any(s => s.Start < seg.End && s.End > seg.Start)));
    }

    private static IEnumerable<string> SegmentTexts(string text) => Segments.Split(text).Select(s => text[s.Start..s.End]);

    /// <summary>Batches of similar lengths in a random order: the examples shuffled, sorted by length within pools of 32
    /// batches, cut into batches, and the batches shuffled (padding then costs little, and each batch is still a random
    /// draw from its length range).</summary>
    private static IEnumerable<int[]> ByLength<T>(IReadOnlyList<T> examples, int batchSize, Random random, Func<T, int> length)
    {
        var shuffled = Enumerable.Range(0, examples.Count).OrderBy(_ => random.Next()).ToArray();
        var batches = shuffled.Chunk(batchSize * 32).SelectMany(pool => pool.OrderBy(i => length(examples[i])).Chunk(batchSize)).ToList();
        return batches.OrderBy(_ => random.Next()).ToList();
    }
}
