using System.Text;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Storage;
using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>The S3 store against a real S3 server on loopback.</summary>
public class S3ObjectStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Objects_round_trip_under_a_prefix()
    {
        var bucket = await S3TestServer.NewBucketAsync();
        var store = S3TestServer.Open($"s3://{bucket}/some/prefix");
        await store.PutAsync("a/b.json", B("{\"x\":1}"), None);
        Assert.Equal("{\"x\":1}", Encoding.UTF8.GetString((await store.GetAsync("a/b.json", None))!));
        Assert.Null(await store.GetAsync("a/missing.json", None));
        Assert.Equal(["a/b.json"], await store.ListAsync("a/", null, None));
        using var client = S3TestServer.Client();
        Assert.NotNull(await client.GetObjectMetadataAsync(bucket, "some/prefix/a/b.json", None));
        await store.DeleteAsync("a/b.json", None);
        Assert.Empty(await store.ListAsync("a/", null, None));
        Assert.Contains("profile 'kgtest'", store.CredentialSource);
    }

    [Fact]
    public async Task Create_only_puts_have_exactly_one_winner()
    {
        var store = S3TestServer.Open($"s3://{await S3TestServer.NewBucketAsync()}");
        Assert.True(await store.TryCreateAsync("k", B("first"), None));
        Assert.False(await store.TryCreateAsync("k", B("second"), None));
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => store.TryCreateAsync("race", B("writer " + i), None))));
        Assert.Single(results, r => r);
        Assert.Equal("first", Encoding.UTF8.GetString((await store.GetAsync("k", None))!));
    }

    [Fact]
    public async Task Listings_page_through_more_than_a_thousand_keys()
    {
        var store = S3TestServer.Open($"s3://{await S3TestServer.NewBucketAsync()}");
        await System.Threading.Tasks.Parallel.ForEachAsync(Enumerable.Range(1, 1005), new ParallelOptions { MaxDegreeOfParallelism = 32 },
            async (i, ct) => await store.PutAsync($"registry/Q{i}/state.json", B("{}"), ct));
        var folders = await store.ListFoldersAsync("registry/", None);
        Assert.Equal(1005, folders.Count);
        Assert.Contains("Q1005", folders);
        var keys = await store.ListAsync("registry/", null, None);
        Assert.Equal(1005, keys.Count);
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        Assert.Equal(["registry/Q999/state.json"], await store.ListAsync("registry/Q999/", "registry/Q998/state.json", None));
    }

    [Fact]
    public async Task A_missing_bucket_is_named()
    {
        var store = S3TestServer.Open("s3://kg-no-such-bucket-anywhere");
        var e = await Assert.ThrowsAsync<KgException>(() => store.PutAsync("x", B("1"), None));
        Assert.Equal("BucketNotFound", e.ErrorId);
        Assert.Contains("kg-no-such-bucket-anywhere", e.Message);
    }

    [Fact]
    public void A_missing_profile_is_named()
    {
        _ = S3TestServer.Endpoint;
        var e = Assert.Throws<KgException>(() => S3TestServer.Open("s3://any-bucket", profile: "no-such-profile"));
        Assert.Equal("CredentialsNotFound", e.ErrorId);
        Assert.Equal(KgErrorKind.AuthenticationError, e.Kind);
        Assert.Contains("no-such-profile", e.Message);
    }

    [Fact]
    public async Task Wrong_credentials_are_rejected_clearly()
    {
        var bucket = await S3TestServer.NewBucketAsync();
        IObjectStore store;
        try
        {
            // No profile: the chain takes the key pair from the environment (every other test names its profile).
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "NOTAKEY0000000000000");
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "not-the-secret");
            store = new KnowledgeGraph.Infrastructure.S3.S3StoreFactory().Open(S3TestServer.Configuration($"s3://{bucket}") with { ProfileName = null });
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", null);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", null);
        }
        var e = await Assert.ThrowsAsync<KgException>(() => store.GetAsync("x", None));
        Assert.Equal("InvalidCredentials", e.ErrorId);
        Assert.Contains("AWS_ACCESS_KEY_ID", e.Message);
    }

    [Fact]
    public async Task An_unreachable_server_is_a_connection_error()
    {
        _ = S3TestServer.Endpoint;
        var store = S3TestServer.Open("s3://any-bucket", endpoint: "http://127.0.0.1:9");
        var e = await Assert.ThrowsAsync<KgException>(() => store.GetAsync("x", None));
        Assert.Equal("StoreUnreachable", e.ErrorId);
        Assert.Equal(KgErrorKind.ConnectionError, e.Kind);
        Assert.Contains("127.0.0.1:9", e.Message);
    }

    [Fact]
    public async Task The_registry_loses_no_concurrent_change_on_S3()
    {
        var objects = S3TestServer.Open($"s3://{await S3TestServer.NewBucketAsync()}");
        var models = new ModelStore(objects, KgEnvironment.Sandbox);
        var registry = new ClassifierRegistry(objects, KgEnvironment.Sandbox);
        var version = await models.AddVersionAsync(new ModelPackage("Q5", "abcd2345",
            new ModelMetadata { AwsEnv = "sandbox", ClassifierName = "KeywordClassifier", ConceptId = "f8at8qv5" },
            [new ModelPackageFile("model.json", B("{}"))]), null, None);
        await registry.ChangeAsync("Q5", s => RegistryRules.Promote(s, version, KgEnvironment.Sandbox, new MetadataChange { AddProfiles = ["primary"] }), None);
        var sources = Specs.DontRunOnSources.All;
        await Task.WhenAll(sources.Select(src => Task.Run(() => registry.ChangeAsync("Q5",
            s => RegistryRules.Update(s, KgEnvironment.Sandbox, "abcd2345", new MetadataChange { AddDontRunOn = [src] }), None))));
        Assert.Equal(sources.Order(StringComparer.Ordinal), (await registry.GetAsync("Q5", None)).Promoted.Single().DontRunOn);
        Assert.Equal(12, (await registry.GetHistoryAsync("Q5", None)).Count);
    }

    [Fact]
    public async Task Concurrent_trainings_get_distinct_versions_on_S3()
    {
        var models = new ModelStore(S3TestServer.Open($"s3://{await S3TestServer.NewBucketAsync()}"), KgEnvironment.Sandbox);
        var stored = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => models.AddVersionAsync(new ModelPackage("Q5", "abcd2345",
            new ModelMetadata { AwsEnv = "sandbox", ClassifierName = "KeywordClassifier", ConceptId = "f8at8qv5" },
            [new ModelPackageFile("model.json", B("{\"i\":" + i + "}"))]), null, None))));
        Assert.Equal(Enumerable.Range(0, 8), stored.Select(s => s.Manifest.Version.Number).Order());
    }
}
