using System.Diagnostics;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.StandIns;
using KnowledgeGraph.Wikibase;
using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>The Wikibase concept source against a stand-in Wikibase that checks every request: login, redirects,
/// revisions, subconcepts, negative concepts, retries, errors, paging and the cache.</summary>
public sealed class WikibaseSourceTests
{
    private static readonly DateTimeOffset T0 = WikibaseTestKit.T0;

    /// <summary>The hierarchy of the subconcept tests: Q1 → Q2 → Q3 → Q4 → Q2 (a cycle), three levels below Q1.</summary>
    private static void AddFossilFuels(WikibaseStandIn s)
    {
        s.AddRevision(EntityJson.Item("Q1").Label("fossil fuels").Aliases("en", "fossil fuel").Description("Coal, oil and gas.")
            .ItemClaim("P1", "Q2").StringClaim("P9", "renewable energy").StringClaim("P9", "kerogen"), "Q1", T0);
        s.AddRevision(EntityJson.Item("Q2").Label("oil").Aliases("en", "petroleum").ItemClaim("P2", "Q1").ItemClaim("P1", "Q3").StringClaim("P9", "olive oil"), "Q2", T0);
        s.AddRevision(EntityJson.Item("Q3").Label("oil shale").ItemClaim("P1", "Q4"), "Q3", T0);
        s.AddRevision(EntityJson.Item("Q4").Label("kerogen").Aliases("en-gb", "kerogen rock").Aliases("fr", "kérogène").ItemClaim("P1", "Q2"), "Q4", T0);
    }

    [Fact]
    public void Logs_in_with_a_login_token_then_a_csrf_token_and_reads_the_entity_at_its_latest_revision()
    {
        using var kit = new WikibaseTestKit();
        var rev = kit.Server.AddRevision(EntityJson.Item("Q10").Label("concept Q10").Description("description for Q10").Aliases("en", "alias for Q10")
            .ItemClaim("P1", "Q20").ItemClaim("P2", "Q5").StringClaim("P7", "Definition for Q10").StringClaim("P20", "abcd2345", "preferred"), "Q10", T0);

        var concept = kit.Get("Q10");

        Assert.Empty(kit.Server.Violations);
        Assert.Equal("concept Q10", concept.PreferredLabel);
        Assert.Equal(["alias for Q10"], concept.AlternativeLabels);
        Assert.Equal("description for Q10", concept.Description);
        Assert.Equal("Definition for Q10", concept.Definition);
        Assert.Equal(rev, concept.WikibaseRevision);
        Assert.Equal(["Q20"], concept.HasSubconcept);
        Assert.Equal(["Q5"], concept.SubconceptOf);
        Assert.Equal([new ClassifierIdClaim(StatementRank.Preferred, "abcd2345")], concept.ClassifierIds);
        var requests = kit.Server.Requests;
        Assert.Contains("type=login", requests[0]);
        Assert.StartsWith("POST /w/api.php", requests[1]);
        Assert.Contains("meta=tokens", requests[2]);
        Assert.DoesNotContain("type=login", requests[2]);
        Assert.DoesNotContain(requests, r => r.Contains("s3cret-pw", StringComparison.Ordinal));
        Assert.DoesNotContain(kit.Debug, d => d.Contains("s3cret-pw", StringComparison.Ordinal));
    }

    [Fact]
    public void A_failed_login_is_an_authentication_error_that_names_the_user_and_never_the_password()
    {
        using var kit = new WikibaseTestKit(password: "wrong-password");
        kit.Server.AddRevision(EntityJson.Item("Q10").Label("x"), "Q10", T0);

        var e = kit.Fails("Q10");

        Assert.Equal("WikibaseLoginFailed", e.ErrorId);
        Assert.Equal(KgErrorKind.AuthenticationError, e.Kind);
        Assert.Contains("Kg@tests", e.Message);
        Assert.Contains("Incorrect username or password", e.Message);
        Assert.DoesNotContain("wrong-password", e.Message);
        Assert.Empty(kit.Server.Violations);
        Assert.Equal(0, kit.Server.Count("wbgetentities"));
    }

    [Fact]
    public void A_private_wiki_read_without_credentials_is_access_denied()
    {
        using var kit = new WikibaseTestKit();
        kit.Config = kit.Config with { Username = null, Password = () => null };
        kit.Server.AddRevision(EntityJson.Item("Q10").Label("x"), "Q10", T0);

        var e = kit.Fails("Q10");

        Assert.Equal("WikibaseAccessDenied", e.ErrorId);
        Assert.Contains("read permission", e.Message);
    }

    [Fact]
    public void A_public_wiki_is_read_anonymously_without_a_login()
    {
        using var kit = new WikibaseTestKit(login: false);
        kit.Server.AddRevision(EntityJson.Item("Q10").Label("x"), "Q10", T0);

        Assert.Equal("x", kit.Get("Q10").PreferredLabel);
        Assert.Equal(0, kit.Server.Count("type=login"));
        Assert.Empty(kit.Server.Violations);
    }

    [Fact]
    public void A_redirected_id_resolves_to_its_target_and_says_so()
    {
        using var kit = new WikibaseTestKit();
        kit.Server.AddRevision(EntityJson.Item("Q10").Label("target"), "Q10", T0);
        kit.Server.AddRevision(EntityJson.Item("Q15").Label("merged away"), "Q15", T0);
        kit.Server.Redirect("Q15", "Q10", T0.AddDays(1));

        var concept = kit.Get("Q15");

        Assert.Equal("Q10", concept.WikibaseId);
        Assert.Equal("target", concept.PreferredLabel);
        Assert.Contains(kit.Warnings, w => w.Contains("Q15 redirects to Q10", StringComparison.Ordinal));
        Assert.Empty(kit.Server.Violations);
    }

    [Fact]
    public void Relations_to_redirected_items_point_to_their_targets()
    {
        using var kit = new WikibaseTestKit();
        kit.Server.AddRevision(EntityJson.Item("Q10").Label("a").ItemClaim("P3", "Q15"), "Q10", T0);
        kit.Server.AddRevision(EntityJson.Item("Q12").Label("b"), "Q12", T0);
        kit.Server.AddRevision(EntityJson.Item("Q15").Label("c"), "Q15", T0);
        kit.Server.Redirect("Q15", "Q12", T0);

        Assert.Equal(["Q12"], kit.Get("Q10").RelatedConcepts);
    }

    [Fact]
    public void A_revision_in_the_past_is_read_by_id_or_by_time()
    {
        using var kit = new WikibaseTestKit();
        var old = kit.Server.AddRevision(EntityJson.Item("Q10").Label("forestry"), "Q10", T0);
        var current = kit.Server.AddRevision(EntityJson.Item("Q10").Label("forestry sector").Aliases("en", "forestry"), "Q10", T0.AddMonths(5));

        var byId = kit.Get("Q10", new ConceptQuery { Revision = old });
        var byTime = kit.Get("Q10", new ConceptQuery { AsOf = T0.AddMonths(2) });
        var latest = kit.Get("Q10");

        Assert.Equal(("forestry", old), (byId.PreferredLabel, byId.WikibaseRevision));
        Assert.Equal(("forestry", old), (byTime.PreferredLabel, byTime.WikibaseRevision));
        Assert.Equal(("forestry sector", current), (latest.PreferredLabel, latest.WikibaseRevision));
        Assert.NotEqual(byId.Id, latest.Id);
        Assert.Contains(kit.Server.Requests, r => r.Contains("rvstart=2024-03-10T12:00:00Z", StringComparison.Ordinal));
        Assert.Empty(kit.Server.Violations);
    }

    [Fact]
    public void A_time_before_the_item_existed_a_time_in_the_future_and_another_items_revision_are_clear_errors()
    {
        using var kit = new WikibaseTestKit();
        kit.Server.AddRevision(EntityJson.Item("Q10").Label("a"), "Q10", T0);
        var other = kit.Server.AddRevision(EntityJson.Item("Q11").Label("b"), "Q11", T0);

        Assert.Equal("RevisionNotFound", kit.Fails("Q10", new ConceptQuery { AsOf = T0.AddYears(-1) }).ErrorId);
        Assert.Equal("AsOfInFuture", kit.Fails("Q10", new ConceptQuery { AsOf = DateTimeOffset.UtcNow.AddDays(1) }).ErrorId);
        var e = kit.Fails("Q10", new ConceptQuery { Revision = other });
        Assert.Equal("RevisionOfAnotherItem", e.ErrorId);
        Assert.Contains("Item:Q11", e.Message);
        Assert.Equal("RevisionNotFound", kit.Fails("Q10", new ConceptQuery { Revision = 999_999 }).ErrorId);
    }

    [Fact]
    public void Subconcept_labels_come_from_three_levels_through_a_cycle_and_give_the_originals_concept_id()
    {
        using var kit = new WikibaseTestKit();
        AddFossilFuels(kit.Server);

        var concept = kit.Get("Q1", new ConceptQuery { IncludeSubconceptLabels = true });

        Assert.Empty(kit.Server.Violations);
        Assert.Equal(["Q2", "Q3", "Q4"], concept.RecursiveHasSubconcept);
        // As the original's unvalidated assignment: every label of the concept and its descendants, the preferred label
        // included (fr aliases are not labels); subconcept labels are no negatives ("kerogen"); a subconcept's negatives join.
        Assert.Equal(["fossil fuel", "fossil fuels", "kerogen", "kerogen rock", "oil", "oil shale", "petroleum"], concept.AlternativeLabels);
        Assert.Equal(["olive oil", "renewable energy"], concept.NegativeLabels);
        // Computed with Python's hashlib from the original's rule:
        // generate("Q1", "fossil fuels", "Coal, oil and gas.", None, *sorted(alternatives), *sorted(negatives)).
        Assert.Equal("drhsy6pg", concept.Id);
        Assert.Equal("m442bf5a", ClassifierFactory.CreateUntrained(concept, ClassifierType.Keyword).Id);
        Assert.Equal(1, kit.Server.Count("/query/sparql"));
    }

    [Fact]
    public void Without_subconcept_labels_negative_labels_stay_as_the_wikibase_has_them()
    {
        using var kit = new WikibaseTestKit();
        AddFossilFuels(kit.Server);

        var concept = kit.Get("Q1");

        Assert.Equal(["fossil fuel"], concept.AlternativeLabels);
        Assert.Equal(["renewable energy", "kerogen"], concept.NegativeLabels);
        Assert.Null(concept.RecursiveHasSubconcept);
        Assert.Equal("2rgzkzqh", concept.Id); // generate("Q1", "fossil fuels", "Coal, oil and gas.", None, "fossil fuel", "kerogen", "renewable energy")
        Assert.Equal(0, kit.Server.Count("/query/sparql"));
    }

    [Fact]
    public void A_negative_concepts_labels_join_the_negative_labels_and_a_cycle_of_negative_concepts_ends()
    {
        using var kit = new WikibaseTestKit();
        kit.Server.AddRevision(EntityJson.Item("Q30").Label("tax").Aliases("en", "taxation").ItemClaim("P11", "Q31").StringClaim("P9", "tax advantage"), "Q30", T0);
        kit.Server.AddRevision(EntityJson.Item("Q31").Label("tax advantage").Aliases("en", "tax break").ItemClaim("P11", "Q30"), "Q31", T0);

        var concept = kit.Get("Q30");

        Assert.Equal(["Q31"], concept.NegativeConcepts);
        Assert.Equal(["tax advantage", "tax break"], concept.NegativeLabels);
        Assert.Equal("hsrvqr4c", concept.Id); // generate("Q30", "tax", "", None, "taxation", "tax advantage", "tax break")
        Assert.Empty(kit.Server.Violations);
    }

    [Fact]
    public void A_429_with_retry_after_is_waited_for_then_retried()
    {
        using var kit = new WikibaseTestKit();
        kit.Server.AddRevision(EntityJson.Item("Q10").Label("a"), "Q10", T0);
        kit.Server.FailNext(r => r.Query["prop"] == "revisions", 429, retryAfter: "1");
        var clock = Stopwatch.StartNew();

        Assert.Equal("a", kit.Get("Q10").PreferredLabel);

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"waited {clock.Elapsed} where Retry-After said 1 s (the backoff alone is 10 ms)");
        Assert.Equal(2, kit.Server.Count("prop=revisions"));
        Assert.Contains(kit.Debug, d => d.Contains("429", StringComparison.Ordinal) && d.Contains("retry 1 of 3", StringComparison.Ordinal));
    }

    [Fact]
    public void A_503_then_success_is_retried_with_backoff()
    {
        using var kit = new WikibaseTestKit();
        kit.Server.AddRevision(EntityJson.Item("Q10").Label("a"), "Q10", T0);
        kit.Server.FailNext(r => r.Query["action"] == "wbgetentities", 503, times: 2);

        Assert.Equal("a", kit.Get("Q10").PreferredLabel);
        Assert.Equal(3, kit.Server.Count("wbgetentities"));
    }

    [Fact]
    public void An_attempt_that_times_out_is_retried()
    {
        using var kit = new WikibaseTestKit();
        kit.Policy = kit.Policy with { AttemptTimeout = TimeSpan.FromMilliseconds(500) };
        kit.Server.AddRevision(EntityJson.Item("Q10").Label("a"), "Q10", T0);
        kit.Server.DelayNext(r => r.Query["prop"] == "revisions", TimeSpan.FromSeconds(3));

        Assert.Equal("a", kit.Get("Q10").PreferredLabel);

        Assert.Equal(2, kit.Server.Count("prop=revisions"));
        Assert.Contains(kit.Debug, d => d.Contains("TimeoutRejected", StringComparison.Ordinal) && d.Contains("retry 1 of 3", StringComparison.Ordinal));
    }

    [Fact]
    public void Attempts_that_keep_timing_out_fail_as_unreachable_after_the_retries()
    {
        using var kit = new WikibaseTestKit();
        kit.Policy = kit.Policy with { AttemptTimeout = TimeSpan.FromMilliseconds(300) };
        kit.Server.AddRevision(EntityJson.Item("Q10").Label("a"), "Q10", T0);
        kit.Server.DelayNext(r => r.Query["action"] == "wbgetentities", TimeSpan.FromSeconds(2), times: 4);

        var e = kit.Fails("Q10");

        Assert.Equal(("WikibaseUnreachable", KgErrorKind.ConnectionError), (e.ErrorId, e.Kind));
        Assert.Contains("timed out", e.Message);
        Assert.Equal(4, kit.Server.Count("wbgetentities")); // the first attempt and 3 retries
    }

    [Fact]
    public void A_5xx_that_persists_fails_after_the_retries_with_the_status()
    {
        using var kit = new WikibaseTestKit();
        kit.Server.AddRevision(EntityJson.Item("Q10").Label("a"), "Q10", T0);
        kit.Server.FailNext(r => r.Query["action"] == "wbgetentities", 502, times: 10);

        var e = kit.Fails("Q10");

        Assert.Equal("WikibaseUnavailable", e.ErrorId);
        Assert.Contains("502", e.Message);
        Assert.Equal(4, kit.Server.Count("wbgetentities")); // the first attempt and 3 retries
    }

    [Theory]
    [InlineData(401, "WikibaseAuthenticationFailed", KgErrorKind.AuthenticationError)]
    [InlineData(403, "WikibaseAccessDenied", KgErrorKind.PermissionDenied)]
    [InlineData(404, "WikibaseNotFound", KgErrorKind.ObjectNotFound)]
    public void Refusals_and_a_missing_api_are_clear_errors_without_retries(int status, string errorId, KgErrorKind kind)
    {
        using var kit = new WikibaseTestKit();
        kit.Server.FailNext(r => r.Query["type"] == "login", status);

        var e = kit.Fails("Q10");

        Assert.Equal((errorId, kind), (e.ErrorId, e.Kind));
        Assert.Contains(kit.Server.Url, e.Message);
        Assert.Contains("WIKIBASE_USERNAME", e.Message);
        Assert.Equal(1, kit.Server.Count("type=login"));
    }

    [Fact]
    public void A_deleted_item_and_an_item_that_never_existed_are_told_apart()
    {
        using var kit = new WikibaseTestKit();
        kit.Server.AddRevision(EntityJson.Item("Q10").Label("a"), "Q10", T0);
        kit.Server.Delete("Q10", T0.AddDays(3), "Admin", "duplicate of Q12");

        var deleted = kit.Fails("Q10");
        var missing = kit.Fails("Q77");

        Assert.Equal("ConceptDeleted", deleted.ErrorId);
        Assert.Contains("duplicate of Q12", deleted.Message);
        Assert.Contains("Admin", deleted.Message);
        Assert.Equal("ConceptNotFound", missing.ErrorId);
        Assert.Empty(kit.Server.Violations);
    }

    [Fact]
    public void A_malformed_entity_is_an_error_naming_the_item_revision_and_statement()
    {
        using var kit = new WikibaseTestKit();
        var rev = kit.Server.AddRevision("Q10", """{"type":"item","id":"Q10","labels":{"en":{"language":"en","value":"a"}},"claims":{"P1":[{"type":"statement","rank":"normal"}]}}""", T0);
        kit.Server.AddRevision("Q11", "{not json", T0);

        var e = kit.Fails("Q10");
        var notJson = kit.Fails("Q11");

        Assert.Equal("WikibaseMalformedEntity", e.ErrorId);
        Assert.Contains($"Q10 (revision {rev})", e.Message);
        Assert.Contains("claims.P1[0] has no mainsnak", e.Message);
        Assert.Equal("WikibaseMalformedEntity", notJson.ErrorId);
    }

    [Fact]
    public void An_entity_without_an_english_label_is_invalid()
    {
        using var kit = new WikibaseTestKit();
        kit.Server.AddRevision(EntityJson.Item("Q10").Label("forêt", "fr"), "Q10", T0);

        var e = kit.Fails("Q10");

        Assert.Equal("InvalidConceptData", e.ErrorId);
        Assert.Contains("no English label", e.Message);
    }

    [Fact]
    public void A_property_where_an_item_belongs_is_skipped_with_a_warning_and_a_property_page_is_an_error()
    {
        using var kit = new WikibaseTestKit();
        kit.Server.AddRevision(EntityJson.Item("Q10").Label("a").ItemClaim("P1", "P5").ItemClaim("P1", "Q11"), "Q10", T0);
        kit.Server.AddRevision("Q12", """{"type":"property","id":"P12","datatype":"string","labels":{"en":{"language":"en","value":"p"}}}""", T0);

        Assert.Equal(["Q11"], kit.Get("Q10").HasSubconcept);
        Assert.Contains(kit.Warnings, w => w.Contains("points to a property", StringComparison.Ordinal));
        Assert.Equal("WikibasePropertyNotItem", kit.Fails("Q12").ErrorId);
    }

    [Fact]
    public async Task The_item_listing_follows_continue_to_the_end()
    {
        using var kit = new WikibaseTestKit();
        foreach (var id in new[] { "Q10", "Q100", "Q1000", "Q1001", "Q1002", "Q1003", "Q1004" })
        {
            kit.Server.AddRevision(EntityJson.Item(id).Label(id), id, T0);
        }
        kit.Server.AddRevision(EntityJson.Item("Q15").Label("r"), "Q15", T0);
        kit.Server.Redirect("Q15", "Q10", T0);
        kit.Server.ListingPageSize = 3;
        using var concepts = kit.Concepts();

        var ids = await concepts.ListIdsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["Q10", "Q100", "Q1000", "Q1001", "Q1002", "Q1003", "Q1004"], ids.Select(i => i.Value));
        var listings = kit.Server.Requests.Where(r => r.Contains("list=allpages", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, listings.Count);
        Assert.Contains("apcontinue=Q1001", listings[1]);
        Assert.Contains("continue=-||", listings[1]);
        Assert.Empty(kit.Server.Violations);
    }

    [Fact]
    public void A_fetched_revision_is_served_from_the_cache_without_a_request_and_offline()
    {
        using var kit = new WikibaseTestKit();
        AddFossilFuels(kit.Server);
        var query = new ConceptQuery { IncludeSubconceptLabels = true };
        var online = kit.Get("Q1", query);
        kit.Server.Dispose(); // the Wikibase is gone

        var pinned = kit.Get("Q1", query with { Revision = online.WikibaseRevision });
        var latest = kit.Get("Q1", query);

        Assert.Equal(online.Id, pinned.Id);
        Assert.Equal(online.AlternativeLabels, pinned.AlternativeLabels);
        Assert.Equal(online.Id, latest.Id);
        Assert.Contains(kit.Warnings, w => w.Contains("could not be reached", StringComparison.Ordinal) && w.Contains("as cached", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(kit.Cache, "revisions", "Q1", $"{online.WikibaseRevision}.json")));
        // Another option (no subconcept labels) was never fetched: offline it is an error, not a wrong concept.
        Assert.Equal("WikibaseUnreachable", kit.Fails("Q1").ErrorId);
    }

    [Fact]
    public void Related_concepts_are_read_as_they_were_at_the_revisions_time()
    {
        using var kit = new WikibaseTestKit();
        var rev = kit.Server.AddRevision(EntityJson.Item("Q30").Label("tax").ItemClaim("P11", "Q31"), "Q30", T0);
        kit.Server.AddRevision(EntityJson.Item("Q31").Label("tax advantage"), "Q31", T0);
        kit.Server.AddRevision(EntityJson.Item("Q31").Label("tax relief"), "Q31", T0.AddMonths(3));

        Assert.Equal(["tax advantage"], kit.Get("Q30", new ConceptQuery { Revision = rev }).NegativeLabels);
        Assert.Equal(["tax relief"], kit.Get("Q30").NegativeLabels);
    }
}
