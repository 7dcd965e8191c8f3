using System.Text.Json;
using System.Text.Json.Nodes;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Corpus;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Training;
using KnowledgeGraph.Training.PassageClassifier;
using KnowledgeGraph.Training.SpanTagger;
using TorchSharp;
using Xunit;

namespace KnowledgeGraph.Tests;

[Collection(TorchState.Collection)]
public class LearnedModelTests
{
    private static readonly SpanTaggerSettings Small = new() { MaxEpochs = 25, MinSteps = 0, Patience = 25, WordBuckets = 1 << 12, CharBuckets = 1 << 12, Hidden = 32 };
    private static readonly PassageClassifierSettings SmallPassages = new() { MinSteps = 0, Buckets = 1 << 12, Filters = 32, MaxEpochs = 15, Patience = 15 };

    internal static LearnedTrainingInput Input(Concept concept, int seed, CorpusSample? corpus = null) => new()
    {
        Concept = concept,
        Training = concept.LabelledPassages,
        Corpus = corpus,
        Seed = seed,
        Device = Devices.Resolve("Cpu"),
        TrainingDataSha256 = ModelFiles.DataHash(concept.LabelledPassages),
    };

    private static (SpanTaggerModel Model, TrainingReport Report) Train(int seed, SpanTaggerSettings? settings = null, Concept? concept = null, CorpusSample? corpus = null)
    {
        Devices.Prepare(seed, 1);
        return SpanTaggerTrainer.Train(Input(concept ?? TrainingData.Concept(), seed, corpus), settings ?? Small, null, TestContext.Current.CancellationToken);
    }

    private static (byte[] Card, byte[] Weights) Save(ILearnedModel model, TrainingReport report, string type = "SpanTagger") =>
        ModelCard.Save(model, type, 5, "data", report.ToSummary(5, 1), null);

    [Fact]
    public void Every_registered_learned_type_has_an_implementation_and_no_other_exists()
    {
        var registered = ClassifierTypes.All.Where(t => t.IsLearned).Select(t => t.Type.Name).Order();
        Assert.Equal(registered, LearnedTypes.Names.Order());
        Assert.Equal("InvalidClassifierType", Assert.Throws<KgException>(() => LearnedTypes.Get("Keyword")).ErrorId);
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
    public void A_passage_score_is_its_most_probable_span_and_zero_without_one()
    {
        var (model, _) = Train(7);
        using (model)
        {
            var (spans, scores) = model.Score(["Last year coastal flooding damaged 5 homes.", "the budget was approved"]);
            Assert.Equal((float)spans[0].Max(s => s.PredictionProbability!.Value), scores[0], 5);
            Assert.Empty(spans[1]);
            Assert.Equal(0f, scores[1]);
        }
    }

    [Fact]
    public void The_same_seed_on_the_cpu_gives_the_same_model_and_id()
    {
        var (a, ra) = Train(3);
        var (b, rb) = Train(3);
        var (c, rc) = Train(4);
        using (a) using (b) using (c)
        {
            Assert.Equal(ModelManifest.Sha256Hex(Save(a, ra).Weights), ModelManifest.Sha256Hex(Save(b, rb).Weights));
            Assert.Equal(a.Id, b.Id);
            Assert.NotEqual(a.Id, c.Id);          // the seed is part of the ID
            Assert.NotEqual(ModelManifest.Sha256Hex(Save(a, ra).Weights), ModelManifest.Sha256Hex(Save(c, rc).Weights));
        }
    }

    [Fact]
    public void Ids_depend_on_type_concept_settings_seed_data_and_corpus_only()
    {
        var concept = TrainingData.Concept();
        var id = SpanTaggerModel.MakeId(concept, Small, 1, "abc", null);
        Assert.Equal(id, SpanTaggerModel.MakeId(concept, Small, 1, "abc", null));
        Assert.NotEqual(id, SpanTaggerModel.MakeId(concept, Small with { Hidden = 33 }, 1, "abc", null));
        Assert.NotEqual(id, SpanTaggerModel.MakeId(concept, Small, 1, "abd", null));
        Assert.NotEqual(id, SpanTaggerModel.MakeId(concept, Small, 1, "abc", "corpus-sha:42"));
        Assert.NotEqual(id, LearnedIds.Make(ClassifierType.PassageClassifier, concept, new PassageClassifierSettings().Canonical(), 1, "abc", (string?)null));
    }

    [Fact]
    public void A_saved_model_loads_and_predicts_the_same()
    {
        var (model, report) = Train(5);
        using (model)
        {
            var (card, weights) = Save(model, report);
            using var loaded = (SpanTaggerModel)ModelCard.Load(card, weights, model.Id, Devices.Resolve("Cpu"), "test");
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
            Assert.Contains(model.Threshold, SpanTaggerModel.ThresholdCandidates);
            Assert.Equal(model.Threshold, report.Threshold);
            Assert.Contains("span F1", report.ThresholdRule);
            var (card, weights) = Save(model, report);
            var cpu = Devices.Resolve("Cpu");
            string[] texts = ["Officials warned that urban flooding damaged 3 homes.", "Last year flash flooding and river flooding damaged 9 homes."];
            using (var loaded = (SpanTaggerModel)ModelCard.Load(card, weights, model.Id, cpu, "test"))
            {
                Assert.Equal(model.Threshold, loaded.Threshold);
            }

            // The same weights with a higher threshold keep exactly the spans at or above it.
            using var open = (SpanTaggerModel)ModelCard.Load(WithThreshold(card, 0), weights, model.Id, cpu, "test");
            var spans = open.Predict(texts).SelectMany(p => p).ToArray();
            Assert.NotEmpty(spans);
            var cut = spans.Select(s => s.PredictionProbability!.Value).Order().ElementAt(spans.Length / 2);
            using var strict = (SpanTaggerModel)ModelCard.Load(WithThreshold(card, cut), weights, model.Id, cpu, "test");
            Assert.Equal(spans.Where(s => s.PredictionProbability >= cut).Select(s => (s.Text, s.StartIndex, s.EndIndex)),
                strict.Predict(texts).SelectMany(p => p).Select(s => (s.Text, s.StartIndex, s.EndIndex)));

            var bad = Assert.Throws<KgException>(() => ModelCard.Load(WithThreshold(card, 1.5), weights, model.Id, cpu, "test"));
            Assert.Equal("ModelMismatch", bad.ErrorId);
            Assert.Contains("threshold 1.5", bad.Message);
        }
    }

    [Fact]
    public void A_span_tagger_stored_by_the_earlier_card_schema_still_loads()
    {
        var (model, report) = Train(9);
        using (model)
        {
            var (card, weights) = Save(model, report);
            var json = JsonNode.Parse(card)!;
            json["schema"] = "kgtools.learned-model/1";
            json["span_threshold"] = model.Threshold;
            json.AsObject().Remove("threshold");
            using var loaded = (SpanTaggerModel)ModelCard.Load(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()), weights, model.Id, Devices.Resolve("Cpu"), "v1");
            Assert.Equal(model.Threshold, loaded.Threshold);
        }
    }

    [Fact]
    public void Choosing_a_threshold_takes_the_middle_of_the_best_plateau()
    {
        double[] candidates = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
        double[] scores = [0.2, 0.8, 0.8, 0.8, 0.5, 0.8];
        Assert.Equal((0.3, 0.8), ValidationSet.Choose(candidates, t => scores[Array.IndexOf(candidates, t)]));
        Assert.Equal(0.1, ValidationSet.Choose(candidates, _ => 0).Threshold);
        // With a preferred threshold (a network's own 0.5), the tied candidate nearest it.
        Assert.Equal((0.6, 0.8), ValidationSet.Choose(candidates, t => scores[Array.IndexOf(candidates, t)], preferred: 0.55));
        Assert.Equal((0.4, 0.8), ValidationSet.Choose(candidates, t => scores[Array.IndexOf(candidates, t)], preferred: 0.45));
    }

    [Fact]
    public void Corpus_negatives_count_at_the_corpus_rate_in_validation()
    {
        var gold = TrainingData.Concept(20).LabelledPassages; // 15 positive
        CorpusPassage N(int i) => new("n" + i, "unrelated text " + i, "d");
        var corpus = new CorpusSample { Negatives = [], MiningPool = [], Validation = Enumerable.Range(0, 300).Select(N).ToArray(), Summary = Summary(0.2) };
        var check = ValidationSet.Create(gold, corpus);
        Assert.Equal(15 * 0.8 / 0.2 / 300, check.CorpusWeight, 6);      // 60 natural negatives for 15 positives, spread over 300
        // Flagging every positive and 30 of the corpus negatives: 30 × 0.2 = 6 weighted false positives.
        var flaggedLabelled = gold.Select(p => p.IsPositive).ToArray();
        var flaggedCorpus = Enumerable.Range(0, 300).Select(i => i < 30).ToArray();
        Assert.Equal(2 * 15 / (2.0 * 15 + 6), check.PassageFBeta(flaggedLabelled, flaggedCorpus, 1), 6);
        Assert.Equal(0, ValidationSet.Create(gold, null).CorpusWeight);
    }

    [Fact]
    public void A_mismatched_or_corrupted_model_is_a_clear_error()
    {
        var (model, report) = Train(6);
        using (model)
        {
            var (card, weights) = Save(model, report);
            var cpu = Devices.Resolve("Cpu");
            var tampered = (byte[])weights.Clone();
            tampered[^10] ^= 0xFF;
            Assert.Equal("ModelMismatch", Assert.Throws<KgException>(() => ModelCard.Load(card, tampered, model.Id, cpu, "t")).ErrorId);
            Assert.Contains("SHA-256", Assert.Throws<KgException>(() => ModelCard.Load(card, tampered, model.Id, cpu, "t")).Message);
            Assert.Equal("ModelMismatch", Assert.Throws<KgException>(() => ModelCard.Load(card, weights, "aaaaaaaa", cpu, "t")).ErrorId);
            Assert.Equal("ModelMismatch", Assert.Throws<KgException>(() => ModelCard.Load("{"u8.ToArray(), weights, model.Id, cpu, "t")).ErrorId);
            var unknownType = JsonNode.Parse(card)!;
            unknownType["classifier_type"] = "Transformer9000";
            var e = Assert.Throws<KgException>(() => ModelCard.Load(System.Text.Encoding.UTF8.GetBytes(unknownType.ToJsonString()), weights, model.Id, cpu, "t"));
            Assert.Equal("ModelMismatch", e.ErrorId);
            Assert.Contains("Transformer9000", e.Message);
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
    public void The_passage_classifier_learns_yes_and_no_and_labels_whole_passages()
    {
        Devices.Prepare(11, 1);
        var concept = TrainingData.Concept(80);
        var (trained, report) = LearnedTypes.Get("PassageClassifier").Train(Input(concept, 11) with { Settings = JsonSerializer.SerializeToElement(SmallPassages) }, null, TestContext.Current.CancellationToken);
        var model = (PassageClassifierModel)trained;
        using (model)
        {
            var (_, p) = model.Score(["Last year river flooding damaged 12 homes.", "In the north the carbon tax will rise."]);
            Assert.True(p[0] > model.Threshold && p[1] < model.Threshold, $"{p[0]} {p[1]} threshold {model.Threshold}");
            var span = model.Predict(["Last year river flooding damaged 12 homes."]).Single().Single();
            Assert.Equal((0, 42), (span.StartIndex, span.EndIndex)); // the whole passage
            Assert.Equal("Passage average precision", report.ValidationMetric);
            Assert.Contains("passage F0.5", report.ThresholdRule);

            // A long passage is read sentence by sentence: one sentence about the concept is enough.
            var long_ = string.Join(" ", Enumerable.Repeat("In the north the carbon tax will rise.", 30)) + " Last year river flooding damaged 12 homes.";
            Assert.True(model.Score([long_]).Scores[0] > model.Threshold);

            var (card, weights) = Save(model, report, "PassageClassifier");
            using var loaded = (PassageClassifierModel)ModelCard.Load(card, weights, model.Id, Devices.Resolve("Cpu"), "t");
            Assert.Equal(model.Score([long_]).Scores, loaded.Score([long_]).Scores);
            var v1 = JsonNode.Parse(card)!;
            v1["schema"] = "kgtools.learned-model/1";
            var old = Assert.Throws<KgException>(() => ModelCard.Load(System.Text.Encoding.UTF8.GetBytes(v1.ToJsonString()), weights, model.Id, Devices.Resolve("Cpu"), "t"));
            Assert.Contains("train it again", old.Message);
        }
    }

    [Fact]
    public void Untrained_networks_start_from_the_concepts_labels()
    {
        Devices.Prepare(3, 1);
        var concept = TrainingData.Concept(20);
        var settings = SmallPassages;
        using var passageNet = new PassageNet(settings);
        passageNet.eval();
        var featurizer = new SegmentFeaturizer(settings, concept);
        using (var batch = PassageBatch.Create([featurizer.Featurize("Last year the flood damaged 5 homes.", null), featurizer.Featurize("Buses will run on electricity.", null)], Devices.Resolve("Cpu")))
        {
            var p = torch.sigmoid(passageNet.call(batch)).data<float>().ToArray();
            Assert.True(p[0] > 0.3 && p[1] < 0.1, $"label {p[0]}, none {p[1]}");
        }

        var spanSettings = Small with { LabelPrior = true };
        using var spanNet = new SpanTaggerNet(spanSettings);
        spanNet.eval();
        var features = new SpanFeaturizer(spanSettings, new KeywordClassifier(concept)).Featurize("Officials warned that the flood came back.", null);
        using var spans = SpanBatch.Create([features], null, Devices.Resolve("Cpu"));
        var tags = spanNet.call(spans).argmax(2).data<long>().ToArray();
        var flood = features.Tokens.ToList().FindIndex(t => t.Text == "flood");
        Assert.Equal(1, tags[flood]); // B: the label
        Assert.All(tags.Where((_, i) => i != flood), t => Assert.Equal(0, t)); // O everywhere else
    }

    [Fact]
    public void The_span_taggers_label_prior_is_on_for_few_positives_and_off_for_many_unless_set()
    {
        var few = TrainingData.Concept(12); // 9 positive passages
        var settings = Small with { MaxEpochs = 1, Patience = 1 };
        var (a, _) = Train(2, settings, few);
        var (b, _) = Train(2, settings); // 45 positive passages
        var (c, _) = Train(2, settings with { LabelPrior = false }, few);
        using (a) using (b) using (c)
        {
            Assert.True(a.TaggerSettings.LabelPrior);
            Assert.False(b.TaggerSettings.LabelPrior);
            Assert.False(c.TaggerSettings.LabelPrior);
            Assert.NotEqual(a.Id, c.Id); // the resolved choice is part of the ID
        }
    }

    [Fact]
    public void A_segment_classifier_keeps_its_own_threshold_when_validation_has_too_few_positives()
    {
        // 12 passages: the validation split holds fewer than five with the concept, too few to choose a threshold by.
        Devices.Prepare(5, 1);
        var (trained, report) = LearnedTypes.Get("PassageClassifier").Train(Input(TrainingData.Concept(12), 5) with { Settings = JsonSerializer.SerializeToElement(SmallPassages) }, null, TestContext.Current.CancellationToken);
        using (trained)
        {
            Assert.Equal(0.5, report.Threshold);
            Assert.Contains("fewer than the 5 needed", report.ThresholdRule);
        }
    }

    [Fact]
    public void The_passage_classifier_keeps_its_gazetteer_and_refuses_weights_of_another_network()
    {
        Devices.Prepare(9, 1);
        var (trained, report) = LearnedTypes.Get("PassageClassifier").Train(Input(TrainingData.Concept(40), 9) with { Settings = JsonSerializer.SerializeToElement(SmallPassages) }, null, TestContext.Current.CancellationToken);
        using var model = (PassageClassifierModel)trained;
        Assert.Contains("river flooding", model.Gazetteer!.Strings);
        var (card, weights) = Save(model, report, "PassageClassifier");
        using (var loaded = (PassageClassifierModel)ModelCard.Load(card, weights, model.Id, Devices.Resolve("Cpu"), "t"))
        {
            Assert.Equal(model.Gazetteer.Strings, loaded.Gazetteer!.Strings);
        }

        // Weights saved by a network of another shape (an earlier version's) are a clear error, not a crash.
        using var other = new SpanTaggerNet(Small);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) other.save(writer);
        var otherCard = JsonNode.Parse(card)!;
        otherCard["weights_sha256"] = ModelManifest.Sha256Hex(stream.ToArray());
        var error = Assert.Throws<KgException>(() => ModelCard.Load(System.Text.Encoding.UTF8.GetBytes(otherCard.ToJsonString()), stream.ToArray(), model.Id, Devices.Resolve("Cpu"), "t"));
        Assert.Equal("ModelMismatch", error.ErrorId);
        Assert.Contains("train it again", error.Message);
    }

    [Fact]
    public void With_a_corpus_training_draws_negatives_mines_hard_ones_and_validates_on_held_out_ones()
    {
        var concept = TrainingData.Concept(60);
        // Corpus text that shares words with the concept's passages but is not about flooding, and unrelated text.
        string[] distractors = ["The report said that new flooring was laid in {0} homes.", "Officials warned that blood donations fell in {0} towns.",
            "Last year the floor of {0} halls was repaired.", "According to the plan, {0} flood insurance letters were printed."];
        string[] unrelated = ["Solar panels now power {0} schools.", "The carbon tax rose by {0} percent.", "Buses ran {0} new routes."];
        CorpusPassage P(string template, int i) => new($"c{template.GetHashCode():x}{i}", string.Format(System.Globalization.CultureInfo.InvariantCulture, template, i), "corpus");
        var negatives = Enumerable.Range(0, 40).SelectMany(i => unrelated.Select(t => P(t, i))).ToArray();
        var pool = Enumerable.Range(100, 30).SelectMany(i => distractors.Select(t => P(t, i)).Concat(unrelated.Select(t => P(t, i)))).ToArray();
        var validation = Enumerable.Range(200, 20).SelectMany(i => distractors.Select(t => P(t, i))).ToArray();
        var corpus = new CorpusSample { Negatives = negatives, MiningPool = pool, Validation = validation, Summary = Summary(0.1) };
        var (model, report) = Train(13, Small with { HardNegatives = 50, NegativesPerEpoch = 40 }, concept, corpus);
        using (model)
        {
            Assert.Equal(negatives.Length, report.CorpusNegatives);
            Assert.Equal(validation.Length, report.CorpusValidation);
            Assert.InRange(report.HardNegatives, 1, 50);
            Assert.Contains(report.Epochs, e => e.Phase?.Contains("hard negatives", StringComparison.Ordinal) == true);
            Assert.Contains("corpus negatives", report.ThresholdRule);
            Assert.Contains("corpus-weighted", report.ValidationMetric);
            Assert.NotEqual(SpanTaggerModel.MakeId(concept, Small with { HardNegatives = 50, NegativesPerEpoch = 40 }, 13, ModelFiles.DataHash(concept.LabelledPassages), null), model.Id);
            // What it was taught it is not: held-out distractors are left alone, the concept is still found.
            var held = Enumerable.Range(300, 10).SelectMany(i => distractors.Select(t => string.Format(System.Globalization.CultureInfo.InvariantCulture, t, i))).ToArray();
            Assert.Equal(0, model.Predict(held).Count(s => s.Count > 0));
            Assert.NotEmpty(model.Predict(["Officials warned that coastal flooding damaged 7 homes."]).Single());
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

    internal static CorpusSummary Summary(double prior) => new()
    {
        Paths = ["test"], Files = [], Sha256 = "abc", PassagesRead = 0, EmptyPassages = 0, MalformedLines = 0, DroppedAsLabelled = 0,
        PossibleMentions = 0, Candidates = 0, Prior = prior, NegativesDrawn = 0, MiningPool = 0, ValidationNegatives = 0, Seed = 1, Seconds = 0,
    };

    private static byte[] WithThreshold(byte[] card, double threshold)
    {
        var json = JsonNode.Parse(card)!;
        json["threshold"] = threshold;
        return System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
    }
}
