using System.Text.RegularExpressions;

namespace KnowledgeGraph.Storage;

public enum StoreKind
{
    /// <summary>A folder on the local disk (the embedded default store).</summary>
    Local,
    /// <summary>An S3 bucket, optionally with a key prefix.</summary>
    S3,
}

/// <summary>Where an environment's models and registry live: <c>s3://bucket[/prefix]</c>, or a local folder
/// (a path or a <c>file://</c> URI).</summary>
public sealed partial record StoreLocation
{
    private StoreLocation(StoreKind kind, string path, string? bucket, string prefix)
    {
        Kind = kind;
        LocalPath = path;
        Bucket = bucket;
        Prefix = prefix;
    }

    public StoreKind Kind { get; }
    /// <summary>The folder of a local store (empty for S3).</summary>
    public string LocalPath { get; }
    public string? Bucket { get; }
    /// <summary>The key prefix inside the bucket, without leading or trailing slash (may be empty).</summary>
    public string Prefix { get; }

    public static StoreLocation Local(string folder) => new(StoreKind.Local, Path.GetFullPath(folder), null, "");

    public static StoreLocation Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (t.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = t[5..];
            var slash = rest.IndexOf('/');
            var bucket = slash < 0 ? rest : rest[..slash];
            var prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
            if (!BucketName().IsMatch(bucket) || bucket.Contains("..", StringComparison.Ordinal))
            {
                throw new KgException("InvalidStore", KgErrorKind.InvalidArgument,
                    $"'{bucket}' in '{text}' is not a valid S3 bucket name: 3-63 characters of lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.", text);
            }
            return new StoreLocation(StoreKind.S3, "", bucket, prefix);
        }
        if (t.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            return Local(new Uri(t).LocalPath);
        }
        if (t.Contains("://", StringComparison.Ordinal))
        {
            throw new KgException("InvalidStore", KgErrorKind.InvalidArgument,
                $"'{text}' is not a store location. Use s3://bucket[/prefix] or a local folder path.", text);
        }
        if (t.Length == 0)
        {
            throw new KgException("InvalidStore", KgErrorKind.InvalidArgument, "A store location cannot be empty. Use s3://bucket[/prefix] or a local folder path.", text);
        }
        return Local(t);
    }

    public override string ToString() => Kind == StoreKind.S3
        ? "s3://" + Bucket + (Prefix.Length > 0 ? "/" + Prefix : "")
        : LocalPath;

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();
}
