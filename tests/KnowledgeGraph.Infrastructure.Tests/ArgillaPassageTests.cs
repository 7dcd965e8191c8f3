using System.Text.Json.Nodes;
using KnowledgeGraph.Argilla;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.StandIns;
using KnowledgeGraph.Training;
using KnowledgeGraph.Wikibase;
using Xunit;
using static KnowledgeGraph.StandIns.ArgillaStandIn;

namespace KnowledgeGraph.Tests;

/// <summary>Labelled passages from a stand-in Argilla (v1 REST API) that checks the key, the include and paging.</summary>
public sealed class ArgillaPassageTests : IDisposable
{
    private const string Key = "argilla-key-123";
    private static readonly DateTimeOffset Inserted = new(2024, 2, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Updated = new(2024, 2, 3, 17, 45, 12, TimeSpan.Zero);
    private readonly ArgillaStandIn _server = new() { ApiKey = Key };
    private readonly WikibaseTestKit _kit = new();
    private readonly string _dataset;
    private readonly string _alice;
    private readonly string _bob;

    public ArgillaPassageTests()
    {
        var workspace = _server.AddWorkspace("knowledge-graph");
        _server.AddWorkspace("other");
        _dataset = _server.AddDataset("Q787", workspace);
        _alice = _server.AddUser("alice");
        _bob = _server.AddUser("bob");
    }

    private ArgillaConfiguration Config(string key = Key) => new() { Url = _server.Url, Key = () => key };

    private IReadOnlyList<LabelledPassage>? Read(ArgillaConfiguration? config = null)
    {
        using var client = new ArgillaClient(config ?? Config(), _kit.Handler());
        return client.GetLabelledPassagesAsync("Q787", CancellationToken.None).GetAwaiter().GetResult();
    }

    [Fact]
    public void Two_annotators_who_disagree_give_one_passage_with_both_spans_each_with_its_labeller_and_the_records_time()
    {
        const string text = "Forestry and timber harvesting are key sectors.";
        _server.AddRecord(_dataset, text, Inserted, Updated, new JsonObject { ["document_id"] = "CCLW.1", ["translated"] = "False" },
            new Answer(_alice, "submitted", (0, 8, "Q787")),
            new Answer(_bob, "submitted", (13, 30, "Q787")));

        var passages = Read()!;

        var p = Assert.Single(passages);
        Assert.Equal(text, p.Text);
        Assert.Equal([("Forestry", "alice"), ("timber harvesting", "bob")], p.Spans.Select(s => (s.LabelledText, s.Labellers.Single())));
        Assert.All(p.Spans, s => Assert.Equal(["2024-02-03T17:45:12.000000"], s.Timestamps));
        Assert.All(p.Spans, s => Assert.Equal("Q787", s.ConceptId));
        Assert.Equal("CCLW.1", p.Metadata["document_id"]);
        Assert.Equal(Identifiers.Identifier.FromText(text), p.Id);
        Assert.Empty(_server.Violations);
    }

    [Fact]
    public void A_text_every_annotator_submitted_without_spans_is_a_negative_and_one_yes_makes_a_positive()
    {
        _server.AddRecord(_dataset, "Nothing about forests here.", Inserted, null, null,
            new Answer(_alice, "submitted"), new Answer(_bob, "submitted"));
        _server.AddRecord(_dataset, "Logging rose last year.", Inserted, null, null,
            new Answer(_alice, "submitted", (0, 7, "Q787")), new Answer(_bob, "submitted"));

        var passages = Read()!;

        Assert.Equal(2, passages.Count);
        Assert.False(passages[0].IsPositive);
        Assert.Empty(passages[0].Spans);
        Assert.True(passages[1].IsPositive);
        Assert.Equal(["alice"], passages[1].Spans.Single().Labellers);
        Assert.Equal(["2024-02-01T08:00:00.000000"], passages[1].Spans.Single().Timestamps); // no update: the record's creation time
    }

    [Fact]
    public void Drafts_and_discarded_responses_are_left_out_and_a_record_with_none_submitted_is_no_passage()
    {
        _server.AddRecord(_dataset, "Timber.", Inserted, null, null,
            new Answer(_alice, "draft", (0, 6, "Q787")), new Answer(_bob, "discarded"));

        Assert.Empty(Read()!);
    }

    [Fact]
    public void Records_of_the_same_text_are_merged_and_every_page_is_read()
    {
        _server.MaxPage = 2;
        for (var i = 0; i < 5; i++)
        {
            _server.AddRecord(_dataset, $"Passage {i} on silviculture.", Inserted, null, null, new Answer(_alice, "submitted", (10, 22, "Q787")));
        }
        _server.AddRecord(_dataset, "Passage 0 on silviculture.", Inserted, null, null, new Answer(_bob, "submitted", (10, 22, "Q787")));

        var passages = Read()!;

        Assert.Equal(5, passages.Count);
        Assert.Equal(["alice", "bob"], passages[0].Spans.Select(s => s.Labellers.Single()));
        Assert.Equal(3, _server.Count("/records?")); // 6 records, 2 a page
        Assert.Contains(_server.Requests, r => r.Contains("offset=4&", StringComparison.Ordinal));
        Assert.Empty(_server.Violations);
    }

    [Fact]
    public async Task A_wrong_key_is_an_authentication_error_and_a_missing_dataset_is_no_passages()
    {
        var e = Assert.Throws<KgException>(() => Read(Config("wrong")));
        Assert.Equal("ArgillaAuthenticationFailed", e.ErrorId);
        Assert.DoesNotContain("wrong", e.Message);

        using var client = new ArgillaClient(Config(), _kit.Handler());
        Assert.Null(await client.GetLabelledPassagesAsync("Q1", TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_span_beyond_its_text_is_an_error_naming_the_record()
    {
        var record = _server.AddRecord(_dataset, "Short.", Inserted, null, null, new Answer(_alice, "submitted", (0, 60, "Q787")));

        var e = Assert.Throws<KgException>(() => Read());

        Assert.Equal("ArgillaInvalidRecord", e.ErrorId);
        Assert.Contains(record, e.Message);
    }

    [Fact]
    public async Task Get_with_labelled_passages_adds_them_to_the_wikibase_concept_and_they_merge_with_extra_training_data_without_duplicates()
    {
        _kit.Server.AddRevision(EntityJson.Item("Q787").Label("forestry sector").Aliases("en", "timber"), "Q787", WikibaseTestKit.T0);
        _server.AddRecord(_dataset, "Timber exports grew.", Inserted, null, null, new Answer(_alice, "submitted", (0, 6, "Q787")));
        _server.AddRecord(_dataset, "Fisheries declined.", Inserted, null, null, new Answer(_alice, "submitted"), new Answer(_bob, "submitted"));
        using var concepts = _kit.Concepts(Config());

        var concept = await concepts.GetAsync(Identifiers.WikibaseId.Parse("Q787"), new ConceptQuery { IncludeLabelledPassages = true }, TestContext.Current.CancellationToken);

        Assert.Equal(2, concept.LabelledPassages.Count);
        Assert.Equal(1, concept.PositivePassageCount);
        var plainId = _kit.Get("Q787").Id;
        Assert.Equal(plainId, concept.Id); // passages never change the concept ID
        var extra = new[] { new LabelledPassage("Timber exports grew."), new LabelledPassage("Sawmills closed.") };
        var (training, _) = LearnedTrainer.Split(new TrainingRequest
        {
            Concept = concept,
            Type = Classification.ClassifierType.SpanTagger,
            Environment = Environments.KgEnvironment.Sandbox,
            Evaluate = false,
            ExtraTrainingData = extra,
        });
        Assert.Equal(["Timber exports grew.", "Fisheries declined.", "Sawmills closed."], training.Select(p => p.Text));
        Assert.True(training[0].IsPositive); // Argilla's labels win over the extra file's copy of the same text
    }

    public void Dispose()
    {
        _server.Dispose();
        _kit.Dispose();
    }
}
