using System.Text;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Specs;
using KnowledgeGraph.Storage;
using KnowledgeGraph.Text;
using Xunit;

namespace KnowledgeGraph.Tests;

public class SpecUpdaterTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly EnvironmentStore _store;
    private readonly string _specs;
    private static readonly CancellationToken None = CancellationToken.None;

    public SpecUpdaterTests()
    {
        var config = new EnvironmentConfiguration { Environment = KgEnvironment.Production, Store = StoreLocation.Local(Path.Combine(_folder.Path, "store")), StoreSource = "test" };
        _store = new EnvironmentStore(config, new FileObjectStore(config.Store.LocalPath));
        _specs = Directory.CreateDirectory(Path.Combine(_folder.Path, "classifier_specs")).FullName;
    }

    public void Dispose() => _folder.Dispose();

    private async Task Promote(string q, string cid, string profile, MetadataChange? extra = null)
    {
        var v = await _store.Models.AddVersionAsync(new ModelPackage(q, cid,
            new ModelMetadata { AwsEnv = "production", ClassifierName = "KeywordClassifier", ConceptId = "f8at8qv5" },
            [new ModelPackageFile("model.json", Encoding.UTF8.GetBytes(cid))]), null, None);
        await ClassifierLifecycle.PublishAsync(_store, v, new MetadataChange { AddProfiles = [profile] }, None);
        if (extra is not null)
        {
            await ClassifierLifecycle.SetMetadataAsync(_store, q, cid, extra, None);
        }
    }

    [Fact]
    public async Task The_spec_lists_promoted_classifiers_in_canonical_order_in_the_original_format()
    {
        await Promote("Q10", "bbbbbbbb", "primary");
        await Promote("Q2", "cccccccc", "experimental", new MetadataChange { AddDontRunOn = ["sabin", "cclw"], RequireGpu = true });
        await Promote("Q2", "aaaaaaaa", "primary");
        var plan = await SpecUpdater.PlanAsync(_store, _specs, null, None);
        Assert.Equal(Path.Combine(_specs, "v2", "production.yaml"), plan.Path);
        Assert.Equal("""
            ---
            - wikibase_id: Q2
              concept_id: f8at8qv5
              classifier_id: aaaaaaaa
              classifiers_profile: primary
              wandb_registry_version: v1
            - wikibase_id: Q2
              concept_id: f8at8qv5
              classifier_id: cccccccc
              classifiers_profile: experimental
              wandb_registry_version: v0
              compute_environment:
                gpu: true
              dont_run_on:
              - cclw
              - sabin
            - wikibase_id: Q10
              concept_id: f8at8qv5
              classifier_id: bbbbbbbb
              classifiers_profile: primary
              wandb_registry_version: v0

            """.Replace("\r\n", "\n"), plan.Content);
        Assert.True(plan.Changed);
        Assert.Equal(21, plan.LinesAdded);
        SpecUpdater.Apply(plan);
        Assert.Equal(plan.Content, File.ReadAllText(plan.Path));
        var stamp = File.GetLastWriteTimeUtc(plan.Path);
        var again = await SpecUpdater.PlanAsync(_store, _specs, null, None);
        Assert.False(again.Changed);
        Assert.Equal("", again.Diff);
        SpecUpdater.Apply(again);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(plan.Path));
    }

    [Fact]
    public async Task A_demotion_shows_up_as_a_diff()
    {
        await Promote("Q2", "aaaaaaaa", "primary");
        await Promote("Q3", "bbbbbbbb", "primary");
        SpecUpdater.Apply(await SpecUpdater.PlanAsync(_store, _specs, null, None));
        await ClassifierLifecycle.DemoteAsync(_store, await ClassifierLifecycle.PlanDemotionAsync(_store, "Q2", new DemotionTarget(), None), None);
        var plan = await SpecUpdater.PlanAsync(_store, _specs, null, None);
        Assert.Equal(5, plan.LinesRemoved);
        Assert.Equal(0, plan.LinesAdded);
        Assert.Contains("-- wikibase_id: Q2", plan.Diff);
        Assert.Contains("@@ -1,", plan.Diff);
    }

    [Fact]
    public async Task An_unwritable_spec_path_is_an_error_and_changes_nothing()
    {
        await Promote("Q2", "aaaaaaaa", "primary");
        Directory.CreateDirectory(Path.Combine(_specs, "v2", "production.yaml")); // a folder where the file should be
        var plan = await SpecUpdater.PlanAsync(_store, _specs, null, None);
        var e = Assert.Throws<KgException>(() => SpecUpdater.Apply(plan));
        Assert.Equal("FileNotWritable", e.ErrorId);
        Assert.Empty(Directory.GetFiles(Path.Combine(_specs, "v2")));
    }

    [Fact]
    public void The_spec_folder_is_found_above_the_current_directory()
    {
        var nested = Directory.CreateDirectory(Path.Combine(_folder.Path, "a", "b")).FullName;
        Assert.Equal(_specs, SpecFolder.Resolve(null, nested));
        Assert.Equal("SpecFolderNotFound", Assert.Throws<KgException>(() => SpecFolder.Resolve(Path.Combine(_folder.Path, "nope"), nested)).ErrorId);
    }
}

public class TextDiffTests
{
    [Fact]
    public void Identical_texts_have_no_diff() => Assert.Equal(("", 0, 0), TextDiff.Unified("a\nb\n", "a\nb\n", "a", "b"));

    [Fact]
    public void Changes_show_with_context()
    {
        var old = string.Join("\n", Enumerable.Range(1, 20).Select(i => "line " + i)) + "\n";
        var neu = old.Replace("line 10\n", "line ten\n").Replace("line 20\n", "") + "line 21\n";
        var (diff, added, removed) = TextDiff.Unified(old, neu, "a/f", "b/f");
        Assert.Equal((2, 2), (added, removed));
        Assert.Contains("@@ -7,7 +7,7 @@\n line 7\n line 8\n line 9\n-line 10\n+line ten\n line 11\n", diff);
        Assert.Contains("-line 20\n+line 21\n", diff);
    }

    [Fact]
    public void A_large_new_file_is_one_hunk_of_additions()
    {
        var neu = string.Join("\n", Enumerable.Range(1, 8000).Select(i => "x" + i)) + "\n";
        var (diff, added, removed) = TextDiff.Unified("--- []\n", neu, "a", "b");
        Assert.Equal((8000, 1), (added, removed));
        Assert.StartsWith("--- a\n+++ b\n@@ -1,1 +1,8000 @@\n---- []\n+x1\n", diff);
    }
}
