using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Encoders;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training.Transformer;

/// <summary>A fine-tuned transformer classifier: a <see cref="SegmentClassifierModel{TFeatures}"/> whose segments are
/// word pieces read by the pretrained encoder and its head. A passage is read segment by segment (so a long passage is
/// read whole, in pieces); a segment's word pieces beyond <see cref="TransformerSettings.MaxTokens"/> are not read.</summary>
internal sealed class TransformerModel : SegmentClassifierModel<int[]>
{
    private readonly WordPieces _wordPieces;

    public TransformerModel(Concept concept, string id, TransformerSettings settings, TransformerNet net, InstalledEncoder encoder, Device device, double threshold = 0.5)
        : base(ClassifierType.TransformerClassifier, concept, id, device, threshold)
    {
        ClassifierSettings = settings;
        Net = net;
        Encoder = encoder;
        _wordPieces = new WordPieces(encoder.VocabularyPath, encoder.Encoder.Uncased);
    }

    public TransformerSettings ClassifierSettings { get; }
    public TransformerNet Net { get; }
    public InstalledEncoder Encoder { get; }
    public override nn.Module Network => Net;
    public override JsonElement Settings => JsonSerializer.SerializeToElement(ClassifierSettings, ModelCard.SettingsJson);
    protected override int PredictBatch => 64;

    /// <summary>How the model reads a long passage, for its card.</summary>
    public string LongPassages => $"read as segments (sentences of at most {Text.Segments.MaxLength} characters); the first {ClassifierSettings.MaxTokens - 2} word pieces of each segment are read, the rest of a longer segment is not; the passage's score is its best segment's";

    public override int[] Featurize(string segment) => _wordPieces.Encode(segment, ClassifierSettings.MaxTokens);

    public override int? Length(int[] features) => features.Length;

    public override Tensor Logits(IReadOnlyList<int[]> batch)
    {
        var t = batch.Max(x => x.Length);
        var ids = new long[batch.Count * t];
        var mask = new bool[batch.Count * t];
        for (var i = 0; i < batch.Count; i++)
        {
            for (var j = 0; j < t; j++)
            {
                var real = j < batch[i].Length;
                ids[i * t + j] = real ? batch[i][j] : _wordPieces.PaddingId;
                mask[i * t + j] = real;
            }
        }
        using var idTensor = tensor(ids, [batch.Count, t]).to(Device);
        using var maskTensor = tensor(mask, [batch.Count, t]).to(Device);
        return Net.call(idTensor, maskTensor);
    }

    public override void WriteCardExtras(Utf8JsonWriter writer)
    {
        var e = Encoder.Encoder;
        writer.WriteStartObject("encoder");
        writer.WriteString("name", e.Name);
        writer.WriteString("package", $"{e.Package} {e.PackageVersion}");
        writer.WriteString("model_sha256", e.Model.Sha256);
        writer.WriteString("vocabulary_sha256", e.Vocabulary.Sha256);
        writer.WriteString("long_passages", LongPassages);
        writer.WriteEndObject();
    }
}
