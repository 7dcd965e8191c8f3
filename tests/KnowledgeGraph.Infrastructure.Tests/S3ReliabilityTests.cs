using System.Text;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Storage;
using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>What the attack on the S3 store found (issue 9, section 6), against the real S3 server.</summary>
public class S3ReliabilityTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task A_create_only_put_retried_after_a_lost_answer_is_our_own_write()
    {
        var bucket = await S3TestServer.NewBucketAsync();
        using var proxy = new ResettingProxy(S3TestServer.Endpoint);
        var store = S3TestServer.Open($"s3://{bucket}/p", endpoint: proxy.Endpoint);
        proxy.ArmOnce();
        Assert.True(await store.TryCreateAsync("registry/Q5/records/0000000001.json", B("ours"), None));
        Assert.Equal(1, proxy.Resets);
        Assert.Equal("ours", Encoding.UTF8.GetString((await store.GetAsync("registry/Q5/records/0000000001.json", None))!));
        // Someone else's bytes there are still another writer's win.
        Assert.False(await store.TryCreateAsync("registry/Q5/records/0000000001.json", B("theirs"), None));
    }

    [Fact]
    public async Task One_training_upload_with_a_lost_answer_makes_one_version()
    {
        var bucket = await S3TestServer.NewBucketAsync();
        using var proxy = new ResettingProxy(S3TestServer.Endpoint);
        var objects = S3TestServer.Open($"s3://{bucket}/sandbox", endpoint: proxy.Endpoint);
        var models = new ModelStore(objects, KgEnvironment.Sandbox);
        var package = new ModelPackage("Q5", "abcd2345", new ModelMetadata { AwsEnv = "sandbox", ClassifierName = "KeywordClassifier", ConceptId = "f8at8qv5" },
            [new ModelPackageFile("model.json", B("model"))]);
        proxy.ArmOnce(); // the manifest is the only create-only write of an upload
        var version = await models.AddVersionAsync(package, null, None);
        Assert.Equal("v0", version.Manifest.Version.ToString());
        Assert.Equal(["v0"], (await models.ListVersionNumbersAsync("Q5", "abcd2345", None)).Select(v => v.ToString()));
    }

    [Fact]
    public async Task A_demotion_with_a_lost_answer_is_reported_as_done()
    {
        var bucket = await S3TestServer.NewBucketAsync();
        using var proxy = new ResettingProxy(S3TestServer.Endpoint);
        var config = S3TestServer.Configuration($"s3://{bucket}/sandbox", endpoint: proxy.Endpoint);
        var store = new EnvironmentStore(config, S3TestServer.Open($"s3://{bucket}/sandbox", endpoint: proxy.Endpoint));
        var v = await store.Models.AddVersionAsync(new ModelPackage("Q5", "abcd2345",
            new ModelMetadata { AwsEnv = "sandbox", ClassifierName = "KeywordClassifier", ConceptId = "f8at8qv5" }, [new ModelPackageFile("model.json", B("m"))]), null, None);
        await ClassifierLifecycle.PublishAsync(store, v, new MetadataChange { AddProfiles = ["primary"] }, None);
        var plan = await ClassifierLifecycle.PlanDemotionAsync(store, "Q5", new DemotionTarget(), None);
        proxy.ArmOnce();
        var result = await ClassifierLifecycle.DemoteAsync(store, plan, None);
        Assert.False(result.Promoted);
        Assert.Equal(2, (await store.Registry.GetHistoryAsync("Q5", None)).Count);
    }

    [Theory]
    [InlineData("../outside.json")]
    [InlineData("a/../../outside.json")]
    [InlineData("/abs.json")]
    [InlineData("a//b.json")]
    public async Task Keys_that_would_leave_the_prefix_are_refused(string key)
    {
        var bucket = await S3TestServer.NewBucketAsync();
        var store = S3TestServer.Open($"s3://{bucket}/inside");
        Assert.Equal("InvalidObjectKey", (await Assert.ThrowsAsync<KgException>(() => store.PutAsync(key, B("x"), None))).ErrorId);
        Assert.Equal("InvalidObjectKey", (await Assert.ThrowsAsync<KgException>(() => store.GetAsync(key, None))).ErrorId);
        using var client = S3TestServer.Client();
        Assert.Empty((await client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = bucket }, None)).S3Objects ?? []);
    }

    [Fact]
    public async Task Listings_with_times_and_sizes_come_from_the_server()
    {
        var store = S3TestServer.Open($"s3://{await S3TestServer.NewBucketAsync()}/p");
        await store.PutAsync("blobs/sha256/ab/abc", B("12345"), None);
        var o = Assert.Single(await store.ListObjectsAsync("blobs/", None));
        Assert.Equal(("blobs/sha256/ab/abc", 5L), (o.Key, o.Size));
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - o.LastModified).TotalMinutes) < 5);
    }
}
