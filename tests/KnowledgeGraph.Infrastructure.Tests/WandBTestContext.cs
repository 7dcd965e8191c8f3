using System.Text;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Tests.WandB;
using KnowledgeGraph.WandB;

namespace KnowledgeGraph.Tests;

/// <summary>A W&amp;B stand-in (in this process, on loopback) whose uploads go to a fresh bucket of the S3 test server,
/// a user with a key, and environment stores on another fresh bucket whose registry is W&amp;B (or the store's own).</summary>
public sealed class WandBTestContext : IDisposable
{
    private WandBTestContext(WandBStandIn standIn, string key, string storeBucket)
    {
        StandIn = standIn;
        Key = key;
        StoreBucket = storeBucket;
    }

    public WandBStandIn StandIn { get; }
    public string Key { get; }
    public string StoreBucket { get; }
    public StandInWorld World => StandIn.World;
    public const string Entity = "kg-team";

    public static async Task<WandBTestContext> StartAsync(string? registryRole = "member")
    {
        var endpoint = S3TestServer.Endpoint; // skips the test without the S3 server
        var (access, secret) = S3Presigner.ReadProfile(Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE")!, S3TestServer.Profile);
        var standIn = new WandBStandIn(new S3Presigner(endpoint, access, secret, await S3TestServer.NewBucketAsync()));
        var key = standIn.AddUser("ada", registryRole);
        return new WandBTestContext(standIn, key, await S3TestServer.NewBucketAsync());
    }

    public WandBApi Api(string? key = null) =>
        new(new WandBClient(StandIn.BaseUrl, WandBApiKey.Of(key ?? Key, "the test"), null));

    public EnvironmentConfiguration Configuration(KgEnvironment env, RegistryKind registry = RegistryKind.WandB, string? prefix = null) =>
        S3TestServer.Configuration($"s3://{StoreBucket}/{prefix ?? env.Name()}") with
        {
            Environment = env,
            Registry = registry,
            WandBEntity = Entity,
            WandBBaseUrl = StandIn.BaseUrl,
        };

    /// <summary>An environment's store whose registry of record is W&amp;B (through this context's user) or the store's own.</summary>
    public EnvironmentStore Store(KgEnvironment env, RegistryKind registry = RegistryKind.WandB, string? key = null, string? prefix = null)
    {
        var configuration = Configuration(env, registry, prefix);
        var objects = new Infrastructure.S3.S3StoreFactory().Open(configuration);
        return registry == RegistryKind.WandB
            ? new EnvironmentStore(configuration, objects, s => new WandBRegistry(s, Api(key), Entity) { SettleDelay = TimeSpan.Zero })
            : new EnvironmentStore(configuration, objects);
    }

    public static Task<StoredModelVersion> AddModelAsync(EnvironmentStore store, string q, string cid, string content, string conceptId = "f8at8qv5") =>
        store.Models.AddVersionAsync(new ModelPackage(q, cid,
            new ModelMetadata { AwsEnv = store.Environment.Name(), ClassifierName = "KeywordClassifier", ConceptId = conceptId, ConceptWikibaseRevision = 7 },
            [new ModelPackageFile("model.json", Encoding.UTF8.GetBytes(content)), new ModelPackageFile("run.json", Encoding.UTF8.GetBytes("{\"run\":\"" + content + "\"}"))]),
            null, CancellationToken.None);

    public void Dispose() => StandIn.Dispose();
}
