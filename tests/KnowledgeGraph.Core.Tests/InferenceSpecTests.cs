using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Inference;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Specs;
using KnowledgeGraph.Storage;
using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>Spec entries resolved against a real embedded store: registry version → model version → manifest.</summary>
public class InferenceSpecTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempFolder _folder = new();
    private readonly EnvironmentStore _store;

    public InferenceSpecTests()
    {
        var config = new EnvironmentConfiguration { Environment = KgEnvironment.Sandbox, Store = StoreLocation.Local(Path.Combine(_folder.Path, "store")), StoreSource = "test" };
        _store = new EnvironmentStore(config, new FileObjectStore(config.Store.LocalPath));
    }

    public void Dispose() => _folder.Dispose();

    private async Task<(KeywordClassifier Classifier, StoredModelVersion Version)> Promote(string q, string label, MetadataChange? metadata = null)
    {
        var classifier = new KeywordClassifier(new Concept(label, wikibaseId: q));
        var version = await _store.Models.AddVersionAsync(new ModelPackage(q, classifier.Id,
            new ModelMetadata { AwsEnv = "sandbox", ClassifierName = classifier.Name, ConceptId = classifier.Concept.Id },
            [new ModelPackageFile(ModelFiles.Model, ModelFiles.KeywordModel(classifier))]), null, None);
        await ClassifierLifecycle.PublishAsync(_store, version, new MetadataChange { AddProfiles = ["primary"] }, None);
        if (metadata is not null)
        {
            await ClassifierLifecycle.SetMetadataAsync(_store, q, classifier.Id, metadata, None);
        }
        return (classifier, version);
    }

    private async Task<IReadOnlyList<ClassifierSpec>> Spec() =>
        (await SpecUpdater.PlanAsync(_store, Directory.CreateDirectory(Path.Combine(_folder.Path, "specs")).FullName, null, None)).Entries;

    [Fact]
    public async Task Every_entry_of_a_generated_spec_resolves_to_its_promoted_model_version_with_its_metadata()
    {
        var (forests, v0) = await Promote("Q787", "forest", new MetadataChange { AddDontRunOn = ["sabin"] });
        var (water, _) = await Promote("Q20", "water", new MetadataChange { RequireGpu = true });
        var resolution = await InferenceSpec.ResolveAsync(_store, await Spec(), "sandbox.yaml", None);
        Assert.Empty(resolution.Errors);
        Assert.Empty(resolution.Warnings);
        Assert.Equal([("Q20", water.Id, "v0", true), ("Q787", forests.Id, "v0", false)],
            resolution.Classifiers.Select(c => (c.WikibaseId, c.ClassifierId, c.RegistryVersion, c.RequireGpu)));
        Assert.Equal(["sabin"], resolution.Classifiers[1].DontRunOn);
        Assert.Equal(v0.ManifestSha256, resolution.Classifiers[1].Model.ManifestSha256);

        // The model loads from the store (keyword in process), checksums verified.
        var loaded = await InferenceModels.FromStore(_store, "/nonexistent/worker")(resolution.Classifiers[1], "Auto", None);
        Assert.Equal(forests.Id, loaded.Id);
    }

    [Fact]
    public async Task An_entry_whose_version_is_missing_is_an_error_for_that_entry_only()
    {
        var (forests, version) = await Promote("Q787", "forest");
        var (water, _) = await Promote("Q20", "water");
        var specs = (await Spec()).ToList();
        specs.Add(new ClassifierSpec { WikibaseId = "Q20", ClassifierId = "bbbbbbbb", RegistryVersion = "v7", Line = 12 });
        // The model version of Q787 disappears from the store (its manifest is deleted).
        await _store.Objects.DeleteAsync(ModelStore.ManifestKey("Q787", forests.Id, version.Manifest.Version), None);

        var resolution = await InferenceSpec.ResolveAsync(_store, specs, "/x/sandbox.yaml", None);
        Assert.Equal(["Q20"], resolution.Classifiers.Select(c => c.WikibaseId));
        Assert.Equal(["ModelVersionNotFound", "SpecVersionNotFound"], resolution.Errors.Select(e => e.ErrorId).Order());
        var missing = resolution.Errors.Single(e => e.ErrorId == "SpecVersionNotFound");
        Assert.Contains("Entry 3 (line 12) of sandbox.yaml", missing.Message);
        Assert.Contains("no registry version v7", missing.Message);
        Assert.Contains($"v0 ({water.Id})", missing.Message);
        Assert.Contains("model version v0", resolution.Errors.Single(e => e.ErrorId == "ModelVersionNotFound").Message);
    }

    [Fact]
    public async Task Invalid_and_duplicate_entries_are_refused_and_demoted_ones_warned_about()
    {
        var (forests, _) = await Promote("Q787", "forest");
        var specs = (await Spec()).ToList();
        await ClassifierLifecycle.DemoteAsync(_store, await ClassifierLifecycle.PlanDemotionAsync(_store, "Q787", new DemotionTarget(ClassifierId: forests.Id), None), None);
        specs.Add(specs[0] with { DontRunOn = ["sabin"] });
        specs.Add(new ClassifierSpec { WikibaseId = "Q0x", ClassifierId = "short", RegistryVersion = "latest" });
        specs.Add(specs[0] with { DontRunOn = ["nowhere"], ClassifierId = "aaaaaaaa" });

        var resolution = await InferenceSpec.ResolveAsync(_store, specs, "sandbox.yaml", None);
        Assert.Equal([forests.Id], resolution.Classifiers.Select(c => c.ClassifierId));
        Assert.Equal(["DuplicateSpecEntry", "InvalidSpecEntry", "InvalidSpecEntry"], resolution.Errors.Select(e => e.ErrorId));
        Assert.Contains("'latest' is not allowed", resolution.Errors[1].Message);
        Assert.Contains("'nowhere'", resolution.Errors[2].Message);
        Assert.Contains("not promoted", Assert.Single(resolution.Warnings));
    }
}
