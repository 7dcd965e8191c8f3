using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training.Transformer;

/// <summary>The pretrained encoder with a classification head: the mean of the hidden states of a segment's word pieces
/// (the pooling all-MiniLM-L6-v2 was trained with), dropout, one logit: the segment mentions the concept.</summary>
internal sealed class TransformerNet : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly BertEncoder encoder;
    private readonly Dropout dropout;
    private readonly Linear head;

    public TransformerNet(BertShape shape, double dropoutRate) : base(nameof(TransformerNet))
    {
        encoder = new BertEncoder(shape, dropoutRate);
        dropout = nn.Dropout(dropoutRate);
        head = nn.Linear(shape.Hidden, 1);
        RegisterComponents();
    }

    public BertEncoder Encoder => encoder;

    /// <summary>Logits [batch] of word-piece IDs [batch, tokens] with their padding mask.</summary>
    public override Tensor forward(Tensor ids, Tensor mask)
    {
        var hidden = encoder.call(ids, mask);
        var weights = mask.unsqueeze(2).to(hidden.dtype);
        var pooled = (hidden * weights).sum(1) / weights.sum(1).clamp_min(1);
        return head.call(dropout.call(pooled)).squeeze(1);
    }

    /// <summary>Keeps the embeddings and the lowest <paramref name="layers"/> encoder layers as pretrained.</summary>
    public void Freeze(int layers)
    {
        if (layers <= 0) return;
        foreach (var (name, parameter) in encoder.named_parameters())
        {
            var frozen = name.StartsWith("positions", StringComparison.Ordinal) || name.StartsWith("tokenTypes", StringComparison.Ordinal)
                || name.StartsWith("norm", StringComparison.Ordinal)
                || (name.StartsWith("layers.", StringComparison.Ordinal) && int.Parse(name.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture) < layers);
            if (frozen) parameter.requires_grad = false;
        }
    }
}
