using System.Globalization;
using System.Text.Json;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Http;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Argilla;

/// <summary>Where the team's Argilla is: <c>$env:ARGILLA_API_URL</c> and <c>$env:ARGILLA_API_KEY</c> (sent as the
/// <c>X-Argilla-Api-Key</c> header, never shown), and the workspace of the concept datasets (<c>$env:ARGILLA_WORKSPACE</c>,
/// else <c>knowledge-graph</c>, as in the original).</summary>
public sealed record ArgillaConfiguration
{
    public const string UrlVariable = "ARGILLA_API_URL";
    public const string KeyVariable = "ARGILLA_API_KEY";
    public const string WorkspaceVariable = "ARGILLA_WORKSPACE";
    public const string DefaultWorkspace = "knowledge-graph";

    public required string Url { get; init; }
    public string Workspace { get; init; } = DefaultWorkspace;

    public string Hint => $"Argilla is {Url} ($env:{UrlVariable}); the API key comes from $env:{KeyVariable} and the workspace is '{Workspace}'.";

    /// <summary>The configured Argilla, or null when <c>$env:ARGILLA_API_URL</c> is not set.</summary>
    public static ArgillaConfiguration? FromEnvironment()
    {
        var url = Environment.GetEnvironmentVariable(UrlVariable);
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0)
        {
            throw new KgException("InvalidArgillaUrl", KgErrorKind.InvalidArgument,
                $"$env:{UrlVariable} is '{Redact.Url(url)}', which is not an Argilla URL: use http(s)://host[:port] without credentials (the key goes in $env:{KeyVariable}).", Redact.Url(url));
        }
        var workspace = Environment.GetEnvironmentVariable(WorkspaceVariable);
        return new ArgillaConfiguration
        {
            Url = uri.GetLeftPart(UriPartial.Path).TrimEnd('/'),
            Workspace = string.IsNullOrWhiteSpace(workspace) ? DefaultWorkspace : workspace.Trim(),
        };
    }

    /// <summary>Reads the API key when a request is made (by default from $env:ARGILLA_API_KEY), so that it is never held
    /// in the configuration, stored or shown.</summary>
    public Func<string?> Key { get; init; } = KeyFromEnvironment;

    public static string? KeyFromEnvironment()
    {
        var k = Environment.GetEnvironmentVariable(KeyVariable);
        return string.IsNullOrEmpty(k) ? null : k;
    }

    public string CacheFolder
    {
        get
        {
            var uri = new Uri(Url);
            var host = uri.IsDefaultPort ? uri.Host : $"{uri.Host}_{uri.Port}";
            return Path.Combine(Configuration.KgPaths.Home, "cache", "argilla", host, string.Concat(Workspace.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')));
        }
    }
}

/// <summary>Reads a concept's human-labelled passages from Argilla's v1 REST API, read-only, as the original's
/// <c>get_labelled_passages</c> builds them (original-models.md §1.5): the workspace by name
/// (<c>/api/v1/me/workspaces</c>), the dataset named after the Wikibase ID in it (<c>/api/v1/me/datasets</c>), its
/// records with their responses, a page at a time (<c>/api/v1/datasets/{id}/records?include=responses</c>); each
/// submitted response is a passage whose spans carry the annotator's user name (<c>/api/v1/users/{id}</c>) as labeller
/// and the record's update time (else its creation time) as timestamp; passages of the same text are then merged, their
/// spans concatenated and the first record's metadata kept. A text every annotator submitted without spans is a negative.</summary>
public sealed class ArgillaClient : IDisposable
{
    private const int PageSize = 200;
    private readonly ArgillaConfiguration _config;
    private readonly JsonHttp _http;
    private readonly Dictionary<string, string> _users = new(StringComparer.Ordinal);

    public ArgillaClient(ArgillaConfiguration config, HttpMessageHandler handler, Action<string>? debug = null)
    {
        _config = config;
        _http = new JsonHttp(handler, "Argilla", "Argilla", config.Hint, debug);
    }

    /// <summary>The concept's labelled passages; null when its workspace has no dataset named after it.</summary>
    public async Task<IReadOnlyList<LabelledPassage>?> GetLabelledPassagesAsync(string wikibaseId, CancellationToken ct)
    {
        var key = _config.Key() ?? throw new KgException("ArgillaKeyMissing", KgErrorKind.AuthenticationError,
            $"Reading labelled passages from Argilla needs an API key in $env:{ArgillaConfiguration.KeyVariable}. {_config.Hint}", _config.Url);
        using var workspaces = await GetAsync("/api/v1/me/workspaces", key, ct).ConfigureAwait(false);
        var workspace = Items(workspaces!, "workspaces").FirstOrDefault(w => Str(w, "name") == _config.Workspace);
        if (workspace.ValueKind != JsonValueKind.Object)
        {
            var names = string.Join(", ", Items(workspaces!, "workspaces").Select(w => Str(w, "name")));
            throw new KgException("ArgillaWorkspaceNotFound", KgErrorKind.ObjectNotFound,
                $"Argilla at {_config.Url} has no workspace '{_config.Workspace}' that this key can read (it can read: {(names.Length == 0 ? "none" : names)}). Set $env:{ArgillaConfiguration.WorkspaceVariable} to the right one.", _config.Workspace);
        }
        var workspaceId = Str(workspace, "id");
        using var datasets = await GetAsync("/api/v1/me/datasets", key, ct).ConfigureAwait(false);
        var dataset = Items(datasets!, "datasets").FirstOrDefault(d => Str(d, "name") == wikibaseId && Str(d, "workspace_id") == workspaceId);
        if (dataset.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var datasetId = Str(dataset, "id") ?? throw Invalid("a dataset has no id");
        var passages = new List<LabelledPassage>();
        // Pages by offset until the total is reached (or, without a total, an empty page): a server may return fewer
        // records than asked for.
        for (var offset = 0; ;)
        {
            using var page = await GetAsync($"/api/v1/datasets/{Uri.EscapeDataString(datasetId)}/records?include=responses&offset={offset}&limit={PageSize}", key, ct).ConfigureAwait(false);
            var records = Items(page!, "records").ToList();
            foreach (var record in records)
            {
                await AddPassagesAsync(record, key, passages, ct).ConfigureAwait(false);
            }
            var total = page!.RootElement.TryGetProperty("total", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt32() : (int?)null;
            offset += records.Count;
            if (records.Count == 0 || (total is { } n && offset >= n))
            {
                break;
            }
        }
        return Consolidate(passages);
    }

    private async Task AddPassagesAsync(JsonElement record, string key, List<LabelledPassage> passages, CancellationToken ct)
    {
        var recordId = Str(record, "id") ?? "?";
        var text = record.TryGetProperty("fields", out var fields) && fields.ValueKind == JsonValueKind.Object ? Str(fields, "text") : null;
        if (string.IsNullOrEmpty(text))
        {
            return;
        }
        var timestamp = Str(record, "updated_at") ?? Str(record, "inserted_at");
        var metadata = record.TryGetProperty("metadata", out var md) && md.ValueKind == JsonValueKind.Object
            ? JsonValues.ToDictionary(md)
            : new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        if (!record.TryGetProperty("responses", out var responses) || responses.ValueKind != JsonValueKind.Array)
        {
            return;
        }
        foreach (var response in responses.EnumerateArray())
        {
            if (Str(response, "status") != "submitted")
            {
                continue;
            }
            var labeller = await UserNameAsync(Str(response, "user_id"), key, ct).ConfigureAwait(false);
            try
            {
                var spans = new List<Span>();
                if (response.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Object)
                {
                    foreach (var question in values.EnumerateObject())
                    {
                        if (!question.Value.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Array)
                        {
                            continue; // not a span question
                        }
                        foreach (var item in value.EnumerateArray())
                        {
                            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("start", out var start) || !item.TryGetProperty("end", out var end))
                            {
                                continue; // a ranking or multi-label answer, not a span
                            }
                            spans.Add(new Span(text, start.GetInt32(), end.GetInt32(), Str(item, "label"), [labeller], timestamp is null ? [] : [timestamp]));
                        }
                    }
                }
                passages.Add(new LabelledPassage(text, spans, null, metadata));
            }
            catch (Exception e) when (e is KgException or InvalidOperationException or FormatException)
            {
                throw new KgException("ArgillaInvalidRecord", KgErrorKind.InvalidData,
                    $"Argilla record {recordId}: the response of {labeller} does not fit the record's text of {CodePoints.Length(text)} characters: {e.Message}", recordId, e);
            }
        }
    }

    /// <summary>The original's <c>consolidate_passages_by_text</c>: one passage per text, spans concatenated in order,
    /// the first passage's metadata.</summary>
    public static IReadOnlyList<LabelledPassage> Consolidate(IEnumerable<LabelledPassage> passages)
    {
        var groups = new List<(LabelledPassage First, List<Span> Spans)>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in passages)
        {
            if (index.TryGetValue(p.Id, out var i))
            {
                groups[i].Spans.AddRange(p.Spans);
                continue;
            }
            index[p.Id] = groups.Count;
            groups.Add((p, [.. p.Spans]));
        }
        return groups.Select(g => new LabelledPassage(g.First.Text, g.Spans, g.First.Id, g.First.Metadata)).ToArray();
    }

    private async Task<string> UserNameAsync(string? userId, string key, CancellationToken ct)
    {
        if (userId is null)
        {
            return "None"; // a deleted user's responses keep no user (the original writes str(None))
        }
        if (_users.TryGetValue(userId, out var name))
        {
            return name;
        }
        // A key that may not read users (or a deleted user) leaves the ID, as the original does.
        string? found = null;
        try
        {
            using var user = await GetAsync($"/api/v1/users/{Uri.EscapeDataString(userId)}", key, ct, allowNotFound: true).ConfigureAwait(false);
            found = user is null ? null : Str(user.RootElement, "username");
        }
        catch (KgException e) when (e.ErrorId == "ArgillaAccessDenied")
        {
        }
        return _users[userId] = found ?? userId;
    }

    private Task<JsonDocument?> GetAsync(string path, string key, CancellationToken ct, bool allowNotFound = false) =>
        _http.SendAsync(() =>
        {
            var m = new HttpRequestMessage(HttpMethod.Get, _config.Url + path);
            m.Headers.Add("X-Argilla-Api-Key", key);
            m.Headers.Accept.ParseAdd("application/json");
            return m;
        }, ct, allowNotFound);

    private IEnumerable<JsonElement> Items(JsonDocument doc, string what)
    {
        if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"the list of {what} has no 'items'");
        }
        return items.EnumerateArray();
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private KgException Invalid(string what) =>
        new("ArgillaInvalidResponse", KgErrorKind.InvalidData, $"Argilla at {_config.Url} answered unexpectedly: {what}. Is it Argilla's v1 API?", _config.Url);

    public void Dispose() => _http.Dispose();
}
