using System.Text.Json.Nodes;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Specs;
using KnowledgeGraph.WandB;
using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>A registry of record in W&amp;B, against the W&amp;B stand-in and the S3 test server: the original's scheme
/// (link, tag, metadata), the rules, permission errors, concurrent changes, import and spec equality.</summary>
public class WandBRegistryTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static MetadataChange Profile(string p) => new() { AddProfiles = [p] };

    [Fact]
    public async Task Promotion_links_tags_and_sets_metadata_as_the_original_does()
    {
        using var w = await WandBTestContext.StartAsync();
        var store = w.Store(KgEnvironment.Sandbox);
        var v0 = await WandBTestContext.AddModelAsync(store, "Q123", "abcd2345", "first");

        var promoted = await ClassifierLifecycle.PublishAsync(store, v0, Profile("primary"), None);
        Assert.True(promoted.Changed);
        Assert.Equal(new ModelVersion(0), promoted.RegistryVersion);

        var artifact = Assert.Single(w.World.Artifacts.Values);
        Assert.Equal(("kg-team", "Q123", "abcd2345", "model"), (artifact.Entity, artifact.Project, artifact.Collection, artifact.Type));
        Assert.Equal(["sandbox"], artifact.Tags);
        var md = artifact.MetadataObject;
        Assert.Equal("sandbox", (string?)md["aws_env"]);
        Assert.Equal("KeywordClassifier", (string?)md["classifier_name"]);
        Assert.Equal("f8at8qv5", (string?)md["concept_id"]);
        Assert.Equal(7, (int?)md["concept_wikibase_revision"]);
        Assert.Equal("[\"primary\"]", md["classifiers_profiles"]!.ToJsonString());
        var link = Assert.Single(w.World.Portfolios["Q123"].Memberships);
        Assert.Equal(artifact.Id, link.ArtifactId);
        // The promotion ran as the original's does: a promote_model run that used the artifact.
        var run = Assert.Single(w.World.Runs.Values);
        Assert.Equal("promote_model", run.JobType);
        Assert.Equal([artifact.Id], run.Used);

        // Promoting again changes nothing; metadata edits land on the artifact; demotion removes the tag and the profile.
        Assert.False((await ClassifierLifecycle.PublishAsync(store, v0, Profile("primary"), None)).Changed);
        await ClassifierLifecycle.SetMetadataAsync(store, "Q123", "abcd2345", new MetadataChange { AddDontRunOn = ["sabin", "cclw"], RequireGpu = true }, None);
        md = artifact.MetadataObject;
        Assert.Equal("[\"cclw\",\"sabin\"]", md["dont_run_on"]!.ToJsonString());
        Assert.Equal("{\"gpu\":true}", md["compute_environment"]!.ToJsonString());
        var plan = await ClassifierLifecycle.PlanDemotionAsync(store, "Q123", new DemotionTarget(), None);
        await ClassifierLifecycle.DemoteAsync(store, plan, None);
        Assert.Empty(artifact.Tags);
        Assert.Null(artifact.MetadataObject["classifiers_profiles"]);
        Assert.Single(w.World.Portfolios["Q123"].Memberships); // the link stays
        Assert.Empty((await store.Registry.GetAsync("Q123", None)).Promoted);
        Assert.Empty(w.StandIn.ValidationErrors);
    }

    [Fact]
    public async Task The_rules_are_checked_on_the_state_read_from_wandb_before_anything_is_written()
    {
        using var w = await WandBTestContext.StartAsync();
        var store = w.Store(KgEnvironment.Sandbox);
        var a = await WandBTestContext.AddModelAsync(store, "Q5", "abcd2345", "a");
        var b = await WandBTestContext.AddModelAsync(store, "Q5", "xcqj62uy", "b");
        await ClassifierLifecycle.PublishAsync(store, a, Profile("primary"), None);
        var before = w.StandIn.Operations.Count(o => o.Contains("UpdateArtifact") || o.Contains("LinkArtifact"));
        var e = await Assert.ThrowsAsync<KgException>(() => ClassifierLifecycle.PublishAsync(store, b, Profile("primary"), None));
        Assert.Equal("ProfileLimitReached", e.ErrorId);
        Assert.Equal(before, w.StandIn.Operations.Count(o => o.Contains("UpdateArtifact") || o.Contains("LinkArtifact")));
        var none = await Assert.ThrowsAsync<KgException>(() => ClassifierLifecycle.PublishAsync(store, b, new MetadataChange(), None));
        Assert.Equal("MissingClassifiersProfile", none.ErrorId);
        // Nothing was logged for the refused version either.
        Assert.Single(w.World.Artifacts.Values);
        Assert.Empty(w.StandIn.ValidationErrors);
    }

    [Fact]
    public async Task A_link_refused_for_lack_of_a_registry_role_is_explained_and_promotes_nothing()
    {
        using var w = await WandBTestContext.StartAsync(registryRole: "viewer");
        var store = w.Store(KgEnvironment.Sandbox);
        var v = await WandBTestContext.AddModelAsync(store, "Q7", "abcd2345", "x");
        var e = await Assert.ThrowsAsync<KgException>(() => ClassifierLifecycle.PublishAsync(store, v, Profile("primary"), None));
        Assert.Equal("WandBRegistryRoleMissing", e.ErrorId);
        Assert.Equal(KgErrorKind.PermissionDenied, e.Kind);
        Assert.Contains("Access to the team's projects is not access to the registry", e.Message);
        Assert.Contains("Member role", e.Message);
        Assert.DoesNotContain(w.Key, e.Message);
        // The artifact was logged (project access suffices for that), but it is neither tagged nor linked.
        var artifact = Assert.Single(w.World.Artifacts.Values);
        Assert.Empty(artifact.Tags);
        Assert.Null(artifact.MetadataObject["classifiers_profiles"]);
        Assert.Empty(w.World.Portfolios);
    }

    [Fact]
    public async Task An_html_403_is_reported_as_a_proxy_and_an_expired_key_as_a_rejected_key()
    {
        using var w = await WandBTestContext.StartAsync();
        var store = w.Store(KgEnvironment.Sandbox);
        w.StandIn.Intercept = r => new Tests.WandB.StandInReply(403, "text/html", "<html><body><h1>403 Forbidden</h1>Request blocked by the corporate proxy</body></html>");
        var proxy = await Assert.ThrowsAsync<KgException>(() => store.Registry.GetAsync("Q1", None));
        Assert.Equal("WandBProxyRefused", proxy.ErrorId);
        Assert.Equal(KgErrorKind.PermissionDenied, proxy.Kind);
        Assert.Contains("proxy", proxy.Message);
        Assert.Contains("not a W&B permission", proxy.Message);

        w.StandIn.Intercept = null;
        w.World.ExpiredKeys.Add(w.Key);
        var expired = await Assert.ThrowsAsync<KgException>(() => w.Store(KgEnvironment.Sandbox).Registry.GetAsync("Q1", None));
        Assert.Equal("WandBKeyRejected", expired.ErrorId);
        Assert.Equal(KgErrorKind.AuthenticationError, expired.Kind);
        Assert.Contains("expired", expired.Message);
        Assert.Contains("the test", expired.Message); // where the key came from, never the key
        Assert.DoesNotContain(w.Key, expired.Message);
    }

    [Fact]
    public async Task A_metadata_change_overwritten_by_another_writer_is_detected()
    {
        using var w = await WandBTestContext.StartAsync();
        var store = w.Store(KgEnvironment.Sandbox);
        var v = await WandBTestContext.AddModelAsync(store, "Q9", "abcd2345", "x");
        await ClassifierLifecycle.PublishAsync(store, v, Profile("primary"), None);
        var artifact = w.World.Artifacts.Values.Single();
        // Another writer, which read the metadata before our write, saves its own full copy just after ours.
        var stale = artifact.Metadata;
        w.StandIn.AfterOperation = (op, world) =>
        {
            if (op == "UpdateArtifact")
            {
                w.StandIn.AfterOperation = null;
                world.ReplaceMetadata(artifact.Id, m =>
                {
                    foreach (var key in m.Select(p => p.Key).ToList()) m.Remove(key);
                    foreach (var (k, x) in JsonNode.Parse(stale)!.AsObject()) m[k] = x?.DeepClone();
                    m["dont_run_on"] = new JsonArray("gef");
                });
            }
        };
        var e = await Assert.ThrowsAsync<KgException>(() => ClassifierLifecycle.SetMetadataAsync(store, "Q9", "abcd2345", new MetadataChange { AddDontRunOn = ["sabin"] }, None));
        Assert.Equal("ConcurrentRegistryChange", e.ErrorId);
        Assert.Contains("dont_run_on should be [sabin], but is [gef]", e.Message);
    }

    [Fact]
    public async Task A_change_made_between_our_read_and_our_write_is_kept_by_deciding_again()
    {
        using var w = await WandBTestContext.StartAsync();
        var store = w.Store(KgEnvironment.Sandbox);
        var v = await WandBTestContext.AddModelAsync(store, "Q9", "abcd2345", "x");
        await ClassifierLifecycle.PublishAsync(store, v, Profile("primary"), None);
        var artifact = w.World.Artifacts.Values.Single();
        var reads = 0;
        w.StandIn.AfterOperation = (op, world) =>
        {
            if (op == "RegistryVersions" && ++reads == 2) // the read the change is decided on
            {
                world.ReplaceMetadata(artifact.Id, m => m["dont_run_on"] = new JsonArray("gef"));
            }
        };
        var (info, changed) = await ClassifierLifecycle.SetMetadataAsync(store, "Q9", "abcd2345", new MetadataChange { AddDontRunOn = ["sabin"] }, None);
        Assert.True(changed);
        Assert.Equal(["gef", "sabin"], info.DontRunOn);
        Assert.Equal("[\"gef\",\"sabin\"]", artifact.MetadataObject["dont_run_on"]!.ToJsonString());
    }

    [Fact]
    public async Task A_registry_with_100_promoted_versions_is_imported_into_the_store_and_the_spec_is_byte_equal()
    {
        using var w = await WandBTestContext.StartAsync();
        var profiles = new[] { "primary", "experimental", "retired" };
        for (var i = 1; i <= 100; i++)
        {
            var cid = Identifier.Generate("import", i);
            var dontRunOn = i % 3 == 0 ? new[] { "sabin" } : i % 7 == 0 ? new[] { "cclw", "gef" } : null;
            if (i % 10 == 0) // an older, demoted version first, so that registry versions are not all v0
            {
                w.World.SeedPromoted($"Q{i}", Identifier.Generate("old", i), "staging", null, "f8at8qv5", promoted: false);
            }
            w.World.SeedPromoted($"Q{i}", cid, "staging", profiles[i % 3], Identifier.Generate("concept", i), dontRunOn, gpu: i % 11 == 0);
        }
        w.World.SeedPromoted("Q1", Identifier.Generate("elsewhere", 1), "production", "primary", "f8at8qv5"); // another environment's: not imported
        var wandbStore = w.Store(KgEnvironment.Staging);
        var specs = Directory.CreateTempSubdirectory("kg-wandb-spec-");
        try
        {
            var fromWandB = await SpecUpdater.PlanAsync(wandbStore, specs.FullName, null, None);
            Assert.Equal(100, fromWandB.Entries.Count);

            var source = (WandBRegistry)wandbStore.Registry;
            var target = WandBImport.StoreRegistryOf(wandbStore);
            var plan = await WandBImport.PlanAsync(source, target, null, None);
            Assert.Equal(100, plan.Count);
            var results = new List<RegistryImportResult>();
            foreach (var item in plan)
            {
                results.Add(await WandBImport.ImportAsync(source, target, item, None));
            }
            Assert.All(results, r => Assert.True(r.Changed && r.StandIn));
            Assert.Equal(new ModelVersion(1), results.Single(r => r.WikibaseId == "Q10").RegistryVersion);
            var history = await target.Registry.GetHistoryAsync("Q10", None);
            var record = Assert.Single(history);
            Assert.Contains("Import-KgRegistry from W&B", record.By.Tool);

            var fromStore = await SpecUpdater.PlanAsync(target, specs.FullName, null, None);
            Assert.Equal(fromWandB.Content, fromStore.Content);
            Assert.Contains("classifiers_profile: retired", fromStore.Content);
            Assert.Contains("gpu: true", fromStore.Content);

            // Importing again changes nothing.
            var again = await WandBImport.PlanAsync(source, target, null, None);
            Assert.All(again, i => Assert.True(i.AlreadyThere));
            Assert.False((await WandBImport.ImportAsync(source, target, again[0], None)).Changed);
            Assert.Empty(w.StandIn.ValidationErrors);
        }
        finally
        {
            specs.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_same_changes_give_the_same_spec_from_wandb_and_from_our_registry()
    {
        using var w = await WandBTestContext.StartAsync();
        var ours = w.Store(KgEnvironment.Labs, RegistryKind.Store, prefix: "ours");
        var theirs = w.Store(KgEnvironment.Labs, RegistryKind.WandB, prefix: "theirs");
        foreach (var store in new[] { ours, theirs })
        {
            var a = await WandBTestContext.AddModelAsync(store, "Q2", "abcd2345", "a");
            var b = await WandBTestContext.AddModelAsync(store, "Q10", "xcqj62uy", "b");
            var c = await WandBTestContext.AddModelAsync(store, "Q10", "mnpq2345", "c");
            var a1 = await WandBTestContext.AddModelAsync(store, "Q2", "abcd2345", "a, again");
            await ClassifierLifecycle.PublishAsync(store, a, Profile("primary"), None);
            await ClassifierLifecycle.PublishAsync(store, b, Profile("primary"), None);
            await ClassifierLifecycle.PublishAsync(store, c, Profile("experimental"), None);
            await ClassifierLifecycle.SetMetadataAsync(store, "Q10", "xcqj62uy", new MetadataChange { AddDontRunOn = ["sabin", "af"], RequireGpu = true }, None);
            await ClassifierLifecycle.PublishAsync(store, a1, new MetadataChange(), None); // replaces a, keeping its profile
            await ClassifierLifecycle.DemoteAsync(store, await ClassifierLifecycle.PlanDemotionAsync(store, "Q10", new DemotionTarget(Profile: "experimental"), None), None);
        }
        var folder = Directory.CreateTempSubdirectory("kg-wandb-spec-");
        try
        {
            var expected = await SpecUpdater.PlanAsync(ours, folder.FullName, null, None);
            var actual = await SpecUpdater.PlanAsync(theirs, folder.FullName, null, None);
            Assert.Equal(2, expected.Entries.Count);
            Assert.Equal(expected.Content, actual.Content);
            Assert.Contains("wandb_registry_version: v1", actual.Content); // Q2: the replacement is a new registry version
        }
        finally
        {
            folder.Delete(recursive: true);
        }
        Assert.Empty(w.StandIn.ValidationErrors);
    }

    [Fact]
    public async Task The_stand_in_rejects_requests_that_do_not_fit_the_schema()
    {
        using var w = await WandBTestContext.StartAsync();
        var client = w.Api().Client;
        var unknown = await Assert.ThrowsAsync<KgException>(() => client.GraphQLAsync("Viewer", "query Viewer { viewer { id nickname } }", [], None));
        Assert.Contains("nickname", unknown.Message);
        await Assert.ThrowsAsync<KgException>(() => client.GraphQLAsync("ArtifactByID", "query ArtifactByID($id: ID!) { artifact(id: $id) { id } }", [], None));
        await Assert.ThrowsAsync<KgException>(() => client.GraphQLAsync("UpdateArtifact",
            "mutation UpdateArtifact($input: UpdateArtifactInput!) { updateArtifact(input: $input) { artifact { id } } }",
            new JsonObject { ["input"] = new JsonObject { ["artifactID"] = "x", ["tagsToAdd"] = "production" } }, None));
        Assert.Equal(3, w.StandIn.ValidationErrors.Count);
        // The file stream's body has the SDK's shape: a field it does not have, or a history line that is not a JSON
        // object, is refused and recorded like a GraphQL request that does not validate.
        await Assert.ThrowsAsync<KgException>(() => client.PostFileStreamAsync(WandBTestContext.Entity, "Q1", "abcd1234",
            new JsonObject { ["complete"] = true, ["exit_code"] = 0 }, None));
        await Assert.ThrowsAsync<KgException>(() => client.PostFileStreamAsync(WandBTestContext.Entity, "Q1", "abcd1234",
            new JsonObject { ["files"] = new JsonObject { ["wandb-history.jsonl"] = new JsonObject { ["offset"] = 0, ["content"] = new JsonArray("f1=0.5") } } }, None));
        Assert.Equal(5, w.StandIn.ValidationErrors.Count);
        Assert.Contains(w.StandIn.ValidationErrors, e => e.Contains("'exit_code' is not a field", StringComparison.Ordinal));
        Assert.Contains(w.StandIn.ValidationErrors, e => e.Contains("not a JSON object", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Registry_versions_of_other_environments_and_of_the_old_data_model_are_left_out()
    {
        using var w = await WandBTestContext.StartAsync();
        w.World.SeedPromoted("Q3", "abcd2345", "staging", "primary", "f8at8qv5");
        w.World.SeedPromoted("Q3", "xcqj62uy", "prod", "primary", "f8at8qv5");      // legacy value of production
        var (old, _) = w.World.SeedPromoted("Q3", "mnpq2345", "production", "experimental", "f8at8qv5");
        w.World.ReplaceMetadata(old.Id, m => m.Remove("classifier_name"));            // the old data model
        var production = await w.Store(KgEnvironment.Production).Registry.GetAsync("Q3", None);
        var entry = Assert.Single(production.Promoted);
        Assert.Equal("xcqj62uy", entry.ClassifierId);
        Assert.True(entry.IsExternal);
        // It is listed and its metadata can be changed, though its model is not in the store.
        var store = w.Store(KgEnvironment.Production);
        var listed = Assert.Single((await ClassifierCatalog.ListAsync(store, new ClassifierQuery(["Q3"]), None)).Classifiers);
        Assert.Equal(("xcqj62uy", true, "primary"), (listed.ClassifierId, listed.Promoted, listed.ClassifiersProfile));
        var (changed, _) = await ClassifierLifecycle.SetMetadataAsync(store, "Q3", "xcqj62uy", new MetadataChange { AddDontRunOn = ["gef"] }, None);
        Assert.Equal(["gef"], changed.DontRunOn);
        // Demoting it removes the legacy tag too.
        await ClassifierLifecycle.DemoteAsync(store, await ClassifierLifecycle.PlanDemotionAsync(store, "Q3", new DemotionTarget(), None), None);
        Assert.Empty(w.World.Artifacts.Values.Single(a => a.Collection == "xcqj62uy").Tags);
        Assert.Equal(new ModelVersion(3), production.NextRegistryVersion);
    }
}
