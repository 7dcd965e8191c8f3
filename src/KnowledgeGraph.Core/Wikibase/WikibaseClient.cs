using System.Globalization;
using System.Net;
using System.Text.Json;
using KnowledgeGraph.Http;

namespace KnowledgeGraph.Wikibase;

/// <summary>What <c>wbgetentities&amp;props=info</c> says about an ID: its page and latest revision, that it is missing
/// (never created, or deleted), or that it redirects to another item.</summary>
public sealed record EntityInfo(string Id, long? PageId, string? Title, long? LastRevision, bool Missing, string? RedirectTo, string? Type);

/// <summary>The MediaWiki Action API and SPARQL endpoint of a Wikibase, as the original uses them (original-models.md
/// §5): a login token, a bot-password login, a CSRF token (for the session; this module never writes), entity info in
/// batches of 50, an item's content at a revision or at a time, the item listing with <c>continue</c> paging, and
/// transitive relations through SPARQL. Cookies keep the session; retries and Retry-After are the handler's.</summary>
public sealed class WikibaseClient : IDisposable
{
    private const int BatchSize = 50;
    private const int PageSize = 500;
    private const int MaxPages = 2000;
    private readonly WikibaseConfiguration _config;
    private readonly JsonHttp _http;
    private readonly Action<string> _debug;
    private readonly SemaphoreSlim _loginGate = new(1, 1);
    private bool _loggedIn;

    /// <param name="handler">The retrying handler chain; its innermost handler must keep cookies.</param>
    public WikibaseClient(WikibaseConfiguration config, HttpMessageHandler handler, Action<string>? debug = null)
    {
        _config = config;
        _debug = debug ?? (_ => { });
        _http = new JsonHttp(handler, "Wikibase", "Wikibase", config.Hint, _debug);
    }

    public WikibaseConfiguration Configuration => _config;

    /// <summary>The CSRF token of the session (after login); kept for writes, which this module does not make.</summary>
    public string? CsrfToken { get; private set; }

    /// <summary>Logs in once, when credentials are configured: a login token, the bot-password login (its result must be
    /// Success), then the session's CSRF token. Without a user, reads are anonymous.</summary>
    public async Task EnsureLoggedInAsync(CancellationToken ct)
    {
        if (_loggedIn)
        {
            return;
        }
        await _loginGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_loggedIn)
            {
                return;
            }
            var user = _config.Username;
            var password = _config.Password();
            if (user is null && password is null)
            {
                _debug($"Wikibase: no ${WikibaseConfiguration.UsernameVariable}/${WikibaseConfiguration.PasswordVariable}: reading anonymously.");
                _loggedIn = true;
                return;
            }
            if (user is null || password is null)
            {
                throw new KgException("WikibaseCredentialsIncomplete", KgErrorKind.AuthenticationError,
                    user is null
                        ? $"${WikibaseConfiguration.PasswordVariable} is set but no user is: set ${WikibaseConfiguration.UsernameVariable} (or Set-KgEnvironment -WikibaseUsername) to the bot password's user, such as 'Name@bot'."
                        : $"The Wikibase user is '{user}' but $env:{WikibaseConfiguration.PasswordVariable} is not set: the password is only ever read from that variable.",
                    _config.Url);
            }
            using (var tokens = await ApiGetAsync(ct, ("action", "query"), ("meta", "tokens"), ("type", "login")).ConfigureAwait(false))
            {
                var loginToken = Path(tokens.RootElement, "query", "tokens", "logintoken")?.GetString()
                    ?? throw Invalid("the login token answer has no query.tokens.logintoken");
                using var login = await ApiPostAsync(ct, ("action", "login"), ("lgname", user), ("lgpassword", password), ("lgtoken", loginToken)).ConfigureAwait(false);
                var result = Path(login.RootElement, "login", "result")?.GetString();
                if (result != "Success")
                {
                    var reason = Path(login.RootElement, "login", "reason")?.GetString();
                    throw new KgException("WikibaseLoginFailed", KgErrorKind.AuthenticationError,
                        $"Logging in to {_config.Url} as '{user}' failed ({result ?? "no result"}{(reason is null ? "" : ": " + reason)}). Use a bot password (Special:BotPasswords): ${WikibaseConfiguration.UsernameVariable} 'Name@bot' and ${WikibaseConfiguration.PasswordVariable} its password.",
                        user);
                }
            }
            using (var csrf = await ApiGetAsync(ct, ("action", "query"), ("meta", "tokens")).ConfigureAwait(false))
            {
                CsrfToken = Path(csrf.RootElement, "query", "tokens", "csrftoken")?.GetString()
                    ?? throw Invalid("the token answer has no query.tokens.csrftoken");
            }
            _debug($"Wikibase: logged in to {_config.Url} as '{user}'.");
            _loggedIn = true;
        }
        finally
        {
            _loginGate.Release();
        }
    }

    /// <summary>Entity info for IDs, in batches of 50; every ID asked for is in the result.</summary>
    public async Task<IReadOnlyDictionary<string, EntityInfo>> GetEntityInfoAsync(IEnumerable<string> ids, CancellationToken ct)
    {
        await EnsureLoggedInAsync(ct).ConfigureAwait(false);
        var result = new Dictionary<string, EntityInfo>(StringComparer.Ordinal);
        foreach (var batch in ids.Distinct(StringComparer.Ordinal).Chunk(BatchSize))
        {
            using var doc = await ApiGetAsync(ct, ("action", "wbgetentities"), ("ids", string.Join('|', batch)), ("props", "info")).ConfigureAwait(false);
            var entities = Path(doc.RootElement, "entities");
            foreach (var id in batch)
            {
                JsonElement entity = default;
                var found = entities is { ValueKind: JsonValueKind.Object } map && map.TryGetProperty(id, out entity);
                if (!found && entities is { ValueKind: JsonValueKind.Object } all)
                {
                    // Some versions key a redirected entity by its target: find it by its redirects.from.
                    foreach (var candidate in all.EnumerateObject())
                    {
                        if (Path(candidate.Value, "redirects", "from")?.GetString() == id)
                        {
                            entity = candidate.Value;
                            found = true;
                        }
                    }
                }
                if (!found || entity.ValueKind != JsonValueKind.Object)
                {
                    result[id] = new EntityInfo(id, null, null, null, true, null, null);
                    continue;
                }
                var redirect = Path(entity, "redirects", "to")?.GetString();
                result[id] = new EntityInfo(
                    id,
                    Path(entity, "pageid") is { ValueKind: JsonValueKind.Number } p ? p.GetInt64() : null,
                    Path(entity, "title")?.GetString(),
                    Path(entity, "lastrevid") is { ValueKind: JsonValueKind.Number } r ? r.GetInt64() : null,
                    entity.TryGetProperty("missing", out _),
                    redirect == id ? null : redirect,
                    Path(entity, "type")?.GetString());
            }
        }
        return result;
    }

    /// <summary>The item's latest revision at or before <paramref name="asOf"/> (the latest when null); null when the page
    /// has no revision that early.</summary>
    public async Task<EntityRevision?> GetRevisionAsync(string id, long pageId, DateTimeOffset? asOf, CancellationToken ct)
    {
        await EnsureLoggedInAsync(ct).ConfigureAwait(false);
        var query = new List<(string, string)>
        {
            ("action", "query"), ("pageids", pageId.ToString(CultureInfo.InvariantCulture)), ("prop", "revisions"),
            ("rvdir", "older"), ("rvlimit", "1"), ("rvprop", "content|ids|timestamp"), ("rvslots", "main"),
        };
        if (asOf is { } t)
        {
            query.Add(("rvstart", t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)));
        }
        using var doc = await ApiGetAsync(ct, [.. query]).ConfigureAwait(false);
        return ReadRevision(doc.RootElement, id);
    }

    /// <summary>A revision by its ID, with the page it belongs to; null when there is no such revision.</summary>
    public async Task<(EntityRevision Revision, string Title)?> GetRevisionByIdAsync(string id, long revisionId, CancellationToken ct)
    {
        await EnsureLoggedInAsync(ct).ConfigureAwait(false);
        using var doc = await ApiGetAsync(ct, ("action", "query"), ("revids", revisionId.ToString(CultureInfo.InvariantCulture)),
            ("prop", "revisions"), ("rvprop", "content|ids|timestamp"), ("rvslots", "main")).ConfigureAwait(false);
        if (Path(doc.RootElement, "query", "badrevids") is { ValueKind: JsonValueKind.Object })
        {
            return null;
        }
        var page = FirstPage(doc.RootElement);
        if (page is null)
        {
            return null;
        }
        var title = Path(page.Value, "title")?.GetString() ?? "";
        var revision = ReadRevision(doc.RootElement, id);
        return revision is null ? null : (revision, title);
    }

    /// <summary>The most recent deletion of the item's page (time, user, comment), or null when there is none.</summary>
    public async Task<(string Timestamp, string? User, string? Comment)?> GetDeletionAsync(string id, CancellationToken ct)
    {
        await EnsureLoggedInAsync(ct).ConfigureAwait(false);
        using var doc = await ApiGetAsync(ct, ("action", "query"), ("list", "logevents"), ("letype", "delete"),
            ("letitle", TitleOf(id)), ("lelimit", "1")).ConfigureAwait(false);
        if (Path(doc.RootElement, "query", "logevents") is { ValueKind: JsonValueKind.Array } events && events.GetArrayLength() > 0)
        {
            var e = events[0];
            if (Path(e, "action")?.GetString() is "delete")
            {
                return (Path(e, "timestamp")?.GetString() ?? "an unknown time", Path(e, "user")?.GetString(), Path(e, "comment")?.GetString());
            }
        }
        return null;
    }

    /// <summary>Every item (not redirect) in the item namespace, following <c>continue</c> until the listing ends.</summary>
    public async Task<IReadOnlyList<string>> ListItemIdsAsync(CancellationToken ct)
    {
        await EnsureLoggedInAsync(ct).ConfigureAwait(false);
        var parameters = new List<(string, string)>
        {
            ("action", "query"), ("list", "allpages"), ("apnamespace", _config.ItemNamespace.ToString(CultureInfo.InvariantCulture)),
            ("aplimit", PageSize.ToString(CultureInfo.InvariantCulture)), ("apfilterredir", "nonredirects"),
        };
        var ids = new List<string>();
        for (var page = 0; page < MaxPages; page++)
        {
            using var doc = await ApiGetAsync(ct, [.. parameters]).ConfigureAwait(false);
            if (Path(doc.RootElement, "query", "allpages") is not { ValueKind: JsonValueKind.Array } pages)
            {
                throw Invalid("the page listing has no query.allpages");
            }
            foreach (var p in pages.EnumerateArray())
            {
                var title = Path(p, "title")?.GetString();
                var id = title is null ? null : title.StartsWith("Item:", StringComparison.Ordinal) ? title[5..] : title;
                if (Identifiers.WikibaseId.IsValid(id))
                {
                    ids.Add(id!);
                }
            }
            if (Path(doc.RootElement, "continue") is not { ValueKind: JsonValueKind.Object } next)
            {
                return ids;
            }
            // The continue object's members go into the next request as they are (apcontinue, continue).
            foreach (var member in next.EnumerateObject())
            {
                parameters.RemoveAll(x => x.Item1 == member.Name);
                parameters.Add((member.Name, member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString()! : member.Value.GetRawText()));
            }
        }
        throw new KgException("WikibaseListingTooLong", KgErrorKind.LimitsExceeded,
            $"Listing the items of {_config.Url} took more than {MaxPages} pages of {PageSize}; stopped.", _config.Url);
    }

    /// <summary>Every item reachable from <paramref name="id"/> through one or more <paramref name="property"/> statements
    /// (SPARQL <c>ent:Q dp:P+ ?entity</c>; the path operator stops at cycles), as IDs.</summary>
    public async Task<IReadOnlyList<string>> GetTransitiveAsync(string id, string property, CancellationToken ct)
    {
        await EnsureLoggedInAsync(ct).ConfigureAwait(false);
        var query = $"PREFIX ent: <{_config.EntityPrefix}>\nPREFIX dp: <{_config.DirectPropertyPrefix}>\nSELECT ?entity WHERE {{\n  ent:{id} dp:{property}+ ?entity.\n}}";
        using var doc = await _http.SendAsync(() =>
        {
            var m = new HttpRequestMessage(HttpMethod.Get, _config.SparqlUrl + "?" + Encode([("query", query), ("format", "json")]));
            m.Headers.Accept.ParseAdd("application/sparql-results+json");
            return m;
        }, ct).ConfigureAwait(false);
        if (Path(doc!.RootElement, "results", "bindings") is not { ValueKind: JsonValueKind.Array } bindings)
        {
            throw Invalid("the SPARQL answer has no results.bindings");
        }
        var ids = new List<string>();
        foreach (var b in bindings.EnumerateArray())
        {
            var uri = Path(b, "entity", "value")?.GetString();
            var last = uri?[(uri.LastIndexOf('/') + 1)..];
            if (!Identifiers.WikibaseId.IsValid(last))
            {
                throw Invalid($"a SPARQL binding names '{uri}', which is not an item URI");
            }
            ids.Add(last!);
        }
        return ids;
    }

    public string TitleOf(string id) => _config.ItemNamespace == 0 ? id : "Item:" + id;

    private static EntityRevision? ReadRevision(JsonElement root, string id)
    {
        var page = FirstPage(root);
        if (page is null || page.Value.TryGetProperty("missing", out _))
        {
            return null;
        }
        if (Path(page.Value, "revisions") is not { ValueKind: JsonValueKind.Array } revisions || revisions.GetArrayLength() == 0)
        {
            return null;
        }
        var r = revisions[0];
        var content = Path(r, "slots", "main", "*")?.GetString() ?? Path(r, "slots", "main", "content")?.GetString();
        if (Path(r, "revid") is not { ValueKind: JsonValueKind.Number } revid || content is null)
        {
            throw new KgException("WikibaseInvalidResponse", KgErrorKind.InvalidData,
                $"The Wikibase's revision of {id} has no revid or no main-slot content (was rvslots=main honoured?).", id);
        }
        var timestamp = Path(r, "timestamp")?.GetString() is { } t && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ts)
            ? ts.ToUniversalTime()
            : throw new KgException("WikibaseInvalidResponse", KgErrorKind.InvalidData, $"The Wikibase's revision of {id} has no valid timestamp.", id);
        var pageId = Path(page.Value, "pageid") is { ValueKind: JsonValueKind.Number } p ? p.GetInt64() : 0;
        return new EntityRevision(id, pageId, revid.GetInt64(), timestamp, content);
    }

    private static JsonElement? FirstPage(JsonElement root)
    {
        if (Path(root, "query", "pages") is not { } pages)
        {
            return null;
        }
        if (pages.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in pages.EnumerateObject())
            {
                return p.Value;
            }
        }
        if (pages.ValueKind == JsonValueKind.Array && pages.GetArrayLength() > 0)
        {
            return pages[0];
        }
        return null;
    }

    private Task<JsonDocument> ApiGetAsync(CancellationToken ct, params (string Name, string Value)[] parameters) =>
        CheckedAsync(() => new HttpRequestMessage(HttpMethod.Get, _config.ApiUrl + "?" + Encode([.. parameters, ("format", "json")])), ct);

    private Task<JsonDocument> ApiPostAsync(CancellationToken ct, params (string Name, string Value)[] form) =>
        CheckedAsync(() => new HttpRequestMessage(HttpMethod.Post, _config.ApiUrl)
        {
            Content = new FormUrlEncodedContent([.. form.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)), new("format", "json")]),
        }, ct);

    /// <summary>An API answer; its <c>error</c> object becomes an error naming the code and the API's explanation.</summary>
    private async Task<JsonDocument> CheckedAsync(Func<HttpRequestMessage> request, CancellationToken ct)
    {
        var doc = (await _http.SendAsync(request, ct).ConfigureAwait(false))!;
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            doc.Dispose();
            throw Invalid("the answer is not a JSON object");
        }
        if (doc.RootElement.TryGetProperty("error", out var error))
        {
            var code = Path(error, "code")?.GetString() ?? "unknown";
            var info = Path(error, "info")?.GetString() ?? error.GetRawText();
            doc.Dispose();
            throw code is "readapidenied" or "permissiondenied" or "assertuserfailed" or "assertbotfailed"
                ? new KgException("WikibaseAccessDenied", KgErrorKind.PermissionDenied, $"The Wikibase at {_config.Url} refused: {info} ({code}). {_config.Hint}", _config.Url)
                : new KgException("WikibaseApiError", KgErrorKind.InvalidOperation, $"The Wikibase API at {_config.ApiUrl} answered an error: {info} ({code}).", code);
        }
        if (doc.RootElement.TryGetProperty("warnings", out var warnings))
        {
            _debug($"Wikibase API warnings: {warnings.GetRawText()}");
        }
        return doc;
    }

    private KgException Invalid(string what) =>
        new("WikibaseInvalidResponse", KgErrorKind.InvalidData, $"The Wikibase at {_config.Url} answered unexpectedly: {what}. Is {_config.ApiUrl} a MediaWiki API?", _config.Url);

    private static string Encode(IEnumerable<(string Name, string Value)> parameters) =>
        string.Join('&', parameters.Select(p => WebUtility.UrlEncode(p.Name) + "=" + Uri.EscapeDataString(p.Value)));

    internal static JsonElement? Path(JsonElement e, params string[] names)
    {
        foreach (var name in names)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out e))
            {
                return null;
            }
        }
        return e.ValueKind == JsonValueKind.Null ? null : e;
    }

    public void Dispose()
    {
        _http.Dispose();
        _loginGate.Dispose();
    }
}
