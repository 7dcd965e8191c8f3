using System.Text;
using System.Text.Json.Nodes;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Training;
using KnowledgeGraph.WandB;
using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>Invoke-KgTraining -Track's logging (a run, a reference model artifact, tables) and Test-KgEnvironment's W&amp;B
/// checks, against the W&amp;B stand-in and the S3 test server.</summary>
public class WandBTrackingTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static Concept ExampleConcept() => ConceptSource.Resolve(Path.Combine(SharedData.RepositoryRoot, "module", "examples", "concepts")).Get(Identifiers.WikibaseId.Parse("Q9001"));

    [Fact]
    public async Task A_tracked_training_logs_the_run_the_tables_and_an_artifact_that_refers_to_the_store()
    {
        using var w = await WandBTestContext.StartAsync();
        var store = w.Store(KgEnvironment.Sandbox, RegistryKind.Store);
        var api = w.Api();
        var concept = ExampleConcept();
        var request = new TrainingRequest { Concept = concept, Type = Classification.ClassifierType.Keyword, Environment = KgEnvironment.Sandbox };
        // An artifact of this classifier already exists in W&B (logged from elsewhere): the store's version follows W&B's numbering.
        var cid = new Classification.KeywordClassifier(concept).Id;
        w.World.SeedPromoted("Q9001", cid, "labs", null, concept.Id, promoted: false);
        var service = new TrainingService(_ => new KeywordTrainer());
        var result = await service.TrainAsync(request, store, null, null, None, (c, ct) => WandBTracker.NextVersionAsync(api, WandBTestContext.Entity, "Q9001", c, ct));
        Assert.Equal("v1", result.Version);
        var stored = await store.Models.GetRequiredAsync("Q9001", cid, Identifiers.ModelVersion.Parse(result.Version), None);
        var predictions = concept.LabelledPassages.Select(p => p.WithSpans(new Classification.KeywordClassifier(concept).Predict([p.Text])[0])).ToArray();

        var tracking = await WandBTracker.TrackAsync(api, WandBTestContext.Entity, store, request, result, stored, concept.LabelledPassages, predictions, null, None);

        Assert.Equal("v1", tracking.ArtifactVersion);
        Assert.Equal($"kg-team/Q9001/{cid}:v1", tracking.Artifact);
        var run = w.World.Runs.Values.Single();
        Assert.Equal("train_model", run.JobType);
        Assert.True(run.Complete);
        var config = JsonNode.Parse(run.Config!)!;
        Assert.Equal("KeywordClassifier", (string?)config["classifier_type"]!["value"]);
        Assert.Equal(concept.Id, (string?)config["concept_id"]!["value"]);
        Assert.False((bool)config["experimental_model_type"]!["value"]!);
        Assert.Equal(concept.LabelledPassages.Count, (int)config["n_gold_standard_labelled_passages"]!["value"]!);
        var summary = JsonNode.Parse(run.Summary!)!;
        Assert.Equal(result.Metrics.Single(m => m.Group == "all" && m.Level == "Passage").F1, (double)summary["passage_level_f1"]!);
        Assert.Equal("table-file", (string?)summary["performance"]!["_type"]);
        Assert.Equal(concept.LabelledPassages.Count, (int)summary["validation_set_predictions"]!["nrows"]!);
        var history = JsonNode.Parse(Assert.Single(run.History))!;
        Assert.NotNull(history["metrics/all/Span level (0.5)/f1"]);
        // The table files were uploaded to the presigned URLs (real S3 PUTs).
        var table = await w.StandIn.Storage.GetAsync(run.Files[(string)summary["performance"]!["path"]!]);
        Assert.Contains("agreement_level", Encoding.UTF8.GetString(table!));

        var model = w.World.Artifacts.Values.Single(a => a.Type == "model" && a.VersionIndex == 1);
        Assert.Equal("COMMITTED", model.State);
        Assert.Equal(["aws_env", "classifier_name", "concept_id", "concept_wikibase_revision"], model.MetadataObject.Select(p => p.Key));
        Assert.Equal("sandbox", (string?)model.MetadataObject["aws_env"]);
        // Its files are references to the store's objects with their ETags (the commit checked each against S3).
        var manifest = JsonNode.Parse((await w.StandIn.Storage.GetAsync($"artifacts/{model.Id}/wandb_manifest.json"))!)!;
        var contents = manifest["contents"]!.AsObject();
        Assert.Equal(["evaluation.json", "manifest.json", "model.json", "run.json"], contents.Select(p => p.Key).Order());
        Assert.Equal($"s3://{w.StoreBucket}/sandbox/models/Q9001/{cid}/v1/manifest.json", (string?)contents["manifest.json"]!["ref"]);
        Assert.StartsWith($"s3://{w.StoreBucket}/sandbox/blobs/sha256/", (string?)contents["model.json"]!["ref"]);
        Assert.Equal((string?)contents["model.json"]!["digest"], (string?)contents["model.json"]!["extra"]!["etag"]);
        Assert.Contains($"manifest SHA-256 {stored.ManifestSha256}", model.Description);

        var passages = w.World.Artifacts.Values.Single(a => a.Type == "labelled_passages");
        Assert.Equal($"{cid}-labelled-passages", passages.Collection);
        Assert.Equal(concept.LabelledPassages.Count, (int)passages.MetadataObject["passage_count"]!);
        Assert.Empty(w.StandIn.ValidationErrors);
    }

    [Fact]
    public async Task Tracking_needs_an_s3_store()
    {
        using var w = await WandBTestContext.StartAsync();
        var folder = Directory.CreateTempSubdirectory("kg-wandb-local-");
        var config = w.Configuration(KgEnvironment.Sandbox, RegistryKind.Store) with { Store = Storage.StoreLocation.Local(folder.FullName) };
        var store = new Lifecycle.EnvironmentStore(config, new Storage.FileObjectStore(folder.FullName));
        var v = await WandBTestContext.AddModelAsync(store, "Q1", "abcd2345", "x");
        var e = await Assert.ThrowsAsync<KgException>(() => WandBModels.ReferencesAsync(store, v, None));
        Assert.Equal("WandBNeedsS3Store", e.ErrorId);
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task Test_KgEnvironment_checks_the_key_the_user_the_projects_and_the_registry_role()
    {
        using var w = await WandBTestContext.StartAsync();
        var config = w.Configuration(KgEnvironment.Sandbox);
        var ok = await WandBTester.TestAsync(config, null, None, WandBApiKey.Of(w.Key, "the test"));
        Assert.Empty(ok.Problems);
        Assert.Equal("ada", ok.User);
        Assert.True(ok.ProjectAccess);
        Assert.True(ok.CanLink);
        Assert.Equal(["member"], ok.RegistryRoles);

        var viewerKey = w.StandIn.AddUser("bob", "viewer");
        var viewer = await WandBTester.TestAsync(config, null, None, WandBApiKey.Of(viewerKey, "the test"));
        Assert.Equal(["WandBRegistryRoleMissing"], viewer.ErrorIds);
        Assert.Contains("Project access is not registry access", viewer.Problems[0]);
        // With the store as the registry of record (tracking only), project access is all that is needed.
        Assert.Empty((await WandBTester.TestAsync(config with { Registry = RegistryKind.Store }, null, None, WandBApiKey.Of(viewerKey, "t"))).Problems);

        var noRole = w.StandIn.AddUser("cy", null);
        var none = await WandBTester.TestAsync(config, null, None, WandBApiKey.Of(noRole, "the test"));
        Assert.Equal(["WandBRegistryRoleMissing"], none.ErrorIds);
        Assert.True(none.ProjectAccess);

        var outsider = w.StandIn.AddUser("dee", "member", "other-team");
        Assert.Equal(["WandBNoProjectAccess"], (await WandBTester.TestAsync(config, null, None, WandBApiKey.Of(outsider, "the test"))).ErrorIds);

        w.World.ExpiredKeys.Add(w.Key);
        Assert.Equal(["WandBKeyRejected"], (await WandBTester.TestAsync(config, null, None, WandBApiKey.Of(w.Key, "the test"))).ErrorIds);

        w.StandIn.Intercept = _ => new Tests.WandB.StandInReply(403, "text/html; charset=utf-8", "<!DOCTYPE html><html>Access denied by proxy</html>");
        Assert.Equal(["WandBProxyRefused"], (await WandBTester.TestAsync(config, null, None, WandBApiKey.Of(viewerKey, "the test"))).ErrorIds);
        Assert.Empty(w.StandIn.ValidationErrors);
    }
}
