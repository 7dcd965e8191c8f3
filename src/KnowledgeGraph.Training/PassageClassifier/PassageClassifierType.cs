using KnowledgeGraph.Classification;
using KnowledgeGraph.Training.Features;
using TorchSharp;

namespace KnowledgeGraph.Training.PassageClassifier;

/// <summary>The passage classifier, registered as a learned type: hashed n-grams and a CNN over segments, trained by the
/// segment classifiers' recipe (<see cref="SegmentClassifierTrainer"/>).</summary>
[LearnedType("PassageClassifier")]
internal sealed class PassageClassifierType : LearnedType<PassageClassifierSettings>
{
    protected override (ILearnedModel Model, TrainingReport Report) Train(LearnedTrainingInput input, PassageClassifierSettings settings, Action<EpochReport>? progress,
        CancellationToken cancellationToken)
    {
        var id = LearnedIds.Make(ClassifierType.PassageClassifier, input.Concept, settings.Canonical(), input.Seed, input.TrainingDataSha256, input.Corpus);
        var model = new PassageClassifierModel(input.Concept, id, settings, new PassageNet(settings).to(input.Device), null, input.Device);
        return (model, SegmentClassifierTrainer.Train(input, settings, model, progress, cancellationToken));
    }

    public override ILearnedModel Load(ModelCard card, byte[] weights, TorchSharp.torch.Device device)
    {
        if (card.IsVersion1)
        {
            throw ModelCard.Mismatch(card.Source, "it is a passage classifier of an earlier version of the module (a bag of n-grams, card schema kgtools.learned-model/1); train it again");
        }
        var settings = card.Settings<PassageClassifierSettings>();
        var net = ModelCard.LoadWeights(new PassageNet(settings), weights, device, card.Source);
        return new PassageClassifierModel(card.Concept, card.ClassifierId, settings, net, Gazetteer.FromCard(card.Root), device, card.Threshold);
    }
}
