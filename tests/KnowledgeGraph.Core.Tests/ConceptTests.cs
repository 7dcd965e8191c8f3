using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Identifiers;
using Xunit;

namespace KnowledgeGraph.Tests;

public class ConceptTests
{
    internal static Concept LoadQ787() =>
        ConceptJson.ReadConcept(File.ReadAllText(SharedData.PathOf("concepts", "Q787.json")), "Q787.json");

    [Fact]
    public void Q787_ids_match_the_original()
    {
        var q787 = LoadQ787();
        Assert.Equal("vp8w5qgt", q787.Id);
        Assert.Equal("rmaavduy", new KeywordClassifier(q787).Id);
        Assert.Equal("forestry sector", q787.PreferredLabel);
        Assert.Equal(130, q787.LabelledPassages.Count);
        Assert.Equal(128, q787.PositivePassageCount);
    }

    [Fact]
    public void Q787_passage_and_span_ids_recompute()
    {
        var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(SharedData.PathOf("concepts", "Q787.json")));
        var storedPassages = json.RootElement.GetProperty("labelled_passages").EnumerateArray().ToList();
        var concept = LoadQ787();
        var spans = 0;
        for (var i = 0; i < storedPassages.Count; i++)
        {
            var passage = concept.LabelledPassages[i];
            Assert.Equal(storedPassages[i].GetProperty("id").GetString(), Identifier.FromText(passage.Text));
            var storedSpans = storedPassages[i].GetProperty("spans").EnumerateArray().ToList();
            for (var j = 0; j < storedSpans.Count; j++)
            {
                Assert.Equal(storedSpans[j].GetProperty("id").GetString(), passage.Spans[j].Id);
                Assert.Equal(storedSpans[j].GetProperty("labelled_text").GetString(), passage.Spans[j].LabelledText);
                spans++;
            }
        }
        Assert.Equal(573, spans);
    }

    [Fact]
    public void A_concept_round_trips_through_json()
    {
        var q787 = LoadQ787();
        var again = ConceptJson.ReadConcept(ConceptJson.WriteConcept(q787), "round trip");
        Assert.Equal(q787.Id, again.Id);
        Assert.Equal(q787.AlternativeLabels, again.AlternativeLabels);
        Assert.Equal(q787.LabelledPassages.Count, again.LabelledPassages.Count);
        for (var i = 0; i < q787.LabelledPassages.Count; i++)
        {
            var a = q787.LabelledPassages[i];
            var b = again.LabelledPassages[i];
            Assert.Equal(a.Id, b.Id);
            Assert.Equal(a.Spans.Select(s => s.Id), b.Spans.Select(s => s.Id));
            Assert.Equal(a.Spans.Select(s => s.Labellers.Single()), b.Spans.Select(s => s.Labellers.Single()));
            Assert.Equal(a.Metadata["document_id"], b.Metadata["document_id"]);
        }
    }

    [Fact]
    public void Validation_follows_the_original_order()
    {
        var c = new Concept("  Forest ", ["trees", " Forest", "bees", "trees", "Árbol", "zebra"], ["x", "x"], wikibaseId: "Q5");
        Assert.Equal("Forest", c.PreferredLabel);
        Assert.Equal(new[] { "bees", "trees", "zebra", "Árbol" }, c.AlternativeLabels);
        Assert.Equal(["x"], c.NegativeLabels);
        Assert.True(c.HadDuplicateNegativeLabels);
        var e = Assert.Throws<KgException>(() => new Concept("a", ["b"], ["b"]));
        Assert.Equal("InvalidConcept", e.ErrorId);
        Assert.Throws<KgException>(() => new Concept("   "));
        Assert.Throws<KgException>(() => new Concept("a", wikibaseId: "Q01"));
    }

    [Fact]
    public void Passages_read_from_jsonl_legacy_and_arrays()
    {
        var p = new LabelledPassage("Forests cover the hills.", [new Span("Forests cover the hills.", 0, 7, "Q1", ["ann"], ["2023-01-01T00:00:00"])]);
        foreach (var format in Enum.GetValues<PassageFileFormat>())
        {
            var text = PassageFile.Format([p, p.WithSpans([])], format);
            var back = PassageFile.Parse(text, format.ToString());
            Assert.Equal(2, back.Count);
            Assert.Equal(p.Id, back[0].Id);
            Assert.Equal("Forests", back[0].Spans.Single().LabelledText);
            Assert.Empty(back[1].Spans);
        }
    }

    [Fact]
    public void Malformed_json_names_the_source_and_line()
    {
        var e = Assert.Throws<KgException>(() => PassageFile.Parse("{\"text\": \"a\"}\n{\"text\": ", "input.jsonl"));
        Assert.Equal("InvalidJson", e.ErrorId);
        Assert.Contains("input.jsonl, line 2", e.Message);
        var e2 = Assert.Throws<KgException>(() => ConceptJson.ReadConcept("{\"alternative_labels\": []}", "c.json"));
        Assert.Equal("InvalidConceptData", e2.ErrorId);
        Assert.Contains("preferred_label", e2.Message);
    }

    [Fact]
    public void Span_offsets_count_code_points()
    {
        var text = "𝔽orest and wood";  // U+1D53D is one code point, two UTF-16 units
        var s = new Span(text, 0, 6, "Q1");
        Assert.Equal("𝔽orest", s.LabelledText);
        Assert.Equal(15, Text.CodePoints.Length(text));
        Assert.Throws<KgException>(() => new Span(text, 0, 16));
        Assert.Equal(6, Text.CodePoints.FromUtf16(text, 7));
        Assert.Equal(7, Text.CodePoints.ToUtf16(text, 6));
    }
}

public class SpanAlgebraTests
{
    private const string T = "The quick brown fox jumps over the lazy dog";

    private static Span S(int a, int b, string who = "x", string? stamp = "2023-01-01T00:00:00") =>
        new(T, a, b, "Q1", [who], stamp is null ? [] : [stamp]);

    [Fact]
    public void Jaccard_is_intersection_over_union()
    {
        Assert.Equal(0.5, Span.Jaccard(S(0, 4), S(2, 4)), 10);
        Assert.Equal(1.0 / 3, Span.Jaccard(S(0, 4), S(2, 6)), 10);
        Assert.Equal(0, Span.Jaccard(S(0, 5), S(5, 9)));   // adjacent spans do not overlap
        Assert.False(S(0, 5).Overlaps(S(5, 9)));
        Assert.Equal(1, Span.Jaccard(S(3, 7), S(3, 7)));
    }

    [Fact]
    public void Union_merges_labellers_in_first_appearance_order_with_their_first_timestamps()
    {
        var u = Span.Union([S(0, 4, "a", "t1"), S(2, 9, "b", "t2"), S(1, 3, "a", "t3")]);
        Assert.Equal((0, 9), (u.StartIndex, u.EndIndex));
        Assert.Equal(["a", "b"], u.Labellers);
        Assert.Equal(["t1", "t2"], u.Timestamps);
        var noStamps = Span.Union([S(0, 4, "a", "t1"), S(2, 9, "b", null)]);
        Assert.Empty(noStamps.Timestamps);
        var single = S(1, 2);
        Assert.Same(single, Span.Union([single]));
        Assert.Equal((2, 4), (Span.Intersection([S(0, 4), S(2, 9)]).StartIndex, Span.Intersection([S(0, 4), S(2, 9)]).EndIndex));
    }

    [Fact]
    public void Grouping_is_greedy_and_not_transitive()
    {
        // [0,5) and [10,15) start two groups; [4,11) overlaps both but joins only the first.
        var groups = Span.GroupOverlapping([S(0, 5), S(10, 15), S(4, 11)]);
        Assert.Equal(2, groups.Count);
        Assert.Equal(2, groups[0].Count);
        var merged = Span.MergeOverlapping([S(0, 5), S(10, 15), S(4, 11)]);
        Assert.Equal([(0, 11), (10, 15)], merged.Select(s => (s.StartIndex, s.EndIndex)));
    }

    [Fact]
    public void Spans_with_different_labellers_are_equal()
    {
        Assert.Equal(S(0, 3, "a"), S(0, 3, "b"));
        Assert.NotEqual(S(0, 3), S(0, 4));
    }

    [Fact]
    public void Invalid_spans_are_rejected()
    {
        Assert.Throws<KgException>(() => new Span(T, 5, 5));
        Assert.Throws<KgException>(() => new Span(T, -1, 2));
        Assert.Throws<KgException>(() => new Span(T, 0, 2, labellers: ["a", "b"], timestamps: ["t"]));
        Assert.Throws<KgException>(() => new Span(T, 0, 2, predictionProbability: 1.5));
    }
}
