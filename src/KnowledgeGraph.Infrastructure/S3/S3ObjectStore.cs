using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Storage;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Infrastructure.S3;

/// <summary>An environment's store in an S3 bucket (and key prefix), through AWSSDK.S3. Create-only writes are
/// <c>PutObject</c> with <c>If-None-Match: *</c>: 412 means the key exists. Works with AWS and with S3-compatible servers
/// at an explicit endpoint (path-style addressing; checksums only when required, which such servers accept).</summary>
internal sealed class S3ObjectStore : IObjectStore, IDisposable
{
    private readonly AmazonS3Client _client;
    private readonly string _bucket;
    private readonly string _prefix;

    public S3ObjectStore(EnvironmentConfiguration configuration)
    {
        Location = configuration.Store;
        _bucket = configuration.Store.Bucket!;
        _prefix = configuration.Store.Prefix.Length == 0 ? "" : configuration.Store.Prefix + "/";
        var (credentials, source) = AwsCredentialChain.Resolve(configuration.ProfileName, configuration.ProfileSource);
        CredentialSource = source;
        var config = new AmazonS3Config
        {
            ForcePathStyle = configuration.ForcePathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            Timeout = TimeSpan.FromSeconds(30),
            MaxErrorRetry = 3,
        };
        var region = configuration.Region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");
        if (configuration.EndpointUrl is { } endpoint)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = region ?? "us-east-1";
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region ?? "eu-west-1");
        }
        _client = new AmazonS3Client(credentials, config);
    }

    public StoreLocation Location { get; }

    /// <summary>Where the credentials came from, for Test-KgEnvironment and error messages.</summary>
    public string CredentialSource { get; }

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        StoreKeys.Check(key);
        try
        {
            using var response = await _client.GetObjectAsync(_bucket, _prefix + key, cancellationToken).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
        {
            return null;
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            throw Translate(e, "s3:GetObject", key);
        }
    }

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        PutAsync(key, data, createOnly: false, cancellationToken);

    public Task<bool> TryCreateAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        PutAsync(key, data, createOnly: true, cancellationToken);

    private async Task<bool> PutAsync(string key, ReadOnlyMemory<byte> data, bool createOnly, CancellationToken cancellationToken)
    {
        StoreKeys.Check(key);
        for (var attempt = 1; ; attempt++)
        {
            var request = new PutObjectRequest
            {
                BucketName = _bucket,
                Key = _prefix + key,
                InputStream = new MemoryStream(data.ToArray(), writable: false),
                ContentType = key.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "application/octet-stream",
                AutoCloseStream = true,
            };
            if (createOnly)
            {
                request.IfNoneMatch = "*";
            }
            try
            {
                await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (AmazonS3Exception e) when (createOnly && e.StatusCode == HttpStatusCode.PreconditionFailed)
            {
                // The key exists. When the SDK retried our request after the connection failed, the first attempt may
                // have been stored already: our own bytes there mean this write succeeded, not that another writer won.
                var there = await GetAsync(key, cancellationToken).ConfigureAwait(false);
                return there is not null && data.Span.SequenceEqual(there);
            }
            catch (AmazonS3Exception e) when (createOnly && e.StatusCode == HttpStatusCode.Conflict && attempt < 5)
            {
                // 409 ConditionalRequestConflict: a concurrent write raced this one; retry, as S3's documentation says.
                await Task.Delay(20 * attempt, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsStoreFailure(e))
            {
                throw Translate(e, "s3:PutObject", key);
            }
        }
    }

    public async Task<IReadOnlyList<string>> ListAsync(string prefix, string? startAfter, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var page in Pages(prefix, startAfter, delimiter: null, cancellationToken).ConfigureAwait(false))
        {
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key[_prefix.Length..]));
        }
        return keys;
    }

    public async Task<IReadOnlyList<StoredObject>> ListObjectsAsync(string prefix, CancellationToken cancellationToken)
    {
        var objects = new List<StoredObject>();
        await foreach (var page in Pages(prefix, null, delimiter: null, cancellationToken).ConfigureAwait(false))
        {
            objects.AddRange((page.S3Objects ?? []).Select(o => new StoredObject(o.Key[_prefix.Length..], o.Size ?? 0,
                o.LastModified is { } t ? new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.MinValue)));
        }
        return objects;
    }

    public async Task<IReadOnlyList<string>> ListFoldersAsync(string prefix, CancellationToken cancellationToken)
    {
        var folders = new List<string>();
        await foreach (var page in Pages(prefix, null, "/", cancellationToken).ConfigureAwait(false))
        {
            folders.AddRange((page.CommonPrefixes ?? []).Select(p => p[(_prefix.Length + prefix.Length)..].TrimEnd('/')));
        }
        return folders;
    }

    private async IAsyncEnumerable<ListObjectsV2Response> Pages(string prefix, string? startAfter, string? delimiter,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request
        {
            BucketName = _bucket,
            Prefix = _prefix + prefix,
            StartAfter = startAfter is null ? null : _prefix + startAfter,
            Delimiter = delimiter,
        };
        while (true)
        {
            ListObjectsV2Response response;
            try
            {
                response = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsStoreFailure(e))
            {
                throw Translate(e, "s3:ListBucket", prefix);
            }
            yield return response;
            if (response.IsTruncated != true)
            {
                yield break;
            }
            request.ContinuationToken = response.NextContinuationToken;
        }
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        StoreKeys.Check(key);
        try
        {
            await _client.DeleteObjectAsync(_bucket, _prefix + key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            throw Translate(e, "s3:DeleteObject", key);
        }
    }

    public void Dispose() => _client.Dispose();

    private static bool IsStoreFailure(Exception e) => e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException;

    /// <summary>A KgException that says what failed, on which object, and (for 403) which permission is missing for which credentials.</summary>
    private KgException Translate(Exception e, string permission, string key)
    {
        var where = $"s3://{_bucket}/{_prefix}{key}";
        if (e is AmazonS3Exception s3)
        {
            switch (s3.StatusCode, s3.ErrorCode)
            {
                case (HttpStatusCode.NotFound, "NoSuchBucket"):
                    return new KgException("BucketNotFound", KgErrorKind.ObjectNotFound,
                        $"The bucket '{_bucket}' does not exist (at {Endpoint}). Create it, or point the environment at another store with Set-KgEnvironment -Store.", _bucket, e);
                case (HttpStatusCode.Forbidden, "InvalidAccessKeyId" or "SignatureDoesNotMatch"):
                case (_, "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "ExpiredToken" or "InvalidToken"):
                    return new KgException("InvalidCredentials", KgErrorKind.AuthenticationError,
                        $"The server rejected the credentials from {CredentialSource} ({s3.ErrorCode}) for {where}. Check or refresh them (aws sso login --profile <name>).", where, e);
                case (HttpStatusCode.Forbidden, _):
                    return new KgException("StoreAccessDenied", KgErrorKind.PermissionDenied,
                        $"Access denied: the credentials from {CredentialSource} lack {permission} on {where}.", where, e);
            }
            return new KgException("StoreRequestFailed", KgErrorKind.InvalidOperation,
                $"{permission} on {where} failed: {(int)s3.StatusCode} {s3.ErrorCode}: {s3.Message}", where, e);
        }
        if (e is AmazonServiceException { StatusCode: >= HttpStatusCode.InternalServerError } service)
        {
            return new KgException("StoreUnavailable", KgErrorKind.ResourceUnavailable,
                $"The S3 server at {Endpoint} failed {permission} on {where} ({(int)service.StatusCode}). Nothing was changed by this request; try again.", where, e);
        }
        return new KgException("StoreUnreachable", KgErrorKind.ConnectionError,
            $"Cannot reach the S3 server at {Endpoint} for {permission} on {where}: {Redact.Url(Innermost(e).Message)}", where, e);
    }

    private string Endpoint => Redact.Url(_client.Config.ServiceURL ?? $"s3.{_client.Config.RegionEndpoint?.SystemName}.amazonaws.com");

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);
}

/// <summary>Opens S3 stores for the core.</summary>
internal sealed class S3StoreFactory : IObjectStoreFactory
{
    public IObjectStore Open(EnvironmentConfiguration configuration) => new S3ObjectStore(configuration);
}
