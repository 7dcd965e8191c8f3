using KnowledgeGraph.Classification;
using KnowledgeGraph.Encoders;
using TorchSharp;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training.Transformer;

/// <summary>The transformer classifier, registered as a learned type: a pretrained encoder (checked by SHA-256, read from
/// its ONNX file) fine-tuned with a classification head by the segment classifiers' recipe
/// (<see cref="SegmentClassifierTrainer"/>). A stored model keeps everything but the word-piece embeddings, which come
/// from the encoder its card names; it loads only with that encoder.</summary>
[LearnedType("TransformerClassifier")]
internal sealed class TransformerType : LearnedType<TransformerSettings>
{
    protected override (ILearnedModel Model, TrainingReport Report) Train(LearnedTrainingInput input, TransformerSettings settings, Action<EpochReport>? progress,
        CancellationToken cancellationToken)
    {
        var encoder = Locate(settings.Encoder);
        Check(settings, encoder.Encoder);
        var net = Pretrained(encoder, settings).to(input.Device);
        net.Freeze(settings.FrozenLayers);
        var id = LearnedIds.Make(ClassifierType.TransformerClassifier, input.Concept, settings.Canonical(), input.Seed, input.TrainingDataSha256, input.Corpus);
        var model = new TransformerModel(input.Concept, id, settings, net, encoder, input.Device);
        return (model, SegmentClassifierTrainer.Train(input, settings, model, progress, cancellationToken));
    }

    public override ILearnedModel Load(ModelCard card, byte[] weights, Device device)
    {
        var settings = card.Settings<TransformerSettings>();
        var expected = card.Root.TryGetProperty("encoder", out var e) && e.TryGetProperty("model_sha256", out var sha) ? sha.GetString() : null;
        var encoder = Locate(settings.Encoder);
        if (expected != encoder.Encoder.Model.Sha256)
        {
            throw ModelCard.Mismatch(card.Source, $"it was fine-tuned from the encoder {settings.Encoder} with SHA-256 {expected ?? "(none in its card)"}, and the installed {encoder.Encoder.Name} ({encoder.ModelPath}) has {encoder.Encoder.Model.Sha256}");
        }
        var net = ModelCard.LoadWeights(Pretrained(encoder, settings), weights, device, card.Source);
        return new TransformerModel(card.Concept, card.ClassifierId, settings, net, encoder, device, card.Threshold);
    }

    /// <summary>The encoder's files, checked, from the folders the worker searches (its module's encoders folder first
    /// after $env:KG_ENCODER_PATH).</summary>
    private static InstalledEncoder Locate(string name)
    {
        var moduleBase = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        return EncoderLocator.Locate(PretrainedEncoders.Get(name), EncoderLocator.SearchPath(moduleBase));
    }

    private static void Check(TransformerSettings settings, PretrainedEncoder encoder)
    {
        if (settings.MaxTokens < 8 || settings.MaxTokens > encoder.MaxTokens)
        {
            throw new KgException("InvalidSettings", KgErrorKind.InvalidArgument,
                $"MaxTokens {settings.MaxTokens} is out of range: {encoder.Name} reads 8 to {encoder.MaxTokens} word pieces.", settings.MaxTokens);
        }
        if (settings.FrozenLayers < 0 || settings.FrozenLayers > encoder.Layers)
        {
            throw new KgException("InvalidSettings", KgErrorKind.InvalidArgument,
                $"FrozenLayers {settings.FrozenLayers} is out of range: {encoder.Name} has {encoder.Layers} layers, so 0 (fine-tune all) to {encoder.Layers} (train the head only).", settings.FrozenLayers);
        }
        if (settings.BatchSize < 1 || settings.AccumulationSteps < 1)
        {
            throw new KgException("InvalidSettings", KgErrorKind.InvalidArgument,
                $"BatchSize {settings.BatchSize} and AccumulationSteps {settings.AccumulationSteps} must be at least 1.", settings.BatchSize);
        }
    }

    /// <summary>The network with the encoder's pretrained weights (and a fresh head).</summary>
    internal static TransformerNet Pretrained(InstalledEncoder encoder, TransformerSettings settings)
    {
        var (shape, weights) = OnnxBertWeights.Read(File.ReadAllBytes(encoder.ModelPath), encoder.Encoder.AttentionHeads, encoder.ModelPath);
        try
        {
            var net = new TransformerNet(shape, settings.Dropout);
            net.Encoder.Load(weights, encoder.ModelPath);
            return net;
        }
        finally
        {
            foreach (var w in weights.Values) w.Dispose();
        }
    }
}
