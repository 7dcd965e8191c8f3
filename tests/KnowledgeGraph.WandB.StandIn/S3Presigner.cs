using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace KnowledgeGraph.Tests.WandB;

/// <summary>Presigned URLs (AWS Signature V4 in the query string) of the S3 test server, as W&amp;B hands out presigned
/// URLs of its own storage: the client uploads with a plain PUT and no credentials of its own.</summary>
public sealed class S3Presigner(string endpoint, string accessKey, string secretKey, string bucket)
{
    private static readonly HttpClient Http = new();

    public string Bucket => bucket;

    /// <summary>The access keys of a profile in an AWS shared credentials file (the test server's profile).</summary>
    public static (string AccessKey, string SecretKey) ReadProfile(string credentialsFile, string profile)
    {
        string? section = null, access = null, secret = null;
        foreach (var raw in File.ReadAllLines(credentialsFile))
        {
            var line = raw.Trim();
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = line[1..^1].Trim();
                continue;
            }
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (section != profile || eq < 0) continue;
            var (k, v) = (line[..eq].Trim(), line[(eq + 1)..].Trim());
            if (k == "aws_access_key_id") access = v;
            if (k == "aws_secret_access_key") secret = v;
        }
        return (access ?? throw new InvalidOperationException($"No aws_access_key_id for [{profile}] in {credentialsFile}"),
            secret ?? throw new InvalidOperationException($"No aws_secret_access_key for [{profile}] in {credentialsFile}"));
    }

    public string Url(string method, string bucketName, string key, TimeSpan? expires = null)
    {
        var uri = new Uri(endpoint);
        var now = DateTime.UtcNow;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var day = now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var scope = $"{day}/us-east-1/s3/aws4_request";
        var path = "/" + bucketName + "/" + string.Join("/", key.Split('/').Select(Uri.EscapeDataString));
        var query = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["X-Amz-Algorithm"] = "AWS4-HMAC-SHA256",
            ["X-Amz-Credential"] = $"{accessKey}/{scope}",
            ["X-Amz-Date"] = amzDate,
            ["X-Amz-Expires"] = ((int)(expires ?? TimeSpan.FromHours(1)).TotalSeconds).ToString(CultureInfo.InvariantCulture),
            ["X-Amz-SignedHeaders"] = "host",
        };
        var canonicalQuery = string.Join("&", query.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        var canonical = $"{method}\n{path}\n{canonicalQuery}\nhost:{uri.Authority}\n\nhost\nUNSIGNED-PAYLOAD";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var signingKey = Encoding.UTF8.GetBytes("AWS4" + secretKey);
        foreach (var part in new[] { day, "us-east-1", "s3", "aws4_request" })
        {
            signingKey = HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(part));
        }
        var signature = Hex(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(toSign)));
        return $"{uri.Scheme}://{uri.Authority}{path}?{canonicalQuery}&X-Amz-Signature={signature}";
    }

    public string PutUrl(string key) => Url("PUT", bucket, key);

    /// <summary>An object of the test server (null when missing).</summary>
    public async Task<byte[]?> GetAsync(string key)
    {
        using var response = await Http.GetAsync(Url("GET", bucket, key)).ConfigureAwait(false);
        return response.IsSuccessStatusCode ? await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false) : null;
    }

    /// <summary>The ETag and size of an object at an s3:// URI (null when missing), as W&amp;B checks a reference.</summary>
    public async Task<(string ETag, long Size)?> HeadAsync(string s3Uri)
    {
        var rest = s3Uri["s3://".Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Head, Url("HEAD", rest[..slash], rest[(slash + 1)..]));
        using var response = await Http.SendAsync(request).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }
        return (response.Headers.ETag?.Tag.Trim('"') ?? "", response.Content.Headers.ContentLength ?? -1);
    }

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);
}
