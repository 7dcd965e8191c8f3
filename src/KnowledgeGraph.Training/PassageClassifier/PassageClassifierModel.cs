using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Training.Features;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training.PassageClassifier;

/// <summary>A trained passage classifier: a <see cref="SegmentClassifierModel{TFeatures}"/> whose segments are hashed
/// n-gram features, with the concept's labels and a gazetteer of the gold strings, read by a small convolutional
/// network.</summary>
public sealed class PassageClassifierModel : SegmentClassifierModel<SegmentFeatures>
{
    private readonly SegmentFeaturizer _featurizer;
    private KeywordClassifier? _gazetteerMatcher;

    internal PassageClassifierModel(Concept concept, string id, PassageClassifierSettings settings, PassageNet net, Gazetteer? gazetteer, Device device, double threshold = 0.5)
        : base(ClassifierType.PassageClassifier, concept, id, device, threshold)
    {
        ClassifierSettings = settings;
        Net = net;
        _featurizer = new SegmentFeaturizer(settings, concept);
        Gazetteer = gazetteer;
    }

    public PassageClassifierSettings ClassifierSettings { get; }
    public PassageNet Net { get; }
    public override nn.Module Network => Net;
    public override JsonElement Settings => JsonSerializer.SerializeToElement(ClassifierSettings, ModelCard.SettingsJson);

    /// <summary>The gold strings the model matches on new text (stored in its card); null without the setting.</summary>
    public Gazetteer? Gazetteer
    {
        get => _gazetteer;
        private set
        {
            _gazetteer = value;
            _gazetteerMatcher = value?.All;
        }
    }

    private Gazetteer? _gazetteer;

    public override SegmentFeatures Featurize(string segment) => _featurizer.Featurize(segment, _gazetteerMatcher);

    public override SegmentFeatures Featurize(string segment, string documentId) => _featurizer.Featurize(segment, Gazetteer?.ForDocument(documentId));

    public override void LearnStrings(IEnumerable<LabelledPassage> passages)
    {
        if (ClassifierSettings.Gazetteer) Gazetteer = new Gazetteer(passages);
    }

    public override void WriteCardExtras(Utf8JsonWriter writer) => Gazetteer?.WriteTo(writer);

    public override Tensor Logits(IReadOnlyList<SegmentFeatures> batch)
    {
        using var b = PassageBatch.Create(batch, Device);
        return Net.call(b);
    }
}
