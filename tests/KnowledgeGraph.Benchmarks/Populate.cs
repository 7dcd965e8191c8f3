using System.Diagnostics;
using System.Text;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Storage;

namespace KnowledgeGraph.Benchmarks;

/// <summary>Fills an environment's store with N concepts, each with one stored keyword classifier promoted as primary,
/// through the same core code the cmdlets use (model store, registry rules, create-only records), in parallel.</summary>
internal static class Populate
{
    public static async Task<int> RunAsync(string[] args)
    {
        var o = new Options(args);
        var count = o.GetInt("count", 1000);
        var environment = EnvironmentNames.Parse(o.Get("environment", "sandbox"));
        var endpoint = o.Get("endpoint", "");
        var configuration = new EnvironmentConfiguration
        {
            Environment = environment,
            Store = StoreLocation.Parse(o.Get("store", "")),
            StoreSource = "benchmark",
            ProfileName = o.Get("profile", "") is { Length: > 0 } p ? p : null,
            EndpointUrl = endpoint.Length > 0 ? endpoint : null,
            ForcePathStyle = endpoint.Length > 0,
        };
        var objects = configuration.Store.Kind == StoreKind.S3
            ? new Infrastructure.KgInfrastructure().S3.Open(configuration)
            : new FileObjectStore(configuration.Store.LocalPath);
        var store = new EnvironmentStore(configuration, objects);
        var clock = Stopwatch.StartNew();
        await System.Threading.Tasks.Parallel.ForEachAsync(Enumerable.Range(1, count), new ParallelOptions { MaxDegreeOfParallelism = store.Parallelism }, async (n, ct) =>
        {
            var concept = new Concept($"benchmark concept {n}", [$"label {n}"], wikibaseId: $"Q{n}");
            var classifier = new KeywordClassifier(concept);
            var version = await store.Models.AddVersionAsync(new ModelPackage(concept.WikibaseId!, classifier.Id,
                new ModelMetadata { AwsEnv = environment.For(EnvironmentUse.ModelMetadata), ClassifierName = classifier.Name, ConceptId = concept.Id },
                [new ModelPackageFile(ModelFiles.Model, ModelFiles.KeywordModel(classifier))]), null, ct);
            await ClassifierLifecycle.PublishAsync(store, version, new MetadataChange { AddProfiles = ["primary"], }, ct);
            if (n % 3 == 0)
            {
                await ClassifierLifecycle.SetMetadataAsync(store, concept.WikibaseId!, classifier.Id, new MetadataChange { AddDontRunOn = ["sabin"] }, ct);
            }
        });
        Console.WriteLine($"populate: {count} promoted classifiers in {configuration.Store} in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}
