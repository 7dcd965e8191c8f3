using System.Text.Json.Nodes;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Wikibase;
using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>Wikibase entity JSON to concepts, as the original's loader: labels, aliases, claims, and the concept IDs.</summary>
public sealed class WikibaseEntityTests
{
    private static EntityRevision Revision(string id, JsonObject entity, long revision = 42) =>
        new(id, 14, revision, new DateTimeOffset(2024, 6, 12, 10, 9, 34, TimeSpan.Zero), entity.ToJsonString());

    private static JsonObject Entity(string id, string label, string? description, IEnumerable<(string Language, string Value)> aliases, JsonObject? claims = null)
    {
        var aliasMap = new JsonObject();
        foreach (var group in aliases.GroupBy(a => a.Language))
        {
            aliasMap[group.Key] = new JsonArray([.. group.Select(a => (JsonNode)new JsonObject { ["language"] = a.Language, ["value"] = a.Value })]);
        }
        return new JsonObject
        {
            ["type"] = "item",
            ["id"] = id,
            ["labels"] = new JsonObject { ["en"] = new JsonObject { ["language"] = "en", ["value"] = label } },
            ["descriptions"] = description is null ? new JsonArray() : new JsonObject { ["en"] = new JsonObject { ["language"] = "en", ["value"] = description } },
            ["aliases"] = aliasMap.Count == 0 ? new JsonArray() : aliasMap,
            ["claims"] = claims ?? (JsonNode)new JsonArray(),
        };
    }

    private static JsonObject StringStatement(string property, string value, string rank = "normal") => new()
    {
        ["mainsnak"] = new JsonObject { ["snaktype"] = "value", ["property"] = property, ["datavalue"] = new JsonObject { ["value"] = value, ["type"] = "string" } },
        ["type"] = "statement",
        ["rank"] = rank,
    };

    [Fact]
    public void The_Q787_concept_read_from_an_entity_with_its_content_has_the_originals_concept_and_classifier_ids()
    {
        var file = ConceptSource.ReadFile(SharedData.PathOf("concepts", "Q787.json"));
        var entity = Entity("Q787", file.PreferredLabel, file.Description, file.AlternativeLabels.Select(a => ("en", a)));

        var concept = WikibaseEntity.ToConcept(Revision("Q787", entity), new WikibaseProperties(), x => x, _ => { });

        Assert.Equal("vp8w5qgt", concept.Id);
        Assert.Equal("rmaavduy", ClassifierFactory.CreateUntrained(concept, ClassifierType.Keyword).Id);
        Assert.Equal(42, concept.WikibaseRevision);
        // Labelled passages never change an unvalidated concept's ID.
        Assert.Equal("vp8w5qgt", concept.WithLabelledPassages(file.LabelledPassages).Id);
    }

    [Fact]
    public void Aliases_come_from_en_en_gb_en_us_and_mul_only_and_a_missing_description_is_empty()
    {
        var entity = Entity("Q5", "licence", null, [("fr", "permis"), ("en-gb", "licence"), ("en-us", "license"), ("mul", "lic."), ("en", "permit"), ("de", "Lizenz")]);

        var concept = WikibaseEntity.ToConcept(Revision("Q5", entity), new WikibaseProperties(), x => x, _ => { });

        Assert.Equal(["lic.", "license", "permit"], concept.AlternativeLabels); // the preferred label is removed, the rest sorted
        Assert.Equal("", concept.Description);
        Assert.Null(concept.Definition);
    }

    [Fact]
    public void Invalid_classifier_id_claims_are_skipped_with_warnings_and_the_property_mapping_can_be_overridden()
    {
        var claims = new JsonObject
        {
            ["P20"] = new JsonArray(StringStatement("P20", "abcd2345", "preferred"), StringStatement("P20", "not-an-id"), StringStatement("P20", "bcde3456", "weird")),
            ["P70"] = new JsonArray(StringStatement("P70", "A definition.")),
            ["P7"] = new JsonArray(StringStatement("P7", "Not the definition here.")),
        };
        var warnings = new List<string>();

        var concept = WikibaseEntity.ToConcept(Revision("Q5", Entity("Q5", "a", null, [], claims)), new WikibaseProperties { Definition = "P70" }, x => x, warnings.Add);

        Assert.Equal([new ClassifierIdClaim(StatementRank.Preferred, "abcd2345")], concept.ClassifierIds);
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("not-an-id", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("'weird'", StringComparison.Ordinal));
        Assert.Equal("A definition.", concept.Definition);
    }

    [Fact]
    public void A_property_id_is_refused_as_a_concept_id_with_a_message_that_says_why()
    {
        var e = Assert.Throws<KgException>(() => WikibaseId.Parse("P20"));

        Assert.Equal("InvalidWikibaseId", e.ErrorId);
        Assert.Contains("property", e.Message);
        Assert.True(WikibaseId.IsPropertyId("P20"));
        Assert.False(WikibaseId.IsPropertyId("P020"));
        Assert.False(WikibaseId.IsPropertyId("Q20"));
    }

    [Fact]
    public void Subconcept_labels_keep_the_preferred_label_among_the_alternatives_so_a_json_round_trip_changes_the_id_as_in_the_original()
    {
        var parent = WikibaseEntity.ToConcept(Revision("Q1", Entity("Q1", "fossil fuels", "Coal, oil and gas.", [("en", "fossil fuel")])), new WikibaseProperties(), x => x, _ => { });
        var child = new Concept("oil", ["petroleum"], wikibaseId: "Q2");

        var merged = WikibaseEntity.WithSubconcepts(parent, ["Q2"], [child]);
        var roundTrip = ConceptJson.ReadConcept(ConceptJson.WriteConcept(merged), "test");

        Assert.Contains("fossil fuels", merged.AlternativeLabels);
        Assert.DoesNotContain("fossil fuels", roundTrip.AlternativeLabels);
        Assert.NotEqual(merged.Id, roundTrip.Id);
        Assert.Equal(["Q2"], merged.RecursiveHasSubconcept);
    }
}
