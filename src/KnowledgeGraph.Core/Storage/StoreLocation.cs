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

    /// <summary>A local folder store. The folder must not be the root of a file system, nor an existing file or device.</summary>
    public static StoreLocation Local(string folder)
    {
        var full = Path.GetFullPath(Configuration.KgPaths.Resolve(folder));
        if (string.Equals(Path.TrimEndingDirectorySeparator(full), Path.TrimEndingDirectorySeparator(Path.GetPathRoot(full) ?? ""), StringComparison.Ordinal))
        {
            throw Invalid(folder, $"'{full}' is the root of a file system; a store needs a folder of its own, such as {Path.Combine(full, "kg-store")}.");
        }
        if (File.Exists(full))
        {
            throw Invalid(folder, $"'{full}' is a file, not a folder.");
        }
        return new StoreLocation(StoreKind.Local, full, null, "");
    }

    /// <summary>Parses a store location: <c>s3://bucket[/prefix]</c>, an absolute <c>file:///path</c> URI, or a folder
    /// path (<c>~</c> is the home folder; a relative path is relative to the current location). Anything else is refused
    /// rather than taken as an odd literal folder: other schemes, <c>file:</c> URIs with a host or a relative path,
    /// queries, control characters, placeholders other than {name} and {value}, and empty, '.' or '..' prefix segments.</summary>
    public static StoreLocation Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (t.Length == 0)
        {
            throw Invalid(text, "A store location cannot be empty.");
        }
        if (t.Any(char.IsControl))
        {
            throw Invalid(text, "It contains a control character (such as a newline).");
        }
        if (t.IndexOfAny(['{', '}']) >= 0)
        {
            throw Invalid(text, "It contains a placeholder other than {name} or {value}.");
        }
        if (t.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = t[5..];
            if (rest.IndexOfAny(['?', '#', '\\']) >= 0)
            {
                throw Invalid(text, "An S3 location has no query, fragment or backslash.");
            }
            var slash = rest.IndexOf('/');
            var bucket = slash < 0 ? rest : rest[..slash];
            var prefix = slash < 0 ? "" : rest[(slash + 1)..].TrimEnd('/');
            if (!BucketName().IsMatch(bucket) || bucket.Contains("..", StringComparison.Ordinal))
            {
                throw new KgException("InvalidStore", KgErrorKind.InvalidArgument,
                    $"'{bucket}' in '{text}' is not a valid S3 bucket name: 3-63 characters of lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.", text);
            }
            if (prefix.Length > 0 && prefix.Split('/').Any(p => p is "" or "." or ".."))
            {
                throw Invalid(text, $"The key prefix '{prefix}' has an empty, '.' or '..' part.");
            }
            return new StoreLocation(StoreKind.S3, "", bucket, prefix);
        }
        if (t.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            if (!t.StartsWith("file://", StringComparison.OrdinalIgnoreCase) || !Uri.TryCreate(t, UriKind.Absolute, out var uri))
            {
                throw Invalid(text, "A file URI must be absolute: file:///path/to/folder.");
            }
            if (uri.Host.Length > 0 && !string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid(text, $"It names the host '{uri.Host}'; a store is a local folder (file:///path) or an S3 bucket.");
            }
            if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
            {
                throw Invalid(text, "A file URI for a store has no query or fragment.");
            }
            return Local(uri.LocalPath);
        }
        if (t.Contains("://", StringComparison.Ordinal) || t.Contains('?', StringComparison.Ordinal))
        {
            throw Invalid(text, "Only s3:// and file:// locations and folder paths are supported.");
        }
        if (t == "~" || t.StartsWith("~/", StringComparison.Ordinal) || t.StartsWith("~\\", StringComparison.Ordinal))
        {
            t = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), t.Length > 2 ? t[2..] : "");
        }
        return Local(t);
    }

    private static KgException Invalid(string text, string why) => new("InvalidStore", KgErrorKind.InvalidArgument,
        $"'{Identifiers.WikibaseId.Printable(text)}' is not a store location: {why} Use s3://bucket[/prefix] or a folder path.", text);

    public override string ToString() => Kind == StoreKind.S3
        ? "s3://" + Bucket + (Prefix.Length > 0 ? "/" + Prefix : "")
        : LocalPath;

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();
}
