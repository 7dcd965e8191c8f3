using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace KnowledgeGraph.Training.Transformer;

/// <summary>A node of an ONNX graph: its operator and the names of its inputs and outputs.</summary>
internal sealed record OnnxNode(string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);

/// <summary>A named constant of an ONNX graph (an initializer), float32 only.</summary>
internal sealed record OnnxTensor(string Name, long[] Dims, float[] Values);

/// <summary>The parts of an ONNX model that the encoder needs: the graph's nodes and its float initializers. It reads the
/// protobuf wire format directly, for the few fields of onnx.proto it uses (ModelProto.graph = 7; GraphProto.node = 1,
/// initializer = 5; NodeProto.input = 1, output = 2, op_type = 4; TensorProto.dims = 1, data_type = 2, float_data = 4,
/// name = 8, raw_data = 9, data_location = 14), and skips every other field, so a model with more in it still reads.</summary>
internal sealed class OnnxGraph
{
    private const int Float32 = 1;

    private OnnxGraph(IReadOnlyList<OnnxNode> nodes, IReadOnlyDictionary<string, OnnxTensor> initializers)
    {
        Nodes = nodes;
        Initializers = initializers;
    }

    public IReadOnlyList<OnnxNode> Nodes { get; }
    public IReadOnlyDictionary<string, OnnxTensor> Initializers { get; }

    public static OnnxGraph Read(byte[] model, string source)
    {
        try
        {
            var nodes = new List<OnnxNode>();
            var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
            var graphs = 0;
            foreach (var field in Fields(model))
            {
                if (field.Number != 7) continue;
                graphs++;
                var graph = field.Bytes(model);
                foreach (var g in Fields(graph))
                {
                    if (g.Number == 1) nodes.Add(Node(g.Bytes(graph)));
                    else if (g.Number == 5 && Tensor(g.Bytes(graph), source) is { } t) initializers[t.Name] = t;
                }
            }
            return graphs == 1 ? new OnnxGraph(nodes, initializers) : throw Invalid(source, $"it has {graphs} graphs, not 1");
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException)
        {
            throw Invalid(source, "it is not a valid ONNX (protobuf) file", e);
        }
    }

    private static OnnxNode Node(ReadOnlyMemory<byte> bytes)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        var op = "";
        foreach (var f in Fields(bytes))
        {
            switch (f.Number)
            {
                case 1: inputs.Add(f.String(bytes)); break;
                case 2: outputs.Add(f.String(bytes)); break;
                case 4: op = f.String(bytes); break;
            }
        }
        return new OnnxNode(op, inputs, outputs);
    }

    /// <summary>A float32 initializer, or null for other element types (the graph's integer constants).</summary>
    private static OnnxTensor? Tensor(ReadOnlyMemory<byte> bytes, string source)
    {
        var dims = new List<long>();
        var type = 0;
        var name = "";
        ReadOnlyMemory<byte>? raw = null;
        var floats = new List<float>();
        foreach (var f in Fields(bytes))
        {
            switch (f.Number)
            {
                case 1 when f.WireType == 0: dims.Add((long)f.Varint); break;
                case 1: dims.AddRange(PackedVarints(f.Bytes(bytes)).Select(v => (long)v)); break;
                case 2: type = (int)f.Varint; break;
                case 4 when f.WireType == 5: floats.Add(BitConverter.UInt32BitsToSingle((uint)f.Varint)); break;
                case 4: floats.AddRange(MemoryMarshal.Cast<byte, float>(f.Bytes(bytes).Span).ToArray()); break;
                case 8: name = f.String(bytes); break;
                case 9: raw = f.Bytes(bytes); break;
                case 14 when f.Varint == 1: throw Invalid(source, $"its tensor '{name}' keeps its data in an external file");
            }
        }
        if (type != Float32) return null;
        var values = raw is { } r ? MemoryMarshal.Cast<byte, float>(r.Span).ToArray() : floats.ToArray();
        if (!BitConverter.IsLittleEndian) throw Invalid(source, "this module reads ONNX tensors on little-endian machines only");
        var count = dims.Aggregate(1L, (a, d) => a * d);
        return values.Length == count ? new OnnxTensor(name, dims.ToArray(), values)
            : throw Invalid(source, $"its tensor '{name}' has {values.Length} values for the shape [{string.Join(", ", dims)}]");
    }

    private static KgException Invalid(string source, string why, Exception? inner = null) =>
        new("InvalidEncoderFile", KgErrorKind.InvalidData, $"The encoder file {source} cannot be read: {why}.", source, inner);

    /// <summary>One field of a protobuf message: its number, wire type, and its value (a varint or fixed-width value in
    /// <see cref="Varint"/>, a length-delimited value as a range of the message).</summary>
    private readonly record struct Field(int Number, int WireType, ulong Varint, int Start, int Length)
    {
        public ReadOnlyMemory<byte> Bytes(ReadOnlyMemory<byte> message) => message.Slice(Start, Length);
        public string String(ReadOnlyMemory<byte> message) => Encoding.UTF8.GetString(message.Span.Slice(Start, Length));
    }

    private static IEnumerable<Field> Fields(ReadOnlyMemory<byte> message)
    {
        var i = 0;
        while (i < message.Length)
        {
            var key = ReadVarint(message.Span, ref i);
            var number = (int)(key >> 3);
            var wire = (int)(key & 7);
            switch (wire)
            {
                case 0:
                    yield return new Field(number, wire, ReadVarint(message.Span, ref i), 0, 0);
                    break;
                case 1:
                    yield return new Field(number, wire, BinaryPrimitives.ReadUInt64LittleEndian(message.Span.Slice(i, 8)), 0, 0);
                    i += 8;
                    break;
                case 2:
                    var length = checked((int)ReadVarint(message.Span, ref i));
                    if (length < 0 || i + length > message.Length) throw new ArgumentOutOfRangeException(nameof(message), "a field runs past the end of its message");
                    yield return new Field(number, wire, 0, i, length);
                    i += length;
                    break;
                case 5:
                    yield return new Field(number, wire, BinaryPrimitives.ReadUInt32LittleEndian(message.Span.Slice(i, 4)), 0, 0);
                    i += 4;
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(message), $"wire type {wire} is not one protobuf 3 writes");
            }
        }
    }

    private static IEnumerable<ulong> PackedVarints(ReadOnlyMemory<byte> bytes)
    {
        var values = new List<ulong>();
        var i = 0;
        while (i < bytes.Length) values.Add(ReadVarint(bytes.Span, ref i));
        return values;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> bytes, ref int i)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = bytes[i++];
            result |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return result;
        }
        throw new OverflowException("a varint is longer than 10 bytes");
    }
}
