using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KnowledgeGraph.StandIns;

/// <summary>A Wikibase as its APIs answer, for tests: the MediaWiki Action API at <c>/w/api.php</c> (format=json, the
/// default format version: revision content in <c>slots.main["*"]</c>) and a SPARQL endpoint at <c>/query/sparql</c>.
/// Items live in namespace 120 with page titles <c>Item:Q…</c>, as on wikibase.cloud. Written from MediaWiki's and
/// Wikibase's documentation of API:Tokens, API:Login (bot passwords), API:Revisions, API:Allpages, API:Logevents,
/// wbgetentities and the SPARQL 1.1 JSON results format.</summary>
public sealed partial class WikibaseStandIn : StandInServer
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Page> _pages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _loginTokens = new(StringComparer.Ordinal);
    private readonly HashSet<string> _loggedIn = new(StringComparer.Ordinal);
    private long _nextPage = 100;
    private long _nextRevision = 1000;

    public sealed class Page
    {
        public required string Id { get; init; }
        public required long PageId { get; init; }
        public List<(long Revision, DateTimeOffset Timestamp, string Content)> Revisions { get; } = [];
        public (DateTimeOffset Timestamp, string User, string Comment)? Deleted { get; set; }
        public string? RedirectTo => Revisions.Count == 0 ? null : RedirectOf(Revisions[^1].Content);
    }

    /// <summary>The bot password's user and password; when set, a client must log in before reading.</summary>
    public string? BotUser { get; set; }
    public string? BotPassword { get; set; }

    /// <summary>How many pages a listing returns at most, whatever aplimit asks (to make clients page).</summary>
    public int ListingPageSize { get; set; } = 500;

    /// <summary>Adds a revision to an item (creating its page), returning the revision ID.</summary>
    public long AddRevision(string id, string content, DateTimeOffset timestamp)
    {
        lock (_gate)
        {
            if (!_pages.TryGetValue(id, out var page))
            {
                page = _pages[id] = new Page { Id = id, PageId = _nextPage++ };
            }
            var revision = _nextRevision++;
            page.Revisions.Add((revision, timestamp, content));
            return revision;
        }
    }

    public long AddRevision(EntityJson entity, string id, DateTimeOffset timestamp) => AddRevision(id, entity.ToString(), timestamp);

    /// <summary>Turns an item into a redirect to another (a new revision whose content is the redirect).</summary>
    public long Redirect(string from, string to, DateTimeOffset timestamp) =>
        AddRevision(from, new JsonObject { ["entity"] = from, ["redirect"] = to }.ToJsonString(), timestamp);

    /// <summary>Deletes an item's page (its revisions are no longer served).</summary>
    public void Delete(string id, DateTimeOffset timestamp, string user, string comment)
    {
        lock (_gate)
        {
            _pages[id].Deleted = (timestamp, user, comment);
        }
    }

    protected override StandInResponse Handle(StandInRequest r)
    {
        lock (_gate)
        {
            return r.Path switch
            {
                "/w/api.php" => Api(r),
                "/query/sparql" => Sparql(r),
                _ => new StandInResponse(404, "{\"error\":\"no such path\"}"),
            };
        }
    }

    private StandInResponse Api(StandInRequest r)
    {
        var p = r.Method == "POST" ? r.Form : r.Query;
        if (p["format"] != "json")
        {
            return Reject(r, "format=json is required");
        }
        var action = p["action"];
        if (r.Method == "POST" && action != "login")
        {
            return Reject(r, $"POST is only expected for action=login, not {action}");
        }
        if (r.Method == "POST" && r.Query.Count > 0)
        {
            return Reject(r, "the login POST carries its parameters in the form body, not the URL (the password must never be in a URL)");
        }
        if (r.Method == "GET" && (p["lgpassword"] is not null || p["lgtoken"] is not null))
        {
            return Reject(r, "login parameters in a URL");
        }
        switch (action)
        {
            case "login":
                return r.Method == "POST" ? Login(r, p) : Reject(r, "action=login must be a POST");
            case "query" when p["meta"] == "tokens":
                return Tokens(r, p);
            case "query" when p["prop"] == "revisions":
                return ReadDenied(r) ?? Revisions(r, p);
            case "query" when p["list"] == "allpages":
                return ReadDenied(r) ?? AllPages(r, p);
            case "query" when p["list"] == "logevents":
                return ReadDenied(r) ?? LogEvents(r, p);
            case "wbgetentities":
                return ReadDenied(r) ?? GetEntities(r, p);
            default:
                return Reject(r, $"unexpected request (action={action})");
        }
    }

    /// <summary>A private wiki: reading needs a logged-in session (the API's readapidenied error otherwise).</summary>
    private StandInResponse? ReadDenied(StandInRequest r) =>
        BotUser is not null && !_loggedIn.Contains(r.SessionCookie!)
            ? StandInResponse.Json(new JsonObject { ["error"] = new JsonObject { ["code"] = "readapidenied", ["info"] = "You need read permission to use this module." } })
            : null;

    private StandInResponse Tokens(StandInRequest r, System.Collections.Specialized.NameValueCollection p)
    {
        if (!Only(p, "action", "meta", "type", "format"))
        {
            return Reject(r, "unexpected parameters for meta=tokens");
        }
        if (p["type"] == "login")
        {
            var token = Guid.NewGuid().ToString("N") + "+\\";
            _loginTokens[r.SessionCookie!] = token;
            return StandInResponse.Json(new JsonObject { ["batchcomplete"] = "", ["query"] = new JsonObject { ["tokens"] = new JsonObject { ["logintoken"] = token } } });
        }
        if (p["type"] is not (null or "csrf"))
        {
            return Reject(r, $"unexpected token type {p["type"]}");
        }
        // Anonymous sessions get the placeholder token "+\".
        var csrf = _loggedIn.Contains(r.SessionCookie!) ? "csrf" + r.SessionCookie + "+\\" : "+\\";
        return StandInResponse.Json(new JsonObject { ["batchcomplete"] = "", ["query"] = new JsonObject { ["tokens"] = new JsonObject { ["csrftoken"] = csrf } } });
    }

    private StandInResponse Login(StandInRequest r, System.Collections.Specialized.NameValueCollection p)
    {
        if (!Only(p, "action", "lgname", "lgpassword", "lgtoken", "format"))
        {
            return Reject(r, "unexpected parameters for action=login");
        }
        if (!_loginTokens.TryGetValue(r.SessionCookie!, out var token) || token != p["lgtoken"])
        {
            // MediaWiki: a login token of another session (or none) is a failed login, not an HTTP error.
            return StandInResponse.Json(new JsonObject { ["warnings"] = new JsonObject(), ["login"] = new JsonObject { ["result"] = "WrongToken" } });
        }
        if (p["lgname"] != BotUser || p["lgpassword"] != BotPassword)
        {
            return StandInResponse.Json(new JsonObject
            {
                ["login"] = new JsonObject { ["result"] = "Failed", ["reason"] = "Incorrect username or password entered. Please try again." },
            });
        }
        _loggedIn.Add(r.SessionCookie!);
        return StandInResponse.Json(new JsonObject { ["login"] = new JsonObject { ["result"] = "Success", ["lguserid"] = 7, ["lgusername"] = BotUser!.Split('@')[0] } });
    }

    private StandInResponse GetEntities(StandInRequest r, System.Collections.Specialized.NameValueCollection p)
    {
        if (!Only(p, "action", "ids", "props", "format") || p["props"] != "info")
        {
            return Reject(r, "wbgetentities is expected with ids and props=info only");
        }
        var ids = (p["ids"] ?? "").Split('|');
        if (ids.Length is 0 or > 50)
        {
            return Reject(r, $"wbgetentities takes 1 to 50 ids, not {ids.Length}");
        }
        var entities = new JsonObject();
        foreach (var id in ids)
        {
            if (!EntityId().IsMatch(id))
            {
                return StandInResponse.Json(new JsonObject { ["error"] = new JsonObject { ["code"] = "no-such-entity", ["info"] = $"Could not find an entity with the ID \"{id}\"." } });
            }
            if (!_pages.TryGetValue(id, out var page) || page.Deleted is not null)
            {
                entities[id] = new JsonObject { ["id"] = id, ["missing"] = "" };
                continue;
            }
            var target = page.RedirectTo;
            var shown = target is null ? page : _pages[target];
            var info = new JsonObject
            {
                ["pageid"] = shown.PageId,
                ["ns"] = 120,
                ["title"] = "Item:" + shown.Id,
                ["lastrevid"] = shown.Revisions[^1].Revision,
                ["modified"] = shown.Revisions[^1].Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["type"] = "item",
                ["id"] = shown.Id,
            };
            if (target is not null)
            {
                info["redirects"] = new JsonObject { ["from"] = id, ["to"] = target };
            }
            entities[id] = info;
        }
        return StandInResponse.Json(new JsonObject { ["entities"] = entities, ["success"] = 1 });
    }

    private StandInResponse Revisions(StandInRequest r, System.Collections.Specialized.NameValueCollection p)
    {
        if (p["rvslots"] != "main")
        {
            return Reject(r, "rvslots=main is required for the content of the main slot");
        }
        var props = (p["rvprop"] ?? "").Split('|');
        if (!props.Contains("content") || !props.Contains("ids") || !props.Contains("timestamp"))
        {
            return Reject(r, "rvprop must include content, ids and timestamp");
        }
        if (p["revids"] is { } revids)
        {
            if (!Only(p, "action", "revids", "prop", "rvprop", "rvslots", "format"))
            {
                return Reject(r, "unexpected parameters with revids (rvdir, rvlimit and rvstart are not allowed with revids)");
            }
            var rev = long.Parse(revids, CultureInfo.InvariantCulture);
            foreach (var page in _pages.Values.Where(x => x.Deleted is null))
            {
                var found = page.Revisions.FindIndex(x => x.Revision == rev);
                if (found >= 0)
                {
                    return RevisionAnswer(page, page.Revisions[found]);
                }
            }
            return StandInResponse.Json(new JsonObject { ["batchcomplete"] = "", ["query"] = new JsonObject { ["badrevids"] = new JsonObject { [revids] = new JsonObject { ["revid"] = rev, ["missing"] = "" } } } });
        }
        if (!Only(p, "action", "pageids", "prop", "rvprop", "rvslots", "rvdir", "rvlimit", "rvstart", "format")
            || p["rvdir"] != "older" || p["rvlimit"] != "1" || p["pageids"] is null)
        {
            return Reject(r, "a revision by page is expected as pageids with rvdir=older&rvlimit=1 (and rvstart)");
        }
        var pageId = long.Parse(p["pageids"]!, CultureInfo.InvariantCulture);
        var match = _pages.Values.FirstOrDefault(x => x.PageId == pageId && x.Deleted is null);
        if (match is null)
        {
            return StandInResponse.Json(new JsonObject { ["batchcomplete"] = "", ["query"] = new JsonObject { ["pages"] = new JsonObject { [p["pageids"]!] = new JsonObject { ["pageid"] = pageId, ["missing"] = "" } } } });
        }
        var start = DateTimeOffset.MaxValue;
        if (p["rvstart"] is { } rvstart && !DateTimeOffset.TryParseExact(rvstart, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out start))
        {
            return Reject(r, $"rvstart '{rvstart}' is not an ISO 8601 timestamp such as 2024-01-01T00:00:00Z");
        }
        var at = match.Revisions.Where(x => x.Timestamp <= start).OrderByDescending(x => x.Revision).Cast<(long, DateTimeOffset, string)?>().FirstOrDefault();
        return at is null
            ? StandInResponse.Json(new JsonObject { ["batchcomplete"] = "", ["query"] = new JsonObject { ["pages"] = new JsonObject { [pageId.ToString(CultureInfo.InvariantCulture)] = PageHeader(match) } } })
            : RevisionAnswer(match, at.Value);
    }

    private static JsonObject PageHeader(Page page) => new() { ["pageid"] = page.PageId, ["ns"] = 120, ["title"] = "Item:" + page.Id };

    private static StandInResponse RevisionAnswer(Page page, (long Revision, DateTimeOffset Timestamp, string Content) rev)
    {
        var header = PageHeader(page);
        header["revisions"] = new JsonArray(new JsonObject
        {
            ["revid"] = rev.Revision,
            ["parentid"] = page.Revisions.Where(x => x.Revision < rev.Revision).Select(x => x.Revision).DefaultIfEmpty(0).Max(),
            ["timestamp"] = rev.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["slots"] = new JsonObject
            {
                ["main"] = new JsonObject { ["contentmodel"] = "wikibase-item", ["contentformat"] = "application/json", ["*"] = rev.Content },
            },
        });
        return StandInResponse.Json(new JsonObject
        {
            ["batchcomplete"] = "",
            ["query"] = new JsonObject { ["pages"] = new JsonObject { [page.PageId.ToString(CultureInfo.InvariantCulture)] = header } },
        });
    }

    private StandInResponse AllPages(StandInRequest r, System.Collections.Specialized.NameValueCollection p)
    {
        if (!Only(p, "action", "list", "apnamespace", "aplimit", "apfilterredir", "apcontinue", "continue", "format")
            || p["apnamespace"] != "120" || p["apfilterredir"] != "nonredirects")
        {
            return Reject(r, "allpages is expected with apnamespace=120&apfilterredir=nonredirects");
        }
        if ((p["apcontinue"] is null) != (p["continue"] is null))
        {
            return Reject(r, "apcontinue and continue come together, as the previous answer's continue object gave them");
        }
        if (!int.TryParse(p["aplimit"], out var limit) || limit is < 1 or > 500)
        {
            return Reject(r, "aplimit must be 1 to 500");
        }
        limit = Math.Min(limit, ListingPageSize);
        // Titles in the order MediaWiki lists them (by title, as strings).
        var titles = _pages.Values.Where(x => x.Deleted is null && x.RedirectTo is null).Select(x => x.Id).Order(StringComparer.Ordinal).ToList();
        var from = p["apcontinue"] is { } c ? titles.FindIndex(t => string.CompareOrdinal(t, c) >= 0) : 0;
        if (from < 0)
        {
            from = titles.Count;
        }
        var slice = titles.Skip(from).Take(limit).ToList();
        var answer = new JsonObject
        {
            ["batchcomplete"] = "",
            ["query"] = new JsonObject { ["allpages"] = new JsonArray([.. slice.Select(t => (JsonNode)new JsonObject { ["pageid"] = _pages[t].PageId, ["ns"] = 120, ["title"] = "Item:" + t })]) },
        };
        if (from + limit < titles.Count)
        {
            answer["continue"] = new JsonObject { ["apcontinue"] = titles[from + limit], ["continue"] = "-||" };
        }
        return StandInResponse.Json(answer);
    }

    private StandInResponse LogEvents(StandInRequest r, System.Collections.Specialized.NameValueCollection p)
    {
        if (!Only(p, "action", "list", "letype", "letitle", "lelimit", "format") || p["letype"] != "delete")
        {
            return Reject(r, "logevents is expected with letype=delete&letitle=...");
        }
        var id = (p["letitle"] ?? "").Replace("Item:", "", StringComparison.Ordinal);
        var events = new JsonArray();
        if (_pages.TryGetValue(id, out var page) && page.Deleted is { } d)
        {
            events.Add(new JsonObject
            {
                ["logid"] = 1, ["ns"] = 120, ["title"] = "Item:" + id, ["pageid"] = 0, ["logpage"] = 0, ["params"] = new JsonObject(),
                ["type"] = "delete", ["action"] = "delete", ["user"] = d.User,
                ["timestamp"] = d.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), ["comment"] = d.Comment,
            });
        }
        return StandInResponse.Json(new JsonObject { ["batchcomplete"] = "", ["query"] = new JsonObject { ["logevents"] = events } });
    }

    /// <summary>The one query shape the original sends: <c>ent:Q dp:P+ ?entity</c>, with the entity and direct-property
    /// prefixes of this Wikibase; the path is followed over the latest revisions, stopping at items already reached.</summary>
    private StandInResponse Sparql(StandInRequest r)
    {
        if (r.Method != "GET" || r.Query["format"] != "json")
        {
            return Reject(r, "SPARQL is expected as GET ?query=...&format=json");
        }
        if (!(r.Headers["Accept"] ?? "").Contains("application/sparql-results+json", StringComparison.Ordinal))
        {
            return Reject(r, "the Accept header should ask for application/sparql-results+json");
        }
        var query = r.Query["query"] ?? "";
        var ent = Regex.Match(query, @"PREFIX\s+ent:\s*<([^>]+)>");
        var dp = Regex.Match(query, @"PREFIX\s+dp:\s*<([^>]+)>");
        var pattern = Regex.Match(query, @"SELECT\s+\?entity\s+WHERE\s*\{\s*ent:(Q\d+)\s+dp:(P\d+)\+\s+\?entity\s*\.\s*\}");
        if (!ent.Success || ent.Groups[1].Value != Url + "/entity/" || !dp.Success || dp.Groups[1].Value != Url + "/prop/direct/" || !pattern.Success)
        {
            return Reject(r, "unexpected SPARQL query (prefixes or pattern)");
        }
        var start = pattern.Groups[1].Value;
        var property = pattern.Groups[2].Value;
        var reached = new List<string>();
        var queue = new Queue<string>([start]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (queue.Count > 0)
        {
            foreach (var next in Targets(queue.Dequeue(), property))
            {
                if (seen.Add(next))
                {
                    reached.Add(next);
                    queue.Enqueue(next);
                }
            }
        }
        return StandInResponse.Json(new JsonObject
        {
            ["head"] = new JsonObject { ["vars"] = new JsonArray("entity") },
            ["results"] = new JsonObject
            {
                ["bindings"] = new JsonArray([.. reached.Select(x => (JsonNode)new JsonObject
                {
                    ["entity"] = new JsonObject { ["type"] = "uri", ["value"] = Url + "/entity/" + x },
                })]),
            },
        });
    }

    private IEnumerable<string> Targets(string id, string property)
    {
        if (!_pages.TryGetValue(id, out var page) || page.Deleted is not null || page.Revisions.Count == 0)
        {
            yield break;
        }
        JsonNode? entity;
        try
        {
            entity = JsonNode.Parse(page.Revisions[^1].Content);
        }
        catch (JsonException)
        {
            yield break;
        }
        if (entity?["claims"] is JsonObject claims && claims[property] is JsonArray statements)
        {
            foreach (var s in statements)
            {
                if (s?["mainsnak"]?["datavalue"]?["value"]?["id"]?.GetValue<string>() is { } target)
                {
                    yield return target;
                }
            }
        }
    }

    private static string? RedirectOf(string content)
    {
        try
        {
            return JsonNode.Parse(content) is JsonObject o && o["redirect"] is JsonValue v ? v.GetValue<string>() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool Only(System.Collections.Specialized.NameValueCollection p, params string[] allowed) =>
        p.AllKeys.All(k => k is not null && allowed.Contains(k));

    [GeneratedRegex(@"\A[QP][1-9][0-9]*\z")]
    private static partial Regex EntityId();
}
