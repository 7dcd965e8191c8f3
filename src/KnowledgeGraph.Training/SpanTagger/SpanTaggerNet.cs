using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training.SpanTagger;

/// <summary>Per token: a hashed word embedding, the mean of its hashed character n-gram embeddings, and the dense
/// features; a one-layer bidirectional LSTM over the passage; and a linear layer to O/B/I logits [batch, tokens, 3].
/// With <see cref="SpanTaggerSettings.LabelPrior"/>, also a direct path from the B/I/O tags of the concept's labels and
/// of the gazetteer to the logits, which starts out following them (a prior that training corrects: with a handful of
/// passages the tagger starts from the keyword classifier's spans, not from noise).</summary>
public sealed class SpanTaggerNet : nn.Module<SpanBatch, Tensor>
{
    private readonly Embedding words;
    private readonly EmbeddingBag chars;
    private readonly Dropout inputDropout;
    private readonly LSTM lstm;
    private readonly Dropout outputDropout;
    private readonly Linear output;
    private readonly Linear? prior;

    public SpanTaggerNet(SpanTaggerSettings s) : base(nameof(SpanTaggerNet))
    {
        words = nn.Embedding(s.WordBuckets, s.WordDim, padding_idx: 0);
        chars = nn.EmbeddingBag(s.CharBuckets, s.CharDim, mode: EmbeddingBagMode.Mean);
        inputDropout = nn.Dropout(s.Dropout);
        lstm = nn.LSTM(s.WordDim + s.CharDim + SpanFeaturizer.DenseSize, s.Hidden, numLayers: 1, batchFirst: true, bidirectional: true);
        outputDropout = nn.Dropout(s.Dropout);
        output = nn.Linear(2 * s.Hidden, 3);
        if (s.LabelPrior == true)
        {
            prior = nn.Linear(SpanFeaturizer.TagFeatures, 3, hasBias: false);
        }
        RegisterComponents();
        if (prior is null) return;
        using (no_grad())
        {
            // Tag features are O/B/I of the labels, then O/B/I of the gazetteer: a B or I of either votes for its own
            // tag, and every token leans to O until something says otherwise.
            var votes = new float[3 * SpanFeaturizer.TagFeatures];
            for (var source = 0; source < SpanFeaturizer.TagFeatures / 3; source++)
            {
                for (var tag = 1; tag < 3; tag++) votes[tag * SpanFeaturizer.TagFeatures + source * 3 + tag] = PriorWeight;
            }
            prior.weight.copy_(tensor(votes).view(3, SpanFeaturizer.TagFeatures));
            output.bias![0].add_(PriorWeight / 2);
        }
    }

    /// <summary>How strongly a label's or the gazetteer's B or I votes for itself at the start of training (a token
    /// with neither starts at half of it for O).</summary>
    private const float PriorWeight = 3f;

    public override Tensor forward(SpanBatch batch)
    {
        var b = batch.WordIds.shape[0];
        var t = batch.WordIds.shape[1];
        var w = words.call(batch.WordIds);
        var c = chars.call(batch.CharIds, batch.CharOffsets, null).view(b, t, -1);
        var x = inputDropout.call(cat([w, c, batch.Dense], 2));
        var packed = nn.utils.rnn.pack_padded_sequence(x, batch.Lengths, batch_first: true, enforce_sorted: false);
        var (encoded, _, _) = lstm.call(packed);
        var (h, _) = nn.utils.rnn.pad_packed_sequence(encoded, batch_first: true, total_length: t);
        var logits = output.call(outputDropout.call(h));
        return prior is null ? logits
            : logits + prior.call(batch.Dense.narrow(2, SpanFeaturizer.DenseSize - SpanFeaturizer.TagFeatures, SpanFeaturizer.TagFeatures));
    }
}

/// <summary>A padded batch of passages for <see cref="SpanTaggerNet"/>.</summary>
public sealed class SpanBatch : IDisposable
{
    public required Tensor WordIds { get; init; }
    public required Tensor CharIds { get; init; }
    public required Tensor CharOffsets { get; init; }
    public required Tensor Dense { get; init; }
    public required Tensor Lengths { get; init; }
    /// <summary>[batch, tokens] O=0/B=1/I=2, -100 at padding; null for prediction.</summary>
    public Tensor? Labels { get; init; }

    public static SpanBatch Create(IReadOnlyList<PassageFeatures> passages, IReadOnlyList<int[]>? tags, Device device)
    {
        var b = passages.Count;
        var t = Math.Max(1, passages.Max(p => p.Tokens.Count));
        const int denseSize = SpanFeaturizer.DenseSize;
        var wordIds = new long[b * t];
        var dense = new float[b * t * denseSize];
        var labels = new long[b * t];
        Array.Fill(labels, -100L);
        var charIds = new List<long>();
        var offsets = new long[b * t];
        for (var i = 0; i < b; i++)
        {
            var p = passages[i];
            for (var j = 0; j < t; j++)
            {
                offsets[i * t + j] = charIds.Count;
                if (j >= p.Tokens.Count)
                {
                    continue;
                }
                wordIds[i * t + j] = p.WordIds[j];
                charIds.AddRange(p.CharIds[j]);
                Array.Copy(p.Dense, j * denseSize, dense, (i * t + j) * denseSize, denseSize);
                if (tags is not null)
                {
                    labels[i * t + j] = tags[i][j];
                }
            }
        }
        if (charIds.Count == 0)
        {
            charIds.Add(0);
        }
        return new SpanBatch
        {
            WordIds = tensor(wordIds, [b, t]).to(device),
            CharIds = tensor(charIds.ToArray()).to(device),
            CharOffsets = tensor(offsets).to(device),
            Dense = tensor(dense, [b, t, denseSize]).to(device),
            // pack_padded_sequence wants the lengths on the CPU; an empty passage counts as one padded step.
            Lengths = tensor(passages.Select(p => (long)Math.Max(1, p.Tokens.Count)).ToArray()),
            Labels = tags is null ? null : tensor(labels, [b, t]).to(device),
        };
    }

    public void Dispose()
    {
        WordIds.Dispose();
        CharIds.Dispose();
        CharOffsets.Dispose();
        Dense.Dispose();
        Lengths.Dispose();
        Labels?.Dispose();
    }
}
