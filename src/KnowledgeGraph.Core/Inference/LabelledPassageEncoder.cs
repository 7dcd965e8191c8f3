using System.Buffers;
using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Inference;

/// <summary>Writes a document's labelled passages for one classifier in the original's inference output format: JSONL,
/// one <c>LabelledPassage</c> per passage (<c>id</c> = the text block ID, the text, the predicted spans), with the
/// classifier's concept (without its labelled passages) as <c>metadata.concept</c> only when the passage has spans.
/// The bytes are those of <see cref="ConceptJson.WritePassage(Utf8JsonWriter, LabelledPassage)"/>; what every classifier
/// writes alike (each passage's ID and text) is encoded once per document and copied, since a document is written
/// once per classifier.</summary>
public sealed class LabelledPassageEncoder
{
    private static readonly byte[] NegativeEnd = "],\"metadata\":{}}\n"u8.ToArray();
    private static readonly byte[] PositiveMiddle = "],\"metadata\":{\"concept\":"u8.ToArray();
    private static readonly byte[] PositiveEnd = "}}\n"u8.ToArray();

    private readonly byte[] _heads;
    private readonly int[] _offsets;

    private LabelledPassageEncoder(byte[] heads, int[] offsets)
    {
        _heads = heads;
        _offsets = offsets;
    }

    public int Count => _offsets.Length - 1;

    /// <summary>Encodes each passage's start, <c>{"id":…,"text":…,"spans":[</c>, once.</summary>
    public static LabelledPassageEncoder For(IReadOnlyList<InferencePassage> passages)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, passages.Sum(p => p.Text.Length + p.Id.Length + 32)));
        var offsets = new int[passages.Count + 1];
        using var writer = new Utf8JsonWriter(buffer, JsonValues.Compact);
        for (var i = 0; i < passages.Count; i++)
        {
            writer.Reset(buffer);
            writer.WriteStartObject();
            writer.WriteString("id", passages[i].Id);
            writer.WriteString("text", passages[i].Text);
            writer.WriteStartArray("spans");
            writer.Flush();
            offsets[i + 1] = buffer.WrittenCount;
        }
        return new LabelledPassageEncoder(buffer.WrittenSpan.ToArray(), offsets);
    }

    /// <summary>The <c>metadata.concept</c> value a classifier writes on positive passages: its concept without labelled passages.</summary>
    public static byte[] ConceptMetadata(IClassifier classifier)
    {
        var concept = classifier.Concept.LabelledPassages.Count == 0 ? classifier.Concept : classifier.Concept.WithLabelledPassages([]);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, JsonValues.Compact))
        {
            ConceptJson.WriteConcept(writer, concept, includePassages: true);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Appends the JSONL of the passages with the predicted <paramref name="spans"/> (one list per passage, from
    /// <paramref name="start"/>) to <paramref name="output"/>.</summary>
    public void Write(IBufferWriter<byte> output, IReadOnlyList<IReadOnlyList<Span>> spans, int start, ReadOnlySpan<byte> conceptMetadata, Utf8JsonWriter spanWriter)
    {
        for (var i = 0; i < Count; i++)
        {
            output.Write(_heads.AsSpan(_offsets[i], _offsets[i + 1] - _offsets[i]));
            var predicted = spans[start + i];
            if (predicted.Count == 0)
            {
                output.Write(NegativeEnd);
                continue;
            }
            for (var s = 0; s < predicted.Count; s++)
            {
                if (s > 0)
                {
                    output.Write(","u8);
                }
                spanWriter.Reset(output);
                ConceptJson.WriteSpan(spanWriter, predicted[s]);
                spanWriter.Flush();
            }
            output.Write(PositiveMiddle);
            output.Write(conceptMetadata);
            output.Write(PositiveEnd);
        }
    }
}
