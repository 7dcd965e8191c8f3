using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Specs;
using KnowledgeGraph.Training;
using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>The lifecycle workflows of issue 9: copy with metadata and without duplicates, promotion across
/// environments, plan-then-apply deploy and demote, removal with safe garbage collection, spec import, and changes
/// that must not be reported as failed when only a read after them failed.</summary>
public class LifecycleWorkflowTests : IDisposable
{
    private readonly TestStores _stores = new();
    private static readonly CancellationToken None = CancellationToken.None;

    public void Dispose() => _stores.Dispose();

    [Fact]
    public async Task A_copy_carries_the_registry_metadata_and_is_made_once()
    {
        var sandbox = _stores.For(KgEnvironment.Sandbox);
        var staging = _stores.For(KgEnvironment.Staging);
        var v = await TestStores.PromotedAsync(sandbox, "Q5", "abcd2345", "experimental");
        await ClassifierLifecycle.SetMetadataAsync(sandbox, "Q5", "abcd2345", new MetadataChange { AddDontRunOn = ["sabin", "gef"], RequireGpu = true }, None);
        var first = await ClassifierLifecycle.CopyAsync(sandbox, staging, v, null, None);
        Assert.True(first.Created);
        Assert.Equal(["gef", "sabin"], first.Classifier.DontRunOn);
        Assert.True(first.Classifier.RequireGpu);
        var again = await ClassifierLifecycle.CopyAsync(sandbox, staging, v, null, None);
        Assert.False(again.Created);
        Assert.Equal(first.Version.ManifestSha256, again.Version.ManifestSha256);
        Assert.Single(await staging.Models.ListVersionNumbersAsync("Q5", "abcd2345", None));
        // Promoted without a profile: the carried one, with its sources.
        var promoted = await ClassifierLifecycle.PublishAsync(staging, first.Version, new MetadataChange(), None);
        Assert.Equal("experimental", promoted.ClassifiersProfile);
        var entry = (await staging.Registry.GetAsync("Q5", None)).Promoted.Single();
        Assert.Equal(["gef", "sabin"], entry.DontRunOn);
        Assert.True(entry.RequireGpu);
    }

    [Fact]
    public async Task A_promotion_from_another_environment_is_planned_then_applied_and_is_idempotent()
    {
        var sandbox = _stores.For(KgEnvironment.Sandbox);
        var staging = _stores.For(KgEnvironment.Staging);
        var v = await TestStores.PromotedAsync(sandbox, "Q5", "abcd2345", "primary");
        var plan = await CrossEnvironmentPromotion.PlanAsync(sandbox, staging, v, new MetadataChange(), None);
        Assert.Null(plan.ExistingCopy);
        Assert.NotNull(plan.Promotion);
        Assert.Empty(await staging.Models.ListAsync(null, None)); // planning wrote nothing
        Assert.Equal("primary", plan.TargetAfter.Promoted.Single().Profile);
        var result = await CrossEnvironmentPromotion.ApplyAsync(plan, null, None);
        Assert.True(result.Copied);
        Assert.True(result.Changed);
        Assert.Equal(KgEnvironment.Sandbox, result.SourceEnvironment);
        var second = await CrossEnvironmentPromotion.ApplyAsync(await CrossEnvironmentPromotion.PlanAsync(sandbox, staging, v, new MetadataChange(), None), null, None);
        Assert.False(second.Copied);
        Assert.False(second.Changed);
        Assert.Single(await staging.Models.ListAsync(null, None));
        Assert.Single(await staging.Registry.GetHistoryAsync("Q5", None));
    }

    [Fact]
    public async Task A_promotion_the_target_rules_refuse_copies_nothing()
    {
        var sandbox = _stores.For(KgEnvironment.Sandbox);
        var staging = _stores.For(KgEnvironment.Staging);
        await TestStores.PromotedAsync(staging, "Q5", "aaaaaaaa", "primary");
        var v = await TestStores.PromotedAsync(sandbox, "Q5", "abcd2345", "primary");
        var e = await Assert.ThrowsAsync<KgException>(() => CrossEnvironmentPromotion.PlanAsync(sandbox, staging, v, new MetadataChange(), None));
        Assert.Equal("ProfileLimitReached", e.ErrorId);
        Assert.Empty(await staging.Models.ListVersionNumbersAsync("Q5", "abcd2345", None));
    }

    [Fact]
    public async Task A_demotion_is_planned_then_applied_to_exactly_that_registry_version()
    {
        var store = _stores.For(KgEnvironment.Sandbox);
        await TestStores.PromotedAsync(store, "Q5", "abcd2345", "primary");
        var plan = await ClassifierLifecycle.PlanDemotionAsync(store, "Q5", new DemotionTarget(), None);
        Assert.Equal("abcd2345", plan.Entry.ClassifierId);
        Assert.Single(await store.Registry.GetHistoryAsync("Q5", None)); // nothing written yet
        var result = await ClassifierLifecycle.DemoteAsync(store, plan, None);
        Assert.False(result.Promoted);
        // Applying the same plan again: that registry version is no longer promoted, which is an error, not a guess.
        Assert.Equal("NotPromoted", (await Assert.ThrowsAsync<KgException>(() => ClassifierLifecycle.DemoteAsync(store, plan, None))).ErrorId);
    }

    [Fact]
    public async Task A_deployment_plans_every_concept_first_and_trains_with_one_training_object()
    {
        var store = _stores.For(KgEnvironment.Labs);
        var folder = Directory.CreateDirectory(Path.Combine(_stores.Root, "concepts")).FullName;
        File.WriteAllText(Path.Combine(folder, "Q5.json"), """{"preferred_label": "five", "wikibase_id": "Q5"}""");
        var plan = Deployment.Plan(store, ["Q5", "Q6", "Q5"], ConceptSource.Resolve(folder), "Primary", new DeployTraining { Type = ClassifierType.Keyword });
        Assert.Equal(["Q5", "Q6"], plan.Items.Select(i => i.WikibaseId));
        Assert.Equal("ConceptNotFound", plan.Items[1].Error!.ErrorId);
        Assert.Equal("primary", plan.Profile.AddProfiles.Single());
        Assert.Empty(await store.Models.ListAsync(null, None)); // planning trains nothing
        var service = new TrainingService(_ => new KeywordTrainer());
        var ok = await Deployment.DeployAsync(plan, plan.Items[0], service, null, None);
        Assert.True(ok.Promoted);
        Assert.Equal("primary", ok.ClassifiersProfile);
        var failed = await Assert.ThrowsAsync<DeployFailure>(() => Deployment.DeployAsync(plan, plan.Items[1], service, null, None));
        Assert.False(failed.Result.Trained);
        Assert.Equal("ConceptNotFound", failed.Result.ErrorId);
    }

    [Fact]
    public async Task Removal_prunes_what_is_not_promoted_and_refuses_what_is()
    {
        var store = _stores.For(KgEnvironment.Sandbox);
        var v0 = await TestStores.AddAsync(store, "Q5", "abcd2345", "zero");
        var v1 = await TestStores.AddAsync(store, "Q5", "abcd2345", "one");
        await ClassifierLifecycle.PublishAsync(store, v1, new MetadataChange { AddProfiles = ["primary"] }, None);
        var e = await Assert.ThrowsAsync<KgException>(() => ClassifierRemoval.PlanAsync(store, "Q5", "abcd2345", [v1.Manifest.Version], None));
        Assert.Equal("ClassifierPromoted", e.ErrorId);
        Assert.Contains("registry v0", e.Message);
        var plan = await ClassifierRemoval.PlanAsync(store, "Q5", "abcd2345", null, None);
        Assert.Equal([v0.Manifest.Version], plan.Versions.Select(v => v.Manifest.Version));
        Assert.Equal(["Q5/abcd2345 v0"], await ClassifierRemoval.ApplyAsync(plan, None));
        Assert.Equal([v1.Manifest.Version], await store.Models.ListVersionNumbersAsync("Q5", "abcd2345", None));
    }

    [Fact]
    public async Task Garbage_collection_takes_old_unreferenced_blobs_only()
    {
        var store = _stores.For(KgEnvironment.Sandbox);
        var kept = await TestStores.AddAsync(store, "Q5", "abcd2345", "kept");
        var gone = await TestStores.AddAsync(store, "Q5", "abcd2345", "gone");
        await store.Models.DeleteVersionAsync(gone, None);
        // What a killed upload leaves: a blob no manifest names. One old, one written a moment ago.
        await store.Objects.PutAsync(ModelStore.BlobKey(new string('c', 64)), new byte[] { 1, 2, 3 }, None);
        await store.Objects.PutAsync(ModelStore.BlobKey(new string('d', 64)), new byte[] { 4 }, None);
        var root = store.Objects.Location.LocalPath;
        foreach (var sha in new[] { gone.Manifest.Files[0].Sha256, new string('c', 64) })
        {
            File.SetLastWriteTimeUtc(Path.Combine(root, ModelStore.BlobKey(sha)), DateTime.UtcNow.AddHours(-2));
        }
        var preview = await store.Models.CollectGarbageAsync(TimeSpan.FromHours(1), dryRun: true, None);
        Assert.Equal((2, 1), (preview.Removed, preview.SparedYoung));
        Assert.True(File.Exists(Path.Combine(root, ModelStore.BlobKey(new string('c', 64))))); // a dry run deletes nothing
        var done = await store.Models.CollectGarbageAsync(TimeSpan.FromHours(1), dryRun: false, None);
        Assert.Equal(2, done.Removed);
        Assert.False(File.Exists(Path.Combine(root, ModelStore.BlobKey(new string('c', 64)))));
        Assert.True(File.Exists(Path.Combine(root, ModelStore.BlobKey(new string('d', 64)))));
        await store.Models.ReadFileAsync(kept, "model.json", None); // the referenced blob is intact
    }

    [Fact]
    public async Task An_upload_refreshes_a_blob_it_reuses_so_collection_spares_it()
    {
        var store = _stores.For(KgEnvironment.Sandbox);
        var old = await TestStores.AddAsync(store, "Q5", "abcd2345", "same content");
        await store.Models.DeleteVersionAsync(old, None);
        var blob = Path.Combine(store.Objects.Location.LocalPath, ModelStore.BlobKey(old.Manifest.Files[0].Sha256));
        File.SetLastWriteTimeUtc(blob, DateTime.UtcNow.AddDays(-3));
        // A new upload of the same content starts (its blob is written, its manifest not yet) ...
        await store.Objects.PutAsync(ModelStore.BlobKey(old.Manifest.Files[0].Sha256), System.Text.Encoding.UTF8.GetBytes("same content"), None);
        Assert.True(File.GetLastWriteTimeUtc(blob) > DateTime.UtcNow.AddMinutes(-1));
        var done = await store.Models.CollectGarbageAsync(TimeSpan.FromHours(1), dryRun: false, None);
        Assert.Equal(0, done.Removed);
    }

    [Fact]
    public async Task A_version_needs_a_valid_wikibase_id_before_anything_is_stored()
    {
        var store = _stores.For(KgEnvironment.Sandbox);
        foreach (var q in new[] { "", "5", "Q05" })
        {
            var e = await Assert.ThrowsAsync<KgException>(() => TestStores.AddAsync(store, q, "abcd2345", "x"));
            Assert.Equal("InvalidWikibaseId", e.ErrorId);
        }
        Assert.Empty(await store.Objects.ListAsync("", null, None));
    }

    [Fact]
    public async Task A_spec_entry_is_imported_at_its_own_registry_version_once()
    {
        var store = _stores.For(KgEnvironment.Staging);
        var spec = new ClassifierSpec { WikibaseId = "Q221", ConceptId = "f8at8qv5", ClassifierId = "abcd2345", ClassifiersProfile = "primary", RegistryVersion = "v7", DontRunOn = ["sabin"], RequireGpu = true };
        var first = await SpecImport.ImportAsync(store, spec, None);
        Assert.True(first.Changed);
        Assert.Equal("v7", first.RegistryVersion.ToString());
        Assert.False((await SpecImport.ImportAsync(store, spec, None)).Changed);
        Assert.Single(await store.Models.ListAsync(null, None));
        var specs = Directory.CreateDirectory(Path.Combine(_stores.Root, "specs")).FullName;
        var plan = await SpecUpdater.PlanAsync(store, specs, null, None);
        Assert.Equal(ClassifierSpecYaml.Format([spec with { Line = null }]), plan.Content);
        // The same classifier again at another registry version, and another classifier at a taken one, are refused.
        Assert.Equal("DuplicateClassifierId", (await Assert.ThrowsAsync<KgException>(() => SpecImport.ImportAsync(store, spec with { RegistryVersion = "v8" }, None))).ErrorId);
        Assert.Equal("RegistryVersionTaken", (await Assert.ThrowsAsync<KgException>(() => SpecImport.ImportAsync(store, spec with { ClassifierId = "bbbbbbbb" }, None))).ErrorId);
        // The stand-in cannot be run as a model.
        var stored = (await ClassifierCatalog.ListAsync(store, new ClassifierQuery(), None)).Classifiers.Single();
        Assert.Equal("UnsupportedClassifier", (await Assert.ThrowsAsync<KgException>(() => new StoredClassifiers(null).LoadAsync(store, stored, None))).ErrorId);
    }

    [Fact]
    public async Task A_metadata_change_is_not_reported_as_failed_when_the_store_goes_away_after_it()
    {
        FaultyStore? faulty = null;
        var store = _stores.For(KgEnvironment.Sandbox, s => faulty = new FaultyStore(s));
        await TestStores.PromotedAsync(store, "Q5", "abcd2345", "primary");
        var written = false;
        faulty!.FailBefore = (kind, key) => written && kind != "PUT";
        faulty.FailAfterCreate = key => { written |= key.Contains("/records/", StringComparison.Ordinal); return false; };
        var (classifier, changed) = await ClassifierLifecycle.SetMetadataAsync(store, "Q5", "abcd2345", new MetadataChange { AddDontRunOn = ["sabin"] }, None);
        Assert.True(changed);
        Assert.Equal(["sabin"], classifier.DontRunOn);
    }

    [Fact]
    public async Task A_record_stored_before_the_connection_failed_counts_as_written()
    {
        FaultyStore? faulty = null;
        var store = _stores.For(KgEnvironment.Sandbox, s => faulty = new FaultyStore(s));
        var v = await TestStores.AddAsync(store, "Q5", "abcd2345", "x");
        faulty!.FailAfterCreate = key => key.Contains("/records/", StringComparison.Ordinal);
        var result = await ClassifierLifecycle.PublishAsync(store, v, new MetadataChange { AddProfiles = ["primary"] }, None);
        Assert.True(result.Changed);
        Assert.Single(await store.Registry.GetHistoryAsync("Q5", None)); // one record, not a retry that wrote a second
    }

    [Fact]
    public async Task A_record_write_whose_outcome_cannot_be_checked_says_it_may_have_been_applied()
    {
        FaultyStore? faulty = null;
        var store = _stores.For(KgEnvironment.Sandbox, s => faulty = new FaultyStore(s));
        var v = await TestStores.AddAsync(store, "Q5", "abcd2345", "x");
        var lost = false;
        faulty!.FailAfterCreate = key => lost = key.Contains("/records/", StringComparison.Ordinal);
        faulty.FailBefore = (kind, _) => lost && kind == "GET";
        var e = await Assert.ThrowsAsync<KgException>(() => ClassifierLifecycle.PublishAsync(store, v, new MetadataChange { AddProfiles = ["primary"] }, None));
        Assert.Equal("ChangeOutcomeUnknown", e.ErrorId);
        Assert.Contains("may have been applied", e.Message);
        Assert.Contains("Get-KgClassifierHistory Q5 -Environment sandbox", e.Message);
    }
}
