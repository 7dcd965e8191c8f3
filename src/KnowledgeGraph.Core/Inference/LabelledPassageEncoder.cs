using System.Buffers;
using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Inference;

/// <summary>Writes a document's labelled passages for one classifier in the original's inference output format: JSONL,
/// one <c>LabelledPassage</c> per passage (<c>id</c> = the text block ID, the text, the predicted spans), with the
/// classifier's concept (without its labelled passages) as <c>metadata.concept</c> only when the passage has spans.
/// The bytes are those of <see cref="ConceptJson.WritePassage(Utf8JsonWriter, LabelledPassage)"/>.
/// <para>A document is written once per classifier, and most of its passages have no spans for any one classifier. So
/// each passage's line as it is without spans is encoded once per document, and a classifier's file is a list of
/// segments (<see cref="Segments"/>): runs of those lines as they are, and for a passage with spans its start, the
/// spans, and the concept. Nothing is copied to make the file: the output writes the segments from where they are.</para></summary>
public sealed class LabelledPassageEncoder
{
    private static readonly byte[] NegativeEnd = "],\"metadata\":{}}\n"u8.ToArray();
    private static readonly byte[] Comma = ","u8.ToArray();
    private static readonly byte[] TextProperty = ",\"text\":"u8.ToArray();
    private static readonly byte[] PositiveMiddle = "],\"metadata\":{\"concept\":"u8.ToArray();
    private static readonly byte[] PositiveEnd = "}}\n"u8.ToArray();

    private readonly IReadOnlyList<InferencePassage> _passages;
    private readonly byte[] _lines;
    private readonly int[] _offsets;
    private readonly int[] _texts; // per passage, where its encoded text (a JSON string) starts and ends in _lines

    private LabelledPassageEncoder(IReadOnlyList<InferencePassage> passages, byte[] lines, int[] offsets, int[] texts)
    {
        _passages = passages;
        _lines = lines;
        _offsets = offsets;
        _texts = texts;
    }

    public int Count => _offsets.Length - 1;

    /// <summary>Encodes each passage's line without spans, <c>{"id":…,"text":…,"spans":[],"metadata":{}}</c>, once.</summary>
    public static LabelledPassageEncoder For(IReadOnlyList<InferencePassage> passages)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, passages.Sum(p => p.Text.Length + p.Id.Length + 48)));
        var offsets = new int[passages.Count + 1];
        var texts = new int[passages.Count * 2];
        using var writer = new Utf8JsonWriter(buffer, JsonValues.Compact);
        for (var i = 0; i < passages.Count; i++)
        {
            writer.Reset(buffer);
            writer.WriteStartObject();
            writer.WriteString("id", passages[i].Id);
            writer.Flush();
            texts[2 * i] = buffer.WrittenCount + TextProperty.Length;
            writer.WriteString("text", passages[i].Text);
            writer.Flush();
            texts[2 * i + 1] = buffer.WrittenCount;
            writer.WriteStartArray("spans");
            writer.Flush();
            buffer.Write(NegativeEnd);
            offsets[i + 1] = buffer.WrittenCount;
        }
        return new LabelledPassageEncoder(passages, buffer.WrittenSpan.ToArray(), offsets, texts);
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

    /// <summary>The JSONL of the passages with the predicted <paramref name="spans"/> (one list per passage, from
    /// <paramref name="start"/>), as segments to write one after the other. They point into this encoder's lines and
    /// <paramref name="conceptMetadata"/>, which must stay unchanged until they are written.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Segments(IReadOnlyList<IReadOnlyList<Span>> spans, int start, byte[] conceptMetadata)
    {
        // The spans of all positive passages first, into one buffer, so that slices of it stay valid.
        List<(int Passage, int From, int To)>? positives = null;
        ArrayBufferWriter<byte>? json = null;
        Utf8JsonWriter? writer = null;
        try
        {
            for (var i = 0; i < Count; i++)
            {
                var predicted = spans[start + i];
                if (predicted.Count == 0)
                {
                    continue;
                }
                json ??= new ArrayBufferWriter<byte>(1024);
                writer ??= new Utf8JsonWriter(json, JsonValues.Compact);
                var from = json.WrittenCount;
                var text = _lines.AsSpan(_texts[2 * i], _texts[2 * i + 1] - _texts[2 * i]);
                for (var s = 0; s < predicted.Count; s++)
                {
                    if (s > 0)
                    {
                        json.Write(Comma);
                    }
                    writer.Reset(json);
                    // A span's text is its passage's, encoded once already.
                    var same = string.Equals(predicted[s].Text, _passages[i].Text, StringComparison.Ordinal);
                    ConceptJson.WriteSpan(writer, predicted[s], same ? text : default);
                    writer.Flush();
                }
                (positives ??= []).Add((i, from, json.WrittenCount));
            }
        }
        finally
        {
            writer?.Dispose();
        }
        if (positives is null)
        {
            return [_lines.AsMemory(0, _offsets[Count])];
        }
        var written = json!.WrittenMemory;
        var segments = new List<ReadOnlyMemory<byte>>(positives.Count * 6 + 1);
        var run = 0; // the first line of the current run of lines without spans
        foreach (var (passage, from, to) in positives)
        {
            if (passage > run)
            {
                segments.Add(_lines.AsMemory(_offsets[run], _offsets[passage] - _offsets[run]));
            }
            segments.Add(_lines.AsMemory(_offsets[passage], _offsets[passage + 1] - _offsets[passage] - NegativeEnd.Length));
            segments.Add(written[from..to]);
            segments.Add(PositiveMiddle);
            segments.Add(conceptMetadata);
            segments.Add(PositiveEnd);
            run = passage + 1;
        }
        if (run < Count)
        {
            segments.Add(_lines.AsMemory(_offsets[run], _offsets[Count] - _offsets[run]));
        }
        return segments;
    }
}
