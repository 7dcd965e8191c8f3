using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Training.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training.SpanTagger;

/// <summary>A trained span tagger: predicts the concept's spans in text, decoding BIO tags exactly as the original's
/// token classifier did (original-models.md §2.6): B opens a span, I extends an open one, O or an orphan I closes it;
/// spans shorter than two characters are dropped; a span's probability is the mean of its tokens' predicted-class
/// probabilities; spans below the model's threshold (the original's optional <c>prediction_threshold</c>, chosen here on
/// the validation passages at training time) are dropped. A passage's score is its most probable span's probability
/// (0 without a span).</summary>
public sealed class SpanTaggerModel : ILearnedModel
{
    private const int PredictBatch = 64;
    private readonly SpanFeaturizer _featurizer;
    private readonly KeywordClassifier? _gazetteerMatcher;
    private readonly Device _device;
    private readonly string[] _labellers;

    internal SpanTaggerModel(Concept concept, string id, SpanTaggerSettings settings, SpanTaggerNet net, Gazetteer? gazetteer, Device device, double threshold = 0)
    {
        if (threshold is < 0 or >= 1 || double.IsNaN(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "A span threshold is in [0, 1).");
        }
        Threshold = threshold;
        Concept = concept;
        Id = id;
        TaggerSettings = settings;
        Net = net;
        Gazetteer = gazetteer;
        _gazetteerMatcher = gazetteer?.All;
        _featurizer = new SpanFeaturizer(settings, new KeywordClassifier(concept));
        _device = device;
        _labellers = [$"{Name}(\"{concept.PreferredLabel}\")"];
    }

    public string Name => ClassifierType.SpanTagger.ClassName();
    public string Id { get; }
    public Concept Concept { get; }
    public SpanTaggerSettings TaggerSettings { get; }
    public Gazetteer? Gazetteer { get; }
    public SpanTaggerNet Net { get; }
    public nn.Module Network => Net;
    public JsonElement Settings => JsonSerializer.SerializeToElement(TaggerSettings, ModelCard.SettingsJson);

    /// <summary>Spans whose probability is below this are dropped (0 keeps every span).</summary>
    public double Threshold { get; internal set; }

    /// <summary>The thresholds training chooses from: none, or 0.50 to 0.95 in steps of 0.05.</summary>
    internal static readonly double[] ThresholdCandidates = [0, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];

    /// <summary>The deterministic classifier ID: type, concept, hyper-parameters, seed, training data and, when one
    /// was used, the corpus sample.</summary>
    public static string MakeId(Concept concept, SpanTaggerSettings settings, int seed, string trainingDataSha256, string? corpus) =>
        LearnedIds.Make(ClassifierType.SpanTagger, concept, settings.Canonical(), seed, trainingDataSha256, corpus);

    public IReadOnlyList<IReadOnlyList<Span>> Predict(IReadOnlyList<string> texts) => Score(texts).Spans;

    public (IReadOnlyList<IReadOnlyList<Span>> Spans, float[] Scores) Score(IReadOnlyList<string> texts)
    {
        var all = Decode(texts.Select(Featurize).ToList());
        return (all.Select(s => (IReadOnlyList<Span>)s.Where(x => x.PredictionProbability >= Threshold).ToArray()).ToArray(),
            all.Select(s => s.Count == 0 ? 0f : (float)s.Max(x => x.PredictionProbability ?? 0)).ToArray());
    }

    public void WriteCardExtras(Utf8JsonWriter writer) => Gazetteer?.WriteTo(writer);

    /// <summary>A passage's features as this model sees them at prediction time.</summary>
    internal PassageFeatures Featurize(string text) => _featurizer.Featurize(text, _gazetteerMatcher);

    /// <summary>Per passage, the highest probability that a span begins at one of its tokens (P(B)): how close the
    /// passage comes to being tagged, also when no span is decoded (what hard-negative mining ranks by).</summary>
    internal float[] TokenScores(IReadOnlyList<PassageFeatures> features)
    {
        var result = new float[features.Count];
        Net.eval();
        for (var start = 0; start < features.Count; start += PredictBatch)
        {
            var chunk = features.Skip(start).Take(PredictBatch).ToList();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var batch = SpanBatch.Create(chunk, null, _device);
            var inside = nn.functional.softmax(Net.call(batch), 2).select(2, 1); // [batch, tokens]: P(B)
            var lengths = chunk.Select(c => Math.Max(1, c.Tokens.Count)).ToArray();
            var mask = arange(inside.shape[1]).unsqueeze(0) < tensor(lengths.Select(l => (long)l).ToArray()).unsqueeze(1);
            inside.masked_fill(mask.logical_not(), 0).max(1).values.cpu().data<float>().ToArray().CopyTo(result, start);
        }
        return result;
    }

    /// <summary>Every decoded span of each passage, whatever its probability (the threshold is not applied).</summary>
    internal IReadOnlyList<IReadOnlyList<Span>> Decode(IReadOnlyList<PassageFeatures> features)
    {
        var result = new IReadOnlyList<Span>[features.Count];
        var stamp = new[] { Timestamp.Now() };
        Net.eval();
        for (var start = 0; start < features.Count; start += PredictBatch)
        {
            var chunk = features.Skip(start).Take(PredictBatch).ToList();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var batch = SpanBatch.Create(chunk, null, _device);
            var probabilities = nn.functional.softmax(Net.call(batch), 2).cpu();
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

    public void Dispose() => Net.Dispose();
}
