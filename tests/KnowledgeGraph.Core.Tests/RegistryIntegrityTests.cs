using System.Text;
using System.Text.Json.Nodes;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Storage;
using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>Tampering with a store (issue 9, section 6): the registry log is a hash chain, snapshots are checked against
/// the record they cover, and spec entries against their model versions.</summary>
public class RegistryIntegrityTests : IDisposable
{
    private readonly TestStores _stores = new();
    private readonly EnvironmentStore _store;
    private readonly string _specs;
    private static readonly CancellationToken None = CancellationToken.None;

    public RegistryIntegrityTests()
    {
        _store = _stores.For(KgEnvironment.Sandbox);
        _specs = Directory.CreateDirectory(Path.Combine(_stores.Root, "classifier_specs")).FullName;
    }

    public void Dispose() => _stores.Dispose();

    private string FileOf(string key) => Path.Combine(_store.Objects.Location.LocalPath, key);

    private void Edit(string key, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(FileOf(key)))!.AsObject();
        edit(json);
        File.WriteAllText(FileOf(key), json.ToJsonString());
    }

    [Fact]
    public async Task Records_chain_to_the_one_before_and_record_the_state_after_them()
    {
        await TestStores.PromotedAsync(_store, "Q5", "abcd2345", "primary");
        await ClassifierLifecycle.SetMetadataAsync(_store, "Q5", "abcd2345", new MetadataChange { AddDontRunOn = ["sabin"] }, None);
        var first = File.ReadAllBytes(FileOf(ClassifierRegistry.RecordKey("Q5", 1)));
        var second = JsonNode.Parse(File.ReadAllText(FileOf(ClassifierRegistry.RecordKey("Q5", 2))))!;
        Assert.Equal("kgtools.registry-record/2", (string?)second["schema"]);
        Assert.Equal(ModelManifest.Sha256Hex(first), (string?)second["previous_sha256"]);
        Assert.Equal(64, ((string?)second["state_sha256"])!.Length);
        Assert.Equal(2, (await _store.Registry.GetHistoryAsync("Q5", None)).Count);
    }

    [Fact]
    public async Task An_edited_snapshot_is_not_trusted()
    {
        await TestStores.PromotedAsync(_store, "Q5", "abcd2345", "primary");
        // Someone with write access turns the snapshot's promoted entry into another profile, with no record of it.
        Edit(ClassifierRegistry.StateKey("Q5"), s => s["entries"]![0]!["classifiers_profile"] = "experimental");
        var state = await _store.Registry.GetAsync("Q5", None);
        Assert.Equal("primary", state.Promoted.Single().Profile);
        var plan = await SpecUpdater.PlanAsync(_store, _specs, null, None);
        Assert.Equal("primary", plan.Entries.Single().ClassifiersProfile);
        var (_, problems) = await _store.Registry.VerifyAsync("Q5", None);
        Assert.Contains(problems, p => p.Contains("snapshot", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_edited_record_breaks_the_chain()
    {
        await TestStores.PromotedAsync(_store, "Q5", "abcd2345", "primary");
        await ClassifierLifecycle.SetMetadataAsync(_store, "Q5", "abcd2345", new MetadataChange { AddDontRunOn = ["sabin"] }, None);
        File.Delete(FileOf(ClassifierRegistry.StateKey("Q5")));
        Edit(ClassifierRegistry.RecordKey("Q5", 1), r => r["classifiers_profile"] = "experimental");
        var e = await Assert.ThrowsAsync<KgException>(() => _store.Registry.GetAsync("Q5", None));
        Assert.Equal("TamperedRegistry", e.ErrorId);
        Assert.Contains("Test-KgEnvironment sandbox -Deep", e.Message);
        Assert.Equal("TamperedRegistry", (await Assert.ThrowsAsync<KgException>(() => SpecUpdater.PlanAsync(_store, _specs, null, None))).ErrorId);
    }

    [Fact]
    public async Task A_record_edited_to_say_something_else_than_its_state_hash_is_caught()
    {
        await TestStores.PromotedAsync(_store, "Q5", "abcd2345", "primary");
        File.Delete(FileOf(ClassifierRegistry.StateKey("Q5")));
        Edit(ClassifierRegistry.RecordKey("Q5", 1), r => r["dont_run_on"] = new JsonArray("gef"));
        Assert.Equal("TamperedRegistry", (await Assert.ThrowsAsync<KgException>(() => _store.Registry.GetAsync("Q5", None))).ErrorId);
    }

    [Fact]
    public async Task A_forged_promotion_of_a_model_that_does_not_exist_never_reaches_the_spec()
    {
        await TestStores.PromotedAsync(_store, "Q5", "abcd2345", "primary");
        // A well-formed, correctly chained record for a version nobody stored (appended through the registry itself).
        var ghost = new StoredModelVersion(new ModelManifest
        {
            WikibaseId = "Q6", ClassifierId = "bbbbbbbb", Version = new Identifiers.ModelVersion(7), CreatedAt = DateTimeOffset.UtcNow, CreatedBy = Actor.Current,
            Metadata = new ModelMetadata { AwsEnv = "sandbox", ClassifierName = "KeywordClassifier", ConceptId = "f8at8qv5" },
            Files = [new ModelFile("model.json", new string('a', 64), 1, "application/json")],
        }, new string('b', 64), KgEnvironment.Sandbox, _store.Objects.Location);
        await _store.Registry.ChangeAsync("Q6", s => RegistryRules.Promote(s, ghost, KgEnvironment.Sandbox, new MetadataChange { AddProfiles = ["primary"] }), None);
        var e = await Assert.ThrowsAsync<KgException>(() => SpecUpdater.PlanAsync(_store, _specs, null, None));
        Assert.Equal("DanglingRegistryEntry", e.ErrorId);
        Assert.Contains("Q6 registry v0 (bbbbbbbb v7): the model version does not exist", e.Message);
        Assert.False(File.Exists(Specs.SpecFolder.FileOf(_specs, KgEnvironment.Sandbox)));
        var listing = await ClassifierCatalog.ListAsync(_store, new ClassifierQuery(), None);
        Assert.Contains(listing.Problems, p => p.ErrorId == "ModelMissing");
    }

    [Fact]
    public async Task An_edited_manifest_is_reported_not_listed_as_silently_unpromoted()
    {
        var v = await TestStores.PromotedAsync(_store, "Q5", "abcd2345", "primary");
        Edit(ModelStore.ManifestKey("Q5", "abcd2345", v.Manifest.Version), m => m["metadata"]!["classifier_name"] = "SomethingElse");
        var listing = await ClassifierCatalog.ListAsync(_store, new ClassifierQuery(), None);
        Assert.Contains(listing.Problems, p => p.ErrorId == "ManifestChanged");
        Assert.Equal("DanglingRegistryEntry", (await Assert.ThrowsAsync<KgException>(() => SpecUpdater.PlanAsync(_store, _specs, null, None))).ErrorId);
        var found = await EnvironmentTester.CheckContentAsync(_store, None);
        Assert.Contains(found, f => f.ErrorId == "ManifestChanged");
    }

    [Fact]
    public async Task A_legacy_record_without_the_chain_is_still_read()
    {
        var v = await TestStores.AddAsync(_store, "Q5", "abcd2345", "x");
        var legacy = $$"""
            {"schema":"kgtools.registry-record/1","sequence":1,"wikibase_id":"Q5","environment":"sandbox","at":"2026-01-01T00:00:00.0000000+00:00",
             "by":{"user":"u","machine":"m","process":1,"tool":"KnowledgeGraph 0.1.0"},"action":"promote","registry_version":"v0","classifier_id":"abcd2345",
             "model_version":"v0","manifest_sha256":"{{v.ManifestSha256}}","concept_id":"f8at8qv5","classifier_name":"KeywordClassifier","classifiers_profile":"primary","dont_run_on":[],"require_gpu":false}
            """;
        await _store.Objects.PutAsync(ClassifierRegistry.RecordKey("Q5", 1), Encoding.UTF8.GetBytes(legacy), None);
        Assert.Equal("primary", (await _store.Registry.GetAsync("Q5", None)).Promoted.Single().Profile);
        // The next record chains to the legacy one; the log stays readable.
        await ClassifierLifecycle.SetMetadataAsync(_store, "Q5", "abcd2345", new MetadataChange { AddDontRunOn = ["gef"] }, None);
        Assert.Equal(["gef"], (await _store.Registry.GetAsync("Q5", None)).Promoted.Single().DontRunOn);
        Assert.Contains((await _store.Registry.VerifyAsync("Q5", None)).Problems, p => p.Contains("without the hash chain", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Duplicate_keys_in_a_record_are_corruption_not_a_choice()
    {
        var v = await TestStores.PromotedAsync(_store, "Q5", "abcd2345", "primary");
        var path = FileOf(ClassifierRegistry.RecordKey("Q5", 1));
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"classifiers_profile\": \"primary\"", "\"classifiers_profile\": \"primary\", \"classifiers_profile\": \"retired\"", StringComparison.Ordinal));
        File.Delete(FileOf(ClassifierRegistry.StateKey("Q5")));
        Assert.Equal("CorruptRegistry", (await Assert.ThrowsAsync<KgException>(() => _store.Registry.GetAsync("Q5", None))).ErrorId);
    }
}
