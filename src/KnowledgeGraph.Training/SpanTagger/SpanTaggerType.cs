using KnowledgeGraph.Training.Features;

namespace KnowledgeGraph.Training.SpanTagger;

/// <summary>The span tagger, registered as a learned type.</summary>
[LearnedType("SpanTagger")]
internal sealed class SpanTaggerType : LearnedType<SpanTaggerSettings>
{
    protected override (ILearnedModel Model, TrainingReport Report) Train(LearnedTrainingInput input, SpanTaggerSettings settings, Action<EpochReport>? progress,
        CancellationToken cancellationToken) => SpanTaggerTrainer.Train(input, settings, progress, cancellationToken);

    public override ILearnedModel Load(ModelCard card, byte[] weights, TorchSharp.torch.Device device)
    {
        var settings = card.Settings<SpanTaggerSettings>();
        var gazetteer = Gazetteer.FromCard(card.Root);
        var net = ModelCard.LoadWeights(new SpanTaggerNet(settings), weights, device, card.Source);
        return new SpanTaggerModel(card.Concept, card.ClassifierId, settings, net, gazetteer, device, card.Threshold);
    }
}
