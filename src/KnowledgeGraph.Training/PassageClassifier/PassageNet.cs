using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Training.Features;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training.PassageClassifier;

/// <summary>A convolutional text classifier that decides where the mention is: per token a hashed word embedding and
/// the mean of its hashed character n-gram embeddings; a convolution over neighbouring tokens; a logit at every token
/// from the filters there; the segment's logit is the highest of them plus what the concept's label features say. One
/// mention anywhere decides, however long the text, and words elsewhere in the segment (a list that also names
/// wetlands) cannot talk it down, as they could when the filters were pooled over the segment first.</summary>
public sealed class PassageNet : nn.Module<PassageBatch, Tensor>
{
    private readonly Embedding words;
    private readonly EmbeddingBag chars;
    private readonly Conv1d conv;
    private readonly Dropout dropout;
    private readonly Linear position;
    private readonly Linear dense;

    public PassageNet(PassageClassifierSettings s) : base(nameof(PassageNet))
    {
        words = nn.Embedding(s.Buckets, s.Dim, padding_idx: 0);
        chars = nn.EmbeddingBag(s.Buckets, s.Dim, mode: EmbeddingBagMode.Mean);
        conv = nn.Conv1d(2 * s.Dim, s.Filters, s.Kernel, padding: s.Kernel / 2);
        dropout = nn.Dropout(s.Dropout);
        position = nn.Linear(s.Filters, 1);
        dense = nn.Linear(SegmentFeatures.DenseSize, 1, hasBias: false);
        RegisterComponents();
        // A prior from the concept's own knowledge, which training then corrects: a segment that matches one of its
        // labels or a gold string starts out about even, any other well below (the concept is rare), and a
        // negative label counts against. Trained on a handful of passages, the network then starts from (and
        // tends to stay near) the keyword classifier's decisions instead of from noise.
        using (no_grad())
        {
            dense.weight.copy_(tensor(new[] { Prior, 0f, -Prior, Prior, 0f }).view(1, SegmentFeatures.DenseSize));
            position.bias!.fill_(-Prior);
        }
    }

    /// <summary>The starting weight of a label match, and the starting bias against every segment.</summary>
    private const float Prior = 5f;

    /// <summary>Logits [batch].</summary>
    public override Tensor forward(PassageBatch b)
    {
        var n = b.WordIds.shape[0];
        var t = b.WordIds.shape[1];
        var x = cat([words.call(b.WordIds), chars.call(b.CharIds, b.CharOffsets, null).view(n, t, -1)], 2);
        var h = nn.functional.relu(conv.call(dropout.call(x).permute(0, 2, 1))).permute(0, 2, 1);
        var perToken = position.call(dropout.call(h)).squeeze(2).masked_fill(b.Mask.logical_not(), -1e4f);
        return perToken.max(1).values + dense.call(b.Dense).squeeze(1);
    }
}

/// <summary>One segment as the network reads it: hashed word IDs, hashed character n-gram IDs per word, and dense features.</summary>
public sealed record SegmentFeatures(long[] WordIds, long[][] CharIds, float[] Dense)
{
    /// <summary>Any label of the concept matched; log(1 + matches); any negative label matched; any string of the
    /// gazetteer (gold spans seen in training) matched; log(1 + matches).</summary>
    public const int DenseSize = 5;
}

/// <summary>Turns segment texts into <see cref="SegmentFeatures"/>.</summary>
public sealed class SegmentFeaturizer(PassageClassifierSettings settings, Concept concept)
{
    private readonly KeywordClassifier _labels = new(concept);
    private readonly KeywordClassifier? _negatives = concept.NegativeLabels.Count == 0 ? null
        : new KeywordClassifier(new Concept(concept.NegativeLabels[0], concept.NegativeLabels.Skip(1)));

    /// <param name="gazetteer">The gold strings the segment may match (none: the feature is 0).</param>
    public SegmentFeatures Featurize(string text, KeywordClassifier? gazetteer)
    {
        var tokens = WordTokenizer.Tokenize(text).Take(settings.MaxTokens).Select(t => t.Text.ToLowerInvariant()).ToList();
        if (tokens.Count == 0) tokens.Add("");
        var matches = _labels.Predict(text).Count;
        var negative = _negatives is not null && _negatives.Predict(text).Count > 0;
        var gold = gazetteer?.Predict(text).Count ?? 0;
        return new SegmentFeatures(
            tokens.Select(w => FeatureHasher.Bucket(w, settings.Buckets, "w")).ToArray(),
            tokens.Select(w => FeatureHasher.CharNgrams(w, settings.MinNgram, settings.MaxNgram).Select(g => FeatureHasher.Bucket(g, settings.Buckets, "c")).ToArray()).ToArray(),
            [matches > 0 ? 1f : 0f, MathF.Log(1 + matches), negative ? 1f : 0f, gold > 0 ? 1f : 0f, MathF.Log(1 + gold)]);
    }
}

/// <summary>A padded batch of segments for <see cref="PassageNet"/>.</summary>
public sealed class PassageBatch : IDisposable
{
    public required Tensor WordIds { get; init; }
    public required Tensor CharIds { get; init; }
    public required Tensor CharOffsets { get; init; }
    public required Tensor Mask { get; init; }
    public required Tensor Dense { get; init; }

    public static PassageBatch Create(IReadOnlyList<SegmentFeatures> items, Device device)
    {
        var b = items.Count;
        var t = Math.Max(1, items.Max(i => i.WordIds.Length));
        var wordIds = new long[b * t];
        var mask = new bool[b * t];
        var offsets = new long[b * t];
        var chars = new List<long>();
        for (var i = 0; i < b; i++)
        {
            for (var j = 0; j < t; j++)
            {
                offsets[i * t + j] = chars.Count;
                if (j >= items[i].WordIds.Length) continue;
                wordIds[i * t + j] = items[i].WordIds[j];
                mask[i * t + j] = true;
                chars.AddRange(items[i].CharIds[j]);
            }
        }
        if (chars.Count == 0) chars.Add(0);
        return new PassageBatch
        {
            WordIds = tensor(wordIds, [b, t]).to(device),
            CharIds = tensor(chars.ToArray()).to(device),
            CharOffsets = tensor(offsets).to(device),
            Mask = tensor(mask, [b, t]).to(device),
            Dense = tensor(items.SelectMany(i => i.Dense).ToArray(), [b, SegmentFeatures.DenseSize]).to(device),
        };
    }

    public void Dispose()
    {
        WordIds.Dispose();
        CharIds.Dispose();
        CharOffsets.Dispose();
        Mask.Dispose();
        Dense.Dispose();
    }
}
