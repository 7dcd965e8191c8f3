using KnowledgeGraph.Classification;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Training;
using TorchSharp;
using Xunit;

namespace KnowledgeGraph.Tests;

public class LearnedModelTests
{
    private static readonly SpanTaggerSettings Small = new() { MaxEpochs = 25, MinSteps = 0, Patience = 25, WordBuckets = 1 << 12, CharBuckets = 1 << 12, Hidden = 32 };

    private static (SpanTagger Model, TrainingReport Report) Train(int seed, SpanTaggerSettings? settings = null)
    {
        Devices.Prepare(seed, 1);
        var concept = TrainingData.Concept();
        return SpanTagger.Train(concept, concept.LabelledPassages, settings ?? Small, seed, Devices.Resolve("Cpu"), null, TestContext.Current.CancellationToken);
    }

    [Fact]
    public void The_span_tagger_learns_spans_that_are_not_labels()
    {
        var (model, report) = Train(7);
        using (model)
        {
            var test = TrainingData.Concept(40, seed: 99).LabelledPassages;
            var scores = ClassifierEvaluator.Evaluate(model, test).Single(r => r.Level == "Span@0.5");
            Assert.True(scores.F1 > 0.8, $"span F1 {scores.F1}");
            Assert.Equal("cpu", report.Device);
            Assert.All(model.Predict(["Last year coastal flooding damaged 5 homes."]).Single(), s => Assert.InRange(s.PredictionProbability!.Value, 0, 1));
        }
    }

    [Fact]
    public void The_same_seed_on_the_cpu_gives_the_same_model_and_id()
    {
        var (a, _) = Train(3);
        var (b, _) = Train(3);
        var (c, _) = Train(4);
        using (a) using (b) using (c)
        {
            string Weights(SpanTagger m) => ModelManifest.Sha256Hex(LearnedModelFiles.Save(m, 0, "", Report()).Weights);
            Assert.Equal(Weights(a), Weights(b));
            Assert.Equal(a.Id, b.Id);
            Assert.NotEqual(a.Id, c.Id);          // the seed is part of the ID
            Assert.NotEqual(Weights(a), Weights(c));
        }
    }

    [Fact]
    public void Ids_depend_on_type_concept_settings_seed_and_data_only()
    {
        var concept = TrainingData.Concept();
        var id = SpanTagger.MakeId(concept, Small, 1, "abc");
        Assert.Equal(id, SpanTagger.MakeId(concept, Small, 1, "abc"));
        Assert.NotEqual(id, SpanTagger.MakeId(concept, Small with { Hidden = 33 }, 1, "abc"));
        Assert.NotEqual(id, SpanTagger.MakeId(concept, Small, 1, "abd"));
        Assert.NotEqual(id, PassageClassifier.MakeId(concept, new PassageClassifierSettings(), 1, "abc"));
    }

    [Fact]
    public void A_saved_model_loads_and_predicts_the_same()
    {
        var (model, report) = Train(5);
        using (model)
        {
            var (card, weights) = LearnedModelFiles.Save(model, 5, "data", report);
            using var loaded = (SpanTagger)LearnedModelFiles.Load(card, weights, model.Id, Devices.Resolve("Cpu"), "test");
            string[] texts = ["Officials warned that urban flooding damaged 3 homes.", "the budget was approved"];
            var expected = model.Predict(texts).Select(p => p.Select(s => (s.StartIndex, s.EndIndex)).ToArray()).ToArray();
            Assert.Equal(expected, loaded.Predict(texts).Select(p => p.Select(s => (s.StartIndex, s.EndIndex)).ToArray()).ToArray());
            Assert.Equal(model.Gazetteer!.Strings, loaded.Gazetteer!.Strings);
        }
    }

    [Fact]
    public void The_span_threshold_is_chosen_on_validation_saved_in_the_card_and_applied_on_load()
    {
        var (model, report) = Train(9);
        using (model)
        {
            Assert.Contains(model.Threshold, SpanTagger.ThresholdCandidates);
            Assert.Equal(model.Threshold, report.Threshold);
            var (card, weights) = LearnedModelFiles.Save(model, 9, "data", report);
            var cpu = Devices.Resolve("Cpu");
            string[] texts = ["Officials warned that urban flooding damaged 3 homes.", "Last year flash flooding and river flooding damaged 9 homes."];
            using (var loaded = (SpanTagger)LearnedModelFiles.Load(card, weights, model.Id, cpu, "test"))
            {
                Assert.Equal(model.Threshold, loaded.Threshold);
            }

            // The same weights with a higher threshold keep exactly the spans at or above it.
            var all = WithThreshold(card, 0);
            using var open = (SpanTagger)LearnedModelFiles.Load(all, weights, model.Id, cpu, "test");
            var spans = open.Predict(texts).SelectMany(p => p).ToArray();
            Assert.NotEmpty(spans);
            var cut = spans.Select(s => s.PredictionProbability!.Value).Order().ElementAt(spans.Length / 2);
            using var strict = (SpanTagger)LearnedModelFiles.Load(WithThreshold(card, cut), weights, model.Id, cpu, "test");
            Assert.Equal(spans.Where(s => s.PredictionProbability >= cut).Select(s => (s.Text, s.StartIndex, s.EndIndex)),
                strict.Predict(texts).SelectMany(p => p).Select(s => (s.Text, s.StartIndex, s.EndIndex)));

            var bad = Assert.Throws<KgException>(() => LearnedModelFiles.Load(WithThreshold(card, 1.5), weights, model.Id, cpu, "test"));
            Assert.Equal("ModelMismatch", bad.ErrorId);
            Assert.Contains("span_threshold 1.5", bad.Message);
        }
    }

    [Fact]
    public void Choosing_the_threshold_prefers_the_lowest_of_equal_scores()
    {
        var (model, _) = Train(10);
        using (model)
        {
            // On passages without any gold spans every threshold that keeps a span scores 0 and one that drops them all
            // scores 0 too (no true negatives at span level): the tie goes to the lowest, no threshold.
            var concept = TrainingData.Concept();
            var negatives = concept.LabelledPassages.Where(p => !p.IsPositive).ToArray();
            var features = negatives.Select(p => model.Featurize(p.Text)).ToArray();
            Assert.Equal(0, SpanTagger.ChooseThreshold(model, negatives, features).Threshold);
            Assert.Equal((0.0, 0.0), SpanTagger.ChooseThreshold(model, [], []));
        }
    }

    private static byte[] WithThreshold(byte[] card, double threshold)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(card)!;
        json["span_threshold"] = threshold;
        return System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
    }

    [Fact]
    public void A_mismatched_or_corrupted_model_is_a_clear_error()
    {
        var (model, report) = Train(6);
        using (model)
        {
            var (card, weights) = LearnedModelFiles.Save(model, 6, "data", report);
            var cpu = Devices.Resolve("Cpu");
            var tampered = (byte[])weights.Clone();
            tampered[^10] ^= 0xFF;
            Assert.Equal("ModelMismatch", Assert.Throws<KgException>(() => LearnedModelFiles.Load(card, tampered, model.Id, cpu, "t")).ErrorId);
            Assert.Contains("SHA-256", Assert.Throws<KgException>(() => LearnedModelFiles.Load(card, tampered, model.Id, cpu, "t")).Message);
            Assert.Equal("ModelMismatch", Assert.Throws<KgException>(() => LearnedModelFiles.Load(card, weights, "aaaaaaaa", cpu, "t")).ErrorId);
            Assert.Equal("ModelMismatch", Assert.Throws<KgException>(() => LearnedModelFiles.Load("{"u8.ToArray(), weights, model.Id, cpu, "t")).ErrorId);
        }
    }

    [Fact]
    public void Training_leaks_no_tensors_however_many_epochs_it_runs()
    {
        long LiveAfter(int epochs)
        {
            var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            var (model, _) = Train(8, Small with { MaxEpochs = epochs, Patience = epochs });
            model.Dispose();
            return DisposeScopeManager.Statistics.ThreadTotalLiveCount - before;
        }
        LiveAfter(1); // warm-up
        Assert.Equal(LiveAfter(2), LiveAfter(8));
    }

    [Fact]
    public void An_epoch_limit_is_a_hard_cap_even_on_small_data()
    {
        // Without the limit, the minimum number of optimiser steps makes small data sets run more epochs.
        var settings = new SpanTaggerSettings { WordBuckets = 1 << 12, CharBuckets = 1 << 12, Hidden = 16 };
        var (uncapped, uncappedReport) = Train(12, settings with { MaxEpochs = 2 });
        uncapped.Dispose();
        Assert.True(uncappedReport.Epochs.Count > 2, $"{uncappedReport.Epochs.Count} epochs");
        var (capped, cappedReport) = Train(12, settings.WithEpochLimit(2));
        capped.Dispose();
        Assert.Equal(2, cappedReport.Epochs.Count);
        Assert.Equal(0, new PassageClassifierSettings().WithEpochLimit(2).MinSteps);
    }

    [Fact]
    public void The_passage_classifier_learns_yes_and_no()
    {
        Devices.Prepare(11, 1);
        var concept = TrainingData.Concept(80);
        var (model, report) = PassageClassifier.Train(concept, concept.LabelledPassages, new PassageClassifierSettings { MinSteps = 0, Buckets = 1 << 12 }, 11,
            Devices.Resolve("Cpu"), null, TestContext.Current.CancellationToken);
        using (model)
        {
            var p = model.PredictProbabilities(["Last year river flooding damaged 12 homes.", "In the north the carbon tax will rise."]);
            Assert.True(p[0] > 0.5 && p[1] < 0.5, $"{p[0]} {p[1]}");
            var span = model.Predict(["Last year river flooding damaged 12 homes."]).Single().Single();
            Assert.Equal((0, 42), (span.StartIndex, span.EndIndex)); // the whole passage
            Assert.Equal("Passage F1", report.ValidationMetric);
        }
    }

    [Fact]
    public void Cuda_where_there_is_none_is_a_clear_error()
    {
        if (torch.cuda.is_available())
        {
            Assert.Skip("This machine has a CUDA device.");
        }
        var e = Assert.Throws<KgException>(() => Devices.Resolve("Cuda"));
        Assert.Equal("CudaUnavailable", e.ErrorId);
        Assert.Contains("-Device Cpu", e.Message);
        Assert.Equal("cpu", Devices.Name(Devices.Resolve("Auto")));
        Assert.Equal("InvalidDevice", Assert.Throws<KgException>(() => Devices.Resolve("tpu")).ErrorId);
    }

    private static TrainingReport Report() => new()
    {
        Epochs = [], BestEpoch = 0, BestValidationScore = 0, ValidationMetric = "", Device = "cpu",
        TrainingPassages = 0, ValidationPassages = 0, Duration = TimeSpan.Zero, PeakWorkingSetBytes = 0,
    };
}
