using System.Buffers;
using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Inference;
using KnowledgeGraph.Text;
using Xunit;

namespace KnowledgeGraph.Tests;

public class LabelledPassageEncoderTests
{
    private static readonly KeywordClassifier Forests = new(new Concept("forest", ["woodland"], wikibaseId: "Q787"), compiled: false);

    private static byte[] Concat(IReadOnlyList<ReadOnlyMemory<byte>> segments) => segments.SelectMany(s => s.ToArray()).ToArray();

    private static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, JsonValues.Compact))
        {
            write(w);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Passages with spans at the start, in the middle and at the end, runs of passages without, two spans in
    /// one passage: each line is the original's LabelledPassage, the concept only where there are spans.</summary>
    [Fact]
    public void The_segments_make_one_line_per_passage_as_the_original_writes_it()
    {
        string[] texts = ["A forest.", "Nothing.", "Nothing \"quoted\".", "forest and \"woodland\" – forêt <b>", "None.", "woodland"];
        var passages = texts.Select((t, i) => new InferencePassage($"p_{i}", t)).ToArray();
        var spans = Forests.Predict(texts);
        var concept = LabelledPassageEncoder.ConceptMetadata(Forests);
        var segments = LabelledPassageEncoder.For(passages).Segments(spans, 0, concept);

        var lines = System.Text.Encoding.UTF8.GetString(Concat(segments)).Split('\n');
        Assert.Equal(texts.Length + 1, lines.Length);
        Assert.Equal("", lines[^1]);
        for (var i = 0; i < texts.Length; i++)
        {
            if (spans[i].Count == 0)
            {
                Assert.Equal(Json(w => ConceptJson.WritePassage(w, new LabelledPassage(texts[i], id: $"p_{i}"))), lines[i]);
                continue;
            }
            using var line = JsonDocument.Parse(lines[i]);
            Assert.Equal($"p_{i}", line.RootElement.GetProperty("id").GetString());
            Assert.Equal(texts[i], line.RootElement.GetProperty("text").GetString());
            Assert.Equal("[" + string.Join(",", spans[i].Select(s => Json(w => ConceptJson.WriteSpan(w, s)))) + "]",
                line.RootElement.GetProperty("spans").GetRawText());
            Assert.Equal(System.Text.Encoding.UTF8.GetString(concept), line.RootElement.GetProperty("metadata").GetProperty("concept").GetRawText());
        }
        Assert.Equal([0, 3, 5], Enumerable.Range(0, texts.Length).Where(i => spans[i].Count > 0));
        Assert.Equal(2, spans[3].Count);
    }

    [Fact]
    public void A_document_without_spans_is_one_segment_and_an_empty_one_writes_nothing()
    {
        string[] texts = ["Nothing.", "None."];
        var encoder = LabelledPassageEncoder.For(texts.Select((t, i) => new InferencePassage($"p_{i}", t)).ToArray());
        var segments = encoder.Segments(Forests.Predict(texts), 0, []);
        Assert.Single(segments);
        Assert.Equal(2, System.Text.Encoding.UTF8.GetString(segments[0].Span).Count(c => c == '\n'));
        Assert.Empty(Concat(LabelledPassageEncoder.For([]).Segments([], 0, [])));
    }

    [Fact]
    public void Spans_are_read_from_the_given_start_in_a_batch_of_documents()
    {
        string[] batch = ["forest", "x", "y", "woodland"];
        var spans = Forests.Predict(batch);
        var second = LabelledPassageEncoder.For([new InferencePassage("a", "y"), new InferencePassage("b", "woodland")]);
        var text = System.Text.Encoding.UTF8.GetString(Concat(second.Segments(spans, 2, LabelledPassageEncoder.ConceptMetadata(Forests))));
        var lines = text.TrimEnd('\n').Split('\n');
        Assert.Contains("\"metadata\":{}", lines[0]);
        Assert.Contains("\"labelled_text\":\"woodland\"", lines[1]);
    }
}
