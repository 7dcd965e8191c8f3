namespace KnowledgeGraph.Training.PassageClassifier;

/// <summary>The passage classifier, registered as a learned type.</summary>
[LearnedType("PassageClassifier")]
internal sealed class PassageClassifierType : LearnedType<PassageClassifierSettings>
{
    protected override (ILearnedModel Model, TrainingReport Report) Train(LearnedTrainingInput input, PassageClassifierSettings settings, Action<EpochReport>? progress,
        CancellationToken cancellationToken) => PassageClassifierTrainer.Train(input, settings, progress, cancellationToken);

    public override ILearnedModel Load(ModelCard card, byte[] weights, TorchSharp.torch.Device device)
    {
        if (card.IsVersion1)
        {
            throw ModelCard.Mismatch(card.Source, "it is a passage classifier of an earlier version of the module (a bag of n-grams, card schema kgtools.learned-model/1); train it again");
        }
        var settings = card.Settings<PassageClassifierSettings>();
        var net = ModelCard.LoadWeights(new PassageNet(settings), weights, device);
        return new PassageClassifierModel(card.Concept, card.ClassifierId, settings, net, device, card.Threshold);
    }
}
