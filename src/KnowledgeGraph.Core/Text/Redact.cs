using System.Text.RegularExpressions;

namespace KnowledgeGraph.Text;

/// <summary>Keeps secrets out of messages: credentials written into a URL (<c>http://user:password@host</c>) are masked
/// wherever a URL is shown.</summary>
public static partial class Redact
{
    public static string Url(string? url) => url is null ? "" : UserInfo().Replace(url, "${scheme}***@");

    public static bool HasUserInfo(string? url) => url is not null && UserInfo().IsMatch(url);

    [GeneratedRegex(@"(?<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]*@")]
    private static partial Regex UserInfo();
}
