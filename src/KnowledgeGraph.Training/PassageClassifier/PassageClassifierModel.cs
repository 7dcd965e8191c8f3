using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training.PassageClassifier;

/// <summary>A trained passage classifier. A passage is read as its sentence-like segments (<see cref="Segments"/>); its
/// score is the highest probability of any segment that it mentions the concept; when that reaches the threshold
/// chosen at training time, the passage is labelled with one span over all of it carrying that probability.</summary>
public sealed class PassageClassifierModel : ILearnedModel
{
    private const int PredictBatch = 256;
    private readonly SegmentFeaturizer _featurizer;
    private readonly Device _device;
    private readonly string[] _labellers;

    internal PassageClassifierModel(Concept concept, string id, PassageClassifierSettings settings, PassageNet net, Device device, double threshold = 0.5)
    {
        Concept = concept;
        Id = id;
        ClassifierSettings = settings;
        Net = net;
        _featurizer = new SegmentFeaturizer(settings, concept);
        _device = device;
        Threshold = threshold;
        _labellers = [$"{Name}(\"{concept.PreferredLabel}\")"];
    }

    public string Name => ClassifierType.PassageClassifier.ClassName();
    public string Id { get; }
    public Concept Concept { get; }
    public PassageClassifierSettings ClassifierSettings { get; }
    public PassageNet Net { get; }
    public nn.Module Network => Net;
    public JsonElement Settings => JsonSerializer.SerializeToElement(ClassifierSettings, ModelCard.SettingsJson);
    public double Threshold { get; internal set; }

    internal static readonly double[] ThresholdCandidates = Enumerable.Range(1, 19).Select(i => i / 20.0).ToArray();

    public static string MakeId(Concept concept, PassageClassifierSettings settings, int seed, string trainingDataSha256, string? corpus) => corpus is null
        ? Identifier.Generate(ClassifierType.PassageClassifier.ClassName(), concept.Id, settings.Canonical(), seed, trainingDataSha256)
        : Identifier.Generate(ClassifierType.PassageClassifier.ClassName(), concept.Id, settings.Canonical(), seed, trainingDataSha256, corpus);

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
    internal float[] PassageScores(IReadOnlyList<string> texts)
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
        var probabilities = SegmentProbabilities(segments.Select(_featurizer.Featurize).ToList());
        var result = new float[texts.Count];
        for (var k = 0; k < owners.Count; k++)
        {
            result[owners[k]] = Math.Max(result[owners[k]], probabilities[k]);
        }
        return result;
    }

    internal SegmentFeatures Featurize(string segment) => _featurizer.Featurize(segment);

    internal float[] SegmentProbabilities(IReadOnlyList<SegmentFeatures> segments)
    {
        var result = new float[segments.Count];
        Net.eval();
        for (var start = 0; start < segments.Count; start += PredictBatch)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var batch = PassageBatch.Create(segments.Skip(start).Take(PredictBatch).ToList(), _device);
            sigmoid(Net.call(batch)).cpu().data<float>().ToArray().CopyTo(result, start);
        }
        return result;
    }

    public void Dispose() => Net.Dispose();
}
