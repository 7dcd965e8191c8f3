using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training.Transformer;

/// <summary>The shape of a BERT encoder, as read from its weights.</summary>
internal sealed record BertShape(int Vocabulary, int Hidden, int Layers, int Heads, int Intermediate, int MaxPositions)
{
    /// <summary>BERT's layer normalisation epsilon (the ONNX export spells it out in its Add nodes; every BERT uses this).</summary>
    public const double LayerNormEpsilon = 1e-12;
}

/// <summary>A BERT encoder (Devlin et al.; the architecture of all-MiniLM-L6-v2): word-piece, position and token-type
/// embeddings, then layers of multi-head self-attention and a GELU feed-forward block, each with a residual connection
/// and layer normalisation. Its forward pass maps word-piece IDs [batch, tokens] and a padding mask [batch, tokens]
/// (true for real tokens) to hidden states [batch, tokens, hidden]. The word-piece embeddings (half the encoder's
/// parameters) are a non-persistent buffer: frozen while fine-tuning, never in a stored model's weights, always taken
/// from the encoder file the model card names.</summary>
internal sealed class BertEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Embedding positions;
    private readonly Embedding tokenTypes;
    private readonly LayerNorm norm;
    private readonly Dropout dropout;
    private readonly ModuleList<BertLayer> layers;

    public BertEncoder(BertShape shape, double dropoutRate) : base(nameof(BertEncoder))
    {
        Shape = shape;
        positions = nn.Embedding(shape.MaxPositions, shape.Hidden);
        tokenTypes = nn.Embedding(2, shape.Hidden);
        norm = nn.LayerNorm(shape.Hidden, BertShape.LayerNormEpsilon);
        dropout = nn.Dropout(dropoutRate);
        layers = nn.ModuleList(Enumerable.Range(0, shape.Layers).Select(_ => new BertLayer(shape, dropoutRate)).ToArray());
        RegisterComponents();
        register_buffer("words", zeros(shape.Vocabulary, shape.Hidden), persistent: false);
    }

    public BertShape Shape { get; }

    public override Tensor forward(Tensor ids, Tensor mask)
    {
        var t = ids.shape[1];
        var words = get_buffer("words")!;
        using var positionIds = arange(t, dtype: ScalarType.Int64, device: ids.device);
        var x = words.index_select(0, ids.flatten()).view(ids.shape[0], t, -1) + positions.call(positionIds).unsqueeze(0) + tokenTypes.weight![0];
        x = dropout.call(norm.call(x));
        // Padding gets a large negative attention score: no real token attends to it.
        using var bias = mask.logical_not().to(x.dtype).mul(-1e9f).view(mask.shape[0], 1, 1, t);
        foreach (var layer in layers)
        {
            x = layer.call(x, bias);
        }
        return x;
    }

    /// <summary>Sets the encoder's weights (PyTorch's names; linear weights [out, in]) and checks that every one was set.</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        var expected = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["embeddings.word_embeddings.weight"] = get_buffer("words")!,
            ["embeddings.position_embeddings.weight"] = positions.weight!,
            ["embeddings.token_type_embeddings.weight"] = tokenTypes.weight!,
            ["embeddings.LayerNorm.weight"] = norm.weight!,
            ["embeddings.LayerNorm.bias"] = norm.bias!,
        };
        for (var i = 0; i < layers.Count; i++)
        {
            foreach (var (name, tensor) in layers[i].Parameters())
            {
                expected[$"encoder.layer.{i}.{name}"] = tensor;
            }
        }
        using var noGrad = no_grad();
        foreach (var (name, target) in expected)
        {
            if (!weights.TryGetValue(name, out var value))
            {
                throw new KgException("InvalidEncoderFile", KgErrorKind.InvalidData, $"The encoder file {source} has no weight '{name}': it is not a BERT encoder of the expected shape.", source);
            }
            if (!value.shape.SequenceEqual(target.shape))
            {
                throw new KgException("InvalidEncoderFile", KgErrorKind.InvalidData,
                    $"The encoder file {source} has '{name}' of shape [{string.Join(", ", value.shape)}], not [{string.Join(", ", target.shape)}].", source);
            }
            target.copy_(value);
        }
    }
}

/// <summary>One encoder layer: self-attention (query, key, value, output projection), then the feed-forward block.</summary>
internal sealed class BertLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly int heads;
    private readonly double dropoutRate;
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly Linear attentionOutput;
    private readonly LayerNorm attentionNorm;
    private readonly Linear intermediate;
    private readonly Linear output;
    private readonly LayerNorm outputNorm;
    private readonly Dropout dropout;

    public BertLayer(BertShape shape, double dropoutRate) : base(nameof(BertLayer))
    {
        heads = shape.Heads;
        this.dropoutRate = dropoutRate;
        query = nn.Linear(shape.Hidden, shape.Hidden);
        key = nn.Linear(shape.Hidden, shape.Hidden);
        value = nn.Linear(shape.Hidden, shape.Hidden);
        attentionOutput = nn.Linear(shape.Hidden, shape.Hidden);
        attentionNorm = nn.LayerNorm(shape.Hidden, BertShape.LayerNormEpsilon);
        intermediate = nn.Linear(shape.Hidden, shape.Intermediate);
        output = nn.Linear(shape.Intermediate, shape.Hidden);
        outputNorm = nn.LayerNorm(shape.Hidden, BertShape.LayerNormEpsilon);
        dropout = nn.Dropout(dropoutRate);
        RegisterComponents();
    }

    /// <summary>The layer's parameters under their names in a BERT checkpoint (relative to encoder.layer.N).</summary>
    public IEnumerable<(string Name, Tensor Tensor)> Parameters() =>
    [
        ("attention.self.query.weight", query.weight!), ("attention.self.query.bias", query.bias!),
        ("attention.self.key.weight", key.weight!), ("attention.self.key.bias", key.bias!),
        ("attention.self.value.weight", value.weight!), ("attention.self.value.bias", value.bias!),
        ("attention.output.dense.weight", attentionOutput.weight!), ("attention.output.dense.bias", attentionOutput.bias!),
        ("attention.output.LayerNorm.weight", attentionNorm.weight!), ("attention.output.LayerNorm.bias", attentionNorm.bias!),
        ("intermediate.dense.weight", intermediate.weight!), ("intermediate.dense.bias", intermediate.bias!),
        ("output.dense.weight", output.weight!), ("output.dense.bias", output.bias!),
        ("output.LayerNorm.weight", outputNorm.weight!), ("output.LayerNorm.bias", outputNorm.bias!),
    ];

    public override Tensor forward(Tensor x, Tensor bias)
    {
        var (b, t, h) = (x.shape[0], x.shape[1], x.shape[2]);
        Tensor Heads(Linear projection) => projection.call(x).view(b, t, heads, h / heads).transpose(1, 2);
        var attended = nn.functional.scaled_dot_product_attention(Heads(query), Heads(key), Heads(value), bias, training ? dropoutRate : 0, false)
            .transpose(1, 2).reshape(b, t, h);
        x = attentionNorm.call(x + dropout.call(attentionOutput.call(attended)));
        var fed = output.call(nn.functional.gelu(intermediate.call(x)));
        return outputNorm.call(x + dropout.call(fed));
    }
}
