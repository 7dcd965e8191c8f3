using System.Text.RegularExpressions;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Wikibase;

/// <summary>The Wikibase properties a concept is read from, as in the original (each overridable by the same
/// environment variable, such as <c>WIKIBASE_HAS_SUBCONCEPT_PROPERTY_ID</c>).</summary>
public sealed partial record WikibaseProperties
{
    public string HasSubconcept { get; init; } = "P1";
    public string SubconceptOf { get; init; } = "P2";
    public string RelatedConcept { get; init; } = "P3";
    public string Definition { get; init; } = "P7";
    public string NegativeLabel { get; init; } = "P9";
    public string NegativeConcept { get; init; } = "P11";
    public string ClassifierId { get; init; } = "P20";

    /// <summary>The defaults with the environment's overrides; a value that is not a property ID is an error naming it.</summary>
    public static WikibaseProperties FromEnvironment()
    {
        string Pick(string variable, string fallback)
        {
            var v = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrWhiteSpace(v))
            {
                return fallback;
            }
            v = v.Trim();
            return PropertyId().IsMatch(v) ? v : throw new KgException("InvalidWikibaseProperty", KgErrorKind.InvalidArgument,
                $"$env:{variable} is '{v}', which is not a Wikibase property ID: use P followed by a number, such as {fallback}.", v);
        }
        var d = new WikibaseProperties();
        return new WikibaseProperties
        {
            HasSubconcept = Pick("WIKIBASE_HAS_SUBCONCEPT_PROPERTY_ID", d.HasSubconcept),
            SubconceptOf = Pick("WIKIBASE_SUBCONCEPT_OF_PROPERTY_ID", d.SubconceptOf),
            RelatedConcept = Pick("WIKIBASE_RELATED_CONCEPT_PROPERTY_ID", d.RelatedConcept),
            Definition = Pick("WIKIBASE_DEFINITION_PROPERTY_ID", d.Definition),
            NegativeLabel = Pick("WIKIBASE_NEGATIVE_LABELS_PROPERTY_ID", d.NegativeLabel),
            NegativeConcept = Pick("WIKIBASE_NEGATIVE_CONCEPT_PROPERTY_ID", d.NegativeConcept),
            ClassifierId = Pick("WIKIBASE_CLASSIFIER_ID_PROPERTY_ID", d.ClassifierId),
        };
    }

    [GeneratedRegex(@"\AP[1-9][0-9]*\z")]
    private static partial Regex PropertyId();
}

/// <summary>How to reach the team's Wikibase: the URL (<c>$env:WIKIBASE_URL</c>, else <c>Set-KgEnvironment
/// -WikibaseUrl</c>), the user (<c>$env:WIKIBASE_USERNAME</c>, else the settings file) and the password, which is only
/// ever read from <c>$env:WIKIBASE_PASSWORD</c> when logging in: never stored, never shown. Without a user and password
/// the Wikibase is read anonymously (a public one allows that).</summary>
public sealed record WikibaseConfiguration
{
    public const string UrlVariable = "WIKIBASE_URL";
    public const string UsernameVariable = "WIKIBASE_USERNAME";
    public const string PasswordVariable = "WIKIBASE_PASSWORD";

    /// <summary>The base URL, without a trailing slash (the API is <c>{url}/w/api.php</c>).</summary>
    public required string Url { get; init; }
    public required string UrlSource { get; init; }
    public string? Username { get; init; }
    public WikibaseProperties Properties { get; init; } = new();

    /// <summary>The namespace of items (120 on wikibase.cloud, where item pages are titled <c>Item:Q123</c>).</summary>
    public int ItemNamespace { get; init; } = 120;

    public string ApiUrl => Url + "/w/api.php";
    public string SparqlUrl => Url + "/query/sparql";
    public string EntityPrefix => Url + "/entity/";
    public string DirectPropertyPrefix => Url + "/prop/direct/";

    /// <summary>What to check when the Wikibase refuses or cannot be found, for error messages.</summary>
    public string Hint => $"The Wikibase is {Url} ({UrlSource}); its API is {ApiUrl}. Credentials come from $env:{UsernameVariable} and $env:{PasswordVariable} (a bot password).";

    /// <summary>Reads the password when logging in (by default from $env:WIKIBASE_PASSWORD; null when not set). A function,
    /// so that the password is never held in the configuration, stored or shown.</summary>
    public Func<string?> Password { get; init; } = PasswordFromEnvironment;

    public static string? PasswordFromEnvironment()
    {
        var p = Environment.GetEnvironmentVariable(PasswordVariable);
        return string.IsNullOrEmpty(p) ? null : p;
    }

    /// <summary>The configured Wikibase, or null when no URL is set anywhere.</summary>
    public static WikibaseConfiguration? Resolve(KgSettings settings)
    {
        var (url, source) = FromEnvironmentOr(UrlVariable, settings.WikibaseUrl);
        if (url is null)
        {
            return null;
        }
        var (user, _) = FromEnvironmentOr(UsernameVariable, settings.WikibaseUsername);
        return new WikibaseConfiguration
        {
            Url = CheckUrl(url, source),
            UrlSource = source,
            Username = user,
            Properties = WikibaseProperties.FromEnvironment(),
        };
    }

    /// <summary>A Wikibase URL: http(s), no credentials, no query; the trailing slash is dropped (as the original does).</summary>
    public static string CheckUrl(string url, string origin)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new KgException("InvalidWikibaseUrl", KgErrorKind.InvalidArgument,
                $"'{Redact.Url(url)}' ({origin}) is not a Wikibase URL: use http(s)://host[/path], such as https://climatepolicyradar.wikibase.cloud.", Redact.Url(url));
        }
        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new KgException("InvalidWikibaseUrl", KgErrorKind.InvalidArgument,
                $"The Wikibase URL '{Redact.Url(url)}' ({origin}) must be the site's base URL, without credentials, query or fragment: the user and password come from ${UsernameVariable} and ${PasswordVariable}.", Redact.Url(url));
        }
        return uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    /// <summary>The folder of this Wikibase's cache under the home folder (one per host and port).</summary>
    public string CacheFolder
    {
        get
        {
            var uri = new Uri(Url);
            var name = uri.IsDefaultPort ? uri.Host : $"{uri.Host}_{uri.Port}";
            var path = uri.AbsolutePath.Trim('/');
            if (path.Length > 0)
            {
                name += "_" + string.Concat(path.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_'));
            }
            return Path.Combine(KgPaths.Home, "cache", "wikibase", name);
        }
    }

    private static (string? Value, string Source) FromEnvironmentOr(string variable, string? setting)
    {
        var v = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(v))
        {
            return (v.Trim(), "$env:" + variable);
        }
        return setting is null ? (null, "not set") : (setting, $"the settings file ({KgPaths.SettingsFile})");
    }
}
