using System.Text;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Storage;
using Xunit;

namespace KnowledgeGraph.Tests;

public class RegistryTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly ModelStore _models;
    private readonly ClassifierRegistry _registry;
    private static readonly CancellationToken None = CancellationToken.None;

    public RegistryTests()
    {
        var objects = new FileObjectStore(_folder.Path);
        _models = new ModelStore(objects, KgEnvironment.Sandbox);
        _registry = new ClassifierRegistry(objects, KgEnvironment.Sandbox);
    }

    public void Dispose() => _folder.Dispose();

    private async Task<StoredModelVersion> Train(string classifierId = "abcd2345", string env = "sandbox", string q = "Q5") =>
        await _models.AddVersionAsync(new ModelPackage(q, classifierId,
            new ModelMetadata { AwsEnv = env, ClassifierName = "KeywordClassifier", ConceptId = "f8at8qv5" },
            [new ModelPackageFile("model.json", Encoding.UTF8.GetBytes(classifierId + Guid.NewGuid()))]), null, None);

    private static MetadataChange Add(params string[] profiles) => new() { AddProfiles = profiles };

    private Task<RegistryChange> Promote(StoredModelVersion v, MetadataChange change) =>
        _registry.ChangeAsync(v.Manifest.WikibaseId, s => RegistryRules.Promote(s, v, KgEnvironment.Sandbox, change), None);

    private Task<RegistryChange> Update(string cid, MetadataChange change, string q = "Q5") =>
        _registry.ChangeAsync(q, s => RegistryRules.Update(s, KgEnvironment.Sandbox, cid, change), None);

    private async Task<string> ErrorOf(Func<Task> action) => (await Assert.ThrowsAsync<KgException>(action)).ErrorId;

    [Fact]
    public async Task Promotion_needs_exactly_one_profile()
    {
        var v = await Train();
        Assert.Equal("MissingClassifiersProfile", await ErrorOf(() => Promote(v, new MetadataChange())));
        Assert.Equal("TooManyClassifiersProfiles", await ErrorOf(() => Promote(v, Add("primary", "experimental"))));
        Assert.Equal("ConflictingProfileChange", await ErrorOf(() => Promote(v, new MetadataChange { AddProfiles = ["primary"], RemoveProfiles = ["primary"] })));
        Assert.Equal("InvalidClassifiersProfile", await ErrorOf(() => Promote(v, Add("gold"))));
        Assert.Empty(await _registry.GetHistoryAsync("Q5", None)); // nothing written by failures
        var ok = await Promote(v, Add("Primary"));
        Assert.True(ok.Changed);
        Assert.Equal("primary", ok.After.Promoted.Single().Profile);
        Assert.Equal("v0", ok.After.Promoted.Single().RegistryVersion.ToString());
    }

    [Fact]
    public async Task A_version_trained_for_another_environment_cannot_be_promoted()
    {
        var v = await Train(env: "staging");
        var e = await Assert.ThrowsAsync<KgException>(() => Promote(v, Add("primary")));
        Assert.Equal("VersionEnvironmentMismatch", e.ErrorId);
        Assert.Contains("Copy-KgClassifier", e.Message);
    }

    [Fact]
    public async Task A_concept_has_at_most_one_primary_one_experimental_and_three_retired()
    {
        await Promote(await Train("aaaaaaaa"), Add("primary"));
        Assert.Equal("ProfileLimitReached", await ErrorOf(async () => await Promote(await Train("bbbbbbbb"), Add("primary"))));
        await Promote(await Train("cccccccc"), Add("experimental"));
        foreach (var cid in new[] { "dddddddd", "eeeeeeee", "ffffffff" })
        {
            await Promote(await Train(cid), Add("retired"));
        }
        var e = await Assert.ThrowsAsync<KgException>(async () => await Promote(await Train("gggggggg"), Add("retired")));
        Assert.Equal("ProfileLimitReached", e.ErrorId);
        Assert.Contains("Unpublish-KgClassifier", e.Message);
        Assert.Equal(5, (await _registry.GetAsync("Q5", None)).Promoted.Count());
    }

    [Fact]
    public async Task Promoting_again_is_a_no_op_and_a_new_version_replaces_the_old_one()
    {
        var v0 = await Train();
        await Promote(v0, Add("primary"));
        await Update("abcd2345", new MetadataChange { AddDontRunOn = ["sabin"], RequireGpu = true });
        var again = await Promote(v0, Add("primary"));
        Assert.False(again.Changed);
        var v1 = await Train();
        var replaced = await Promote(v1, new MetadataChange());
        Assert.Equal("v0", replaced.Record!.Supersedes!.ToString());
        var promoted = replaced.After.Promoted.Single();
        Assert.Equal(("v1", "v1", "primary"), (promoted.RegistryVersion.ToString(), promoted.ModelVersion.ToString(), promoted.Profile));
        Assert.Equal(["sabin"], promoted.DontRunOn);
        Assert.True(promoted.RequireGpu);
        Assert.False(replaced.After.Find(new ModelVersion(0))!.Promoted);
    }

    [Fact]
    public async Task Demotion_refuses_to_guess_between_several_promoted_classifiers()
    {
        Assert.Equal("NotPromoted", await ErrorOf(() => _registry.ChangeAsync("Q5", s => RegistryRules.Demote(s, KgEnvironment.Sandbox, new DemotionTarget()), None)));
        await Promote(await Train("aaaaaaaa"), Add("primary"));
        await Promote(await Train("bbbbbbbb"), Add("experimental"));
        var e = await Assert.ThrowsAsync<KgException>(() => _registry.ChangeAsync("Q5", s => RegistryRules.Demote(s, KgEnvironment.Sandbox, new DemotionTarget()), None));
        Assert.Equal("AmbiguousDemotionTarget", e.ErrorId);
        Assert.Contains("aaaaaaaa", e.Message);
        Assert.Contains("bbbbbbbb", e.Message);
        var demoted = await _registry.ChangeAsync("Q5", s => RegistryRules.Demote(s, KgEnvironment.Sandbox, new DemotionTarget(Profile: "experimental")), None);
        Assert.Equal("bbbbbbbb", demoted.Record!.ClassifierId);
        Assert.Equal(["aaaaaaaa"], demoted.After.Promoted.Select(p => p.ClassifierId));
        Assert.Equal("RegistryVersionNotFound", await ErrorOf(() => _registry.ChangeAsync("Q5", s => RegistryRules.Demote(s, KgEnvironment.Sandbox, new DemotionTarget(new ModelVersion(9))), None)));
    }

    [Fact]
    public async Task Metadata_changes_apply_to_the_promoted_version_in_the_original_order()
    {
        Assert.Equal("NotPromoted", await ErrorOf(() => Update("abcd2345", new MetadataChange { AddDontRunOn = ["sabin"] })));
        await Promote(await Train(), Add("primary"));
        var s = (await Update("abcd2345", new MetadataChange { AddDontRunOn = ["SABIN", "gef", "cclw"] })).After.Promoted.Single();
        Assert.Equal(["cclw", "gef", "sabin"], s.DontRunOn);
        s = (await Update("abcd2345", new MetadataChange { ClearDontRunOn = true, AddDontRunOn = ["af"] })).After.Promoted.Single();
        Assert.Equal(["af"], s.DontRunOn);
        s = (await Update("abcd2345", new MetadataChange { RemoveDontRunOn = ["af"], RequireGpu = true })).After.Promoted.Single();
        Assert.Empty(s.DontRunOn);
        Assert.True(s.RequireGpu);
        s = (await Update("abcd2345", new MetadataChange { AddProfiles = ["retired"], RemoveProfiles = ["primary"] })).After.Promoted.Single();
        Assert.Equal("retired", s.Profile);
        Assert.False((await Update("abcd2345", new MetadataChange { RequireGpu = true })).Changed);
        Assert.Equal("MissingClassifiersProfile", await ErrorOf(() => Update("abcd2345", new MetadataChange { RemoveProfiles = ["retired"] })));
        Assert.Equal("TooManyClassifiersProfiles", await ErrorOf(() => Update("abcd2345", new MetadataChange { AddProfiles = ["primary"] })));
        Assert.Equal("InvalidSource", await ErrorOf(() => Update("abcd2345", new MetadataChange { AddDontRunOn = ["nowhere"] })));
        Assert.Equal(5, (await _registry.GetHistoryAsync("Q5", None)).Count);
    }

    [Fact]
    public async Task Concurrent_metadata_changes_are_never_lost()
    {
        await Promote(await Train(), Add("primary"));
        var sources = Specs.DontRunOnSources.All;
        var changes = await Task.WhenAll(sources.Select(src => Task.Run(() => Update("abcd2345", new MetadataChange { AddDontRunOn = [src] }))));
        Assert.All(changes, c => Assert.True(c.Changed));
        var state = await _registry.GetAsync("Q5", None);
        Assert.Equal(sources.Order(StringComparer.Ordinal), state.Promoted.Single().DontRunOn);
        Assert.Equal(1 + sources.Count, (await _registry.GetHistoryAsync("Q5", None)).Count);
    }

    [Fact]
    public async Task The_state_is_the_fold_of_the_records_with_or_without_the_snapshot()
    {
        await Promote(await Train("aaaaaaaa"), Add("primary"));
        await Update("aaaaaaaa", new MetadataChange { AddDontRunOn = ["cpr"] });
        var withSnapshot = await _registry.GetAsync("Q5", None);
        File.Delete(Path.Combine(_folder.Path, "registry", "Q5", "state.json"));
        var folded = await _registry.GetAsync("Q5", None);
        Assert.Equal(withSnapshot.Sequence, folded.Sequence);
        var (a, b) = (withSnapshot.Entries.Single(), folded.Entries.Single());
        Assert.Equal(a with { DontRunOn = [], UpdatedAt = default }, b with { DontRunOn = [], UpdatedAt = default });
        Assert.Equal(["cpr"], b.DontRunOn);
        Assert.Equal(a.DontRunOn, b.DontRunOn);
        File.WriteAllText(Path.Combine(_folder.Path, "registry", "Q5", "state.json"), "garbage");
        Assert.Equal(2, (await _registry.GetAsync("Q5", None)).Sequence);
    }

    [Fact]
    public async Task A_corrupted_record_is_a_clear_error()
    {
        await Promote(await Train(), Add("primary"));
        File.Delete(Path.Combine(_folder.Path, "registry", "Q5", "state.json"));
        File.WriteAllText(Path.Combine(_folder.Path, ClassifierRegistry.RecordKey("Q5", 1)), "{");
        Assert.Equal("CorruptRegistry", await ErrorOf(() => _registry.GetAsync("Q5", None)));
    }

    [Fact]
    public async Task History_records_who_and_what()
    {
        await Promote(await Train(), Add("primary"));
        await Update("abcd2345", new MetadataChange { AddDontRunOn = ["sabin"] });
        var history = await _registry.GetHistoryAsync("Q5", None);
        Assert.Equal([RegistryAction.Promote, RegistryAction.Update], history.Select(h => h.Action));
        Assert.Equal(Environment.MachineName, history[0].By.Machine);
        Assert.Equal("dont_run_on +sabin", history[1].Change!.ToString());
        Assert.Equal("sandbox", history[0].Environment);
    }
}
