using System.Diagnostics;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Text;
using KnowledgeGraph.Training.SpanTagger;
using TorchSharp;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training.PassageClassifier;

/// <summary>Trains a passage classifier on segments: a segment of a labelled passage is positive when it overlaps one of
/// the concept's gold spans, negative otherwise (annotators labelled every mention, so the other sentences of a positive
/// passage are negatives from the same documents); corpus passages, segmented, are negatives, a fresh draw each epoch,
/// with the hard negatives the model finds part-way. A fifth of the training documents (with the held-out corpus
/// negatives) decides early stopping (passage F1) and the threshold (passage F-beta, corpus false positives at the
/// corpus's rate).</summary>
internal static class PassageClassifierTrainer
{
    private sealed record Example(SegmentFeatures Features, float Label);

    public static (PassageClassifierModel Model, TrainingReport Report) Train(LearnedTrainingInput input, PassageClassifierSettings settings,
        Action<EpochReport>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var concept = input.Concept;
        var device = input.Device;
        var corpus = input.Corpus;
        var gold = Evaluator.GoldStandard(SpanTaggerTrainer.OnlyConcept(input.Training, concept));
        var (fit, validation) = SpanTaggerTrainer.ValidationSplit(gold);
        var featurizer = new SegmentFeaturizer(settings, concept);
        var fixedExamples = fit.SelectMany(p => LabelledSegments(p)).Select(s => new Example(featurizer.Featurize(s.Text), s.Positive ? 1f : 0f)).ToList();
        var negatives = (corpus?.Negatives ?? []).SelectMany(p => SegmentTexts(p.Text)).Select(t => new Example(featurizer.Featurize(t), 0f)).ToList();

        var net = new PassageNet(settings).to(device);
        var id = PassageClassifierModel.MakeId(concept, settings, input.Seed, input.TrainingDataSha256, corpus?.Summary.Sha256 is { } sha ? $"{sha}:{corpus.Summary.Seed}" : null);
        var model = new PassageClassifierModel(concept, id, settings, net, device);
        var check = ValidationSet.Create(validation, corpus);
        var epochCheck = check.Subset(settings.EpochValidationNegatives);
        var validationTexts = validation.Select(p => p.Text).ToArray();
        var averagePrecision = settings.ValidationMetric == "AveragePrecision";

        var loop = new TrainingLoop<Example>
        {
            Network = net,
            Settings = settings.Loop(),
            Loss = batch =>
            {
                using var b = PassageBatch.Create(batch.Select(e => e.Features).ToList(), device);
                using var labels = tensor(batch.Select(e => e.Label).ToArray()).to(device);
                return nn.functional.binary_cross_entropy_with_logits(net.call(b), labels);
            },
            Validate = () =>
            {
                if (validation.Count == 0) return 0;
                var labelled = model.PassageScores(validationTexts);
                var unlabelled = model.PassageScores(epochCheck.CorpusNegatives);
                return averagePrecision ? epochCheck.AveragePrecision(labelled, unlabelled)
                    : epochCheck.PassageFBeta(labelled.Select(s => s >= 0.5f).ToArray(), unlabelled.Select(s => s >= 0.5f).ToArray(), 1);
            },
            Mine = corpus is { MiningPool.Count: > 0 } ? () =>
            {
                var pool = corpus.MiningPool.Concat(settings.MineNearMisses ? corpus.NearMisses : []).SelectMany(p => SegmentTexts(p.Text)).ToList();
                var features = pool.Select(featurizer.Featurize).ToList();
                var scores = model.SegmentProbabilities(features);
                var hard = Enumerable.Range(0, pool.Count).OrderByDescending(i => scores[i]).Take(settings.HardNegatives).ToList();
                return (hard.Select(i => new Example(features[i], 0f)).ToList(), hard.Select(i => pool[i]).ToList());
            } : null,
            Progress = progress,
        };
        var result = loop.Run(fixedExamples, negatives, input.Seed, cancellationToken);

        var (threshold, thresholdScore) = (0.5, 0.0);
        if (validation.Count > 0)
        {
            var labelled = model.PassageScores(validationTexts);
            var unlabelled = model.PassageScores(check.CorpusNegatives);
            (threshold, thresholdScore) = ValidationSet.Choose(PassageClassifierModel.ThresholdCandidates, t => check.PassageFBeta(
                labelled.Select(s => s >= t).ToArray(), unlabelled.Select(s => s >= t).ToArray(), settings.ThresholdBeta));
        }
        model.Threshold = threshold;
        using var self = Process.GetCurrentProcess();
        return (model, new TrainingReport
        {
            Epochs = result.Epochs,
            BestEpoch = result.BestEpoch,
            BestValidationScore = result.BestScore,
            ValidationMetric = (averagePrecision ? "Passage average precision" : "Passage F1") + (check.CorpusNegatives.Count > 0 ? " (corpus-weighted)" : ""),
            Threshold = threshold,
            ThresholdRule = FormattableString.Invariant($"best passage F{settings.ThresholdBeta:0.##} (score {thresholdScore:0.###}) on {validation.Count} validation passages") +
                (check.CorpusNegatives.Count > 0 ? FormattableString.Invariant($" and {check.CorpusNegatives.Count} corpus negatives weighted {check.CorpusWeight:0.###}") : ""),
            Device = Devices.Name(device),
            TrainingPassages = fit.Count,
            ValidationPassages = validation.Count,
            Duration = clock.Elapsed,
            PeakWorkingSetBytes = self.PeakWorkingSet64,
            CorpusNegatives = corpus?.Negatives.Count ?? 0,
            HardNegatives = result.HardNegatives,
            CorpusValidation = check.CorpusNegatives.Count,
            HardNegativeExamples = result.HardNegativeExamples,
        });
    }

    /// <summary>A labelled passage's segments, each positive when it overlaps one of the passage's spans.</summary>
    internal static IEnumerable<(string Text, bool Positive)> LabelledSegments(LabelledPassage p)
    {
        var spans = p.Spans.Select(s => (Start: CodePoints.ToUtf16(p.Text, s.StartIndex), End: CodePoints.ToUtf16(p.Text, s.EndIndex))).ToArray();
        return Segments.Split(p.Text).Select(seg => (p.Text[seg.Start..seg.End], spans.Any(s => s.Start < seg.End && s.End > seg.Start)));
    }

    private static IEnumerable<string> SegmentTexts(string text) => Segments.Split(text).Select(s => text[s.Start..s.End]);
}
