using Amazon.Runtime.CredentialManagement;
using Amazon.S3;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Storage;
using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>The S3 server build.ps1 Test starts (Ceph RGW on loopback): $env:KG_TEST_S3_ENDPOINT and a credentials
/// profile ($env:KG_TEST_S3_PROFILE). Without them the S3 tests skip, saying why.</summary>
public static class S3TestServer
{
    public static string Endpoint => Environment.GetEnvironmentVariable("KG_TEST_S3_ENDPOINT")
        ?? Skip<string>("No S3 test server: $env:KG_TEST_S3_ENDPOINT is not set (build.ps1 Test starts one).");

    public static string Profile => Environment.GetEnvironmentVariable("KG_TEST_S3_PROFILE") ?? "kgtest";

    /// <summary>A new, empty bucket with a unique name.</summary>
    public static async Task<string> NewBucketAsync()
    {
        var bucket = "kg-" + Guid.NewGuid().ToString("N")[..16];
        using var client = Client();
        await client.PutBucketAsync(bucket);
        return bucket;
    }

    public static AmazonS3Client Client()
    {
        var endpoint = Endpoint; // skips the test when there is no server
        if (!new CredentialProfileStoreChain().TryGetAWSCredentials(Profile, out var credentials))
        {
            Assert.Fail($"The S3 test profile '{Profile}' is missing ($env:AWS_SHARED_CREDENTIALS_FILE).");
        }
        return new AmazonS3Client(credentials, new AmazonS3Config
        {
            ServiceURL = endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
        });
    }

    public static EnvironmentConfiguration Configuration(string store, string? profile = null, string? endpoint = null) => new()
    {
        Environment = KgEnvironment.Sandbox,
        Store = StoreLocation.Parse(store),
        StoreSource = "test",
        ProfileName = profile ?? Profile,
        ProfileSource = "test",
        EndpointUrl = endpoint ?? Endpoint,
        ForcePathStyle = true,
    };

    public static IObjectStore Open(string store, string? profile = null, string? endpoint = null) =>
        new KnowledgeGraph.Infrastructure.S3.S3StoreFactory().Open(Configuration(store, profile, endpoint));

    private static T Skip<T>(string reason)
    {
        Assert.Skip(reason);
        return default!;
    }
}
