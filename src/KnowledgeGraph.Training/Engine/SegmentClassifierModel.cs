using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training;

/// <summary>A learned classifier that reads a passage as its sentence-like segments (<see cref="Segments"/>): the
/// passage's score is the highest probability of any segment that it mentions the concept, and when that reaches the
/// threshold chosen at training time, the passage is labelled with one span over all of it carrying that probability
/// (the original's passage-level types, original-models.md §2.5). A type supplies how a segment becomes features and
/// how a batch of them becomes logits.</summary>
public abstract class SegmentClassifierModel<TFeatures> : ILearnedModel
{
    private readonly string[] _labellers;

    protected SegmentClassifierModel(ClassifierType type, Concept concept, string id, Device device, double threshold)
    {
        Name = type.ClassName();
        Concept = concept;
        Id = id;
        Device = device;
        Threshold = threshold;
        _labellers = [$"{Name}(\"{concept.PreferredLabel}\")"];
    }

    public string Name { get; }
    public string Id { get; }
    public Concept Concept { get; }
    public Device Device { get; }
    public double Threshold { get; internal set; }
    public abstract nn.Module Network { get; }
    public abstract JsonElement Settings { get; }

    /// <summary>How many segments are scored at once.</summary>
    protected virtual int PredictBatch => 256;

    /// <summary>One segment as the network reads it.</summary>
    public abstract TFeatures Featurize(string segment);

    /// <summary>A segment of a labelled passage of <paramref name="documentId"/> as training reads it: a model that learns
    /// the labelled strings themselves leaves out those only that document gave (they would make the feature more
    /// reliable in training than on new text).</summary>
    public virtual TFeatures Featurize(string segment, string documentId) => Featurize(segment);

    /// <summary>Takes the labelled passages whose strings the model may match (a gazetteer): the fitting ones before
    /// training, every one after it. Most types learn nothing from them.</summary>
    public virtual void LearnStrings(IEnumerable<LabelledPassage> passages)
    {
    }

    /// <summary>The logits [batch] of a batch of segments, with the network in whatever mode it is in.</summary>
    public abstract Tensor Logits(IReadOnlyList<TFeatures> batch);

    /// <summary>A segment's length, when batches of similar lengths cost less (a transformer pads to the longest); null
    /// when the length does not matter.</summary>
    public virtual int? Length(TFeatures features) => null;

    public virtual void WriteCardExtras(Utf8JsonWriter writer)
    {
    }

    public IReadOnlyList<IReadOnlyList<Span>> Predict(IReadOnlyList<string> texts) => Score(texts).Spans;

    public (IReadOnlyList<IReadOnlyList<Span>> Spans, float[] Scores) Score(IReadOnlyList<string> texts)
    {
        var scores = PassageScores(texts);
        var stamp = new[] { Timestamp.Now() };
        var spans = texts.Select((t, i) => scores[i] > 0 && scores[i] >= Threshold
            ? (IReadOnlyList<Span>)[new Span(t, 0, CodePoints.Length(t), Concept.WikibaseId, _labellers, stamp, scores[i])]
            : []).ToArray();
        return (spans, scores);
    }

    /// <summary>Each text's score: the highest segment probability (0 for a text without a segment).</summary>
    public float[] PassageScores(IReadOnlyList<string> texts)
    {
        var owners = new List<int>();
        var segments = new List<string>();
        for (var i = 0; i < texts.Count; i++)
        {
            foreach (var (start, end) in Segments.Split(texts[i]))
            {
                owners.Add(i);
                segments.Add(texts[i][start..end]);
            }
        }
        var probabilities = SegmentProbabilities(segments.Select(Featurize).ToList());
        var result = new float[texts.Count];
        for (var k = 0; k < owners.Count; k++)
        {
            result[owners[k]] = Math.Max(result[owners[k]], probabilities[k]);
        }
        return result;
    }

    /// <summary>Each segment's probability, in batches (of similar lengths when the length matters).</summary>
    public float[] SegmentProbabilities(IReadOnlyList<TFeatures> segments)
    {
        var result = new float[segments.Count];
        var order = Enumerable.Range(0, segments.Count).OrderBy(i => Length(segments[i]) ?? 0).ToArray();
        Network.eval();
        foreach (var chunk in order.Chunk(PredictBatch))
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var probabilities = sigmoid(Logits(chunk.Select(i => segments[i]).ToList())).cpu().data<float>().ToArray();
            for (var k = 0; k < chunk.Length; k++)
            {
                result[chunk[k]] = probabilities[k];
            }
        }
        return result;
    }

    public virtual void Dispose() => Network.Dispose();
}

/// <summary>The deterministic classifier ID of every learned type: type, concept, hyper-parameters, seed, training data
/// and, when one was used, the corpus sample.</summary>
internal static class LearnedIds
{
    public static string Make(ClassifierType type, Concept concept, string canonicalSettings, int seed, string trainingDataSha256, Corpus.CorpusSample? corpus) =>
        Make(type, concept, canonicalSettings, seed, trainingDataSha256, CorpusKey(corpus));

    public static string Make(ClassifierType type, Concept concept, string canonicalSettings, int seed, string trainingDataSha256, string? corpusKey) => corpusKey is null
        ? Identifier.Generate(type.ClassName(), concept.Id, canonicalSettings, seed, trainingDataSha256)
        : Identifier.Generate(type.ClassName(), concept.Id, canonicalSettings, seed, trainingDataSha256, corpusKey);

    /// <summary>What identifies a corpus sample: the corpus's SHA-256 and the sampling seed.</summary>
    public static string? CorpusKey(Corpus.CorpusSample? corpus) => corpus?.Summary.Sha256 is { } sha ? $"{sha}:{corpus.Summary.Seed}" : null;
}
