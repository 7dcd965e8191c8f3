using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training.PassageClassifier;

/// <summary>A trained passage classifier: a <see cref="SegmentClassifierModel{TFeatures}"/> whose segments are hashed
/// n-gram features read by a small convolutional network.</summary>
public sealed class PassageClassifierModel : SegmentClassifierModel<SegmentFeatures>
{
    private readonly SegmentFeaturizer _featurizer;

    internal PassageClassifierModel(Concept concept, string id, PassageClassifierSettings settings, PassageNet net, Device device, double threshold = 0.5)
        : base(ClassifierType.PassageClassifier, concept, id, device, threshold)
    {
        ClassifierSettings = settings;
        Net = net;
        _featurizer = new SegmentFeaturizer(settings, concept);
    }

    public PassageClassifierSettings ClassifierSettings { get; }
    public PassageNet Net { get; }
    public override nn.Module Network => Net;
    public override JsonElement Settings => JsonSerializer.SerializeToElement(ClassifierSettings, ModelCard.SettingsJson);

    public override SegmentFeatures Featurize(string segment) => _featurizer.Featurize(segment);

    public override Tensor Logits(IReadOnlyList<SegmentFeatures> batch)
    {
        using var b = PassageBatch.Create(batch, Device);
        return Net.call(b);
    }
}
