using System.Globalization;
using System.Text.Json.Nodes;

namespace KnowledgeGraph.StandIns;

/// <summary>Argilla's v1 REST API as its server answers, for tests, written from Argilla's API reference: the
/// <c>X-Argilla-Api-Key</c> header on every request (401 otherwise), <c>GET /api/v1/me/workspaces</c> and
/// <c>/api/v1/me/datasets</c> (<c>{"items": [...]}</c>), <c>GET /api/v1/datasets/{id}/records</c> with <c>include</c>,
/// <c>offset</c> and <c>limit</c> (1 to 1000; <c>{"items": [...], "total": n}</c>) whose records carry their responses
/// (<c>values.{question}.value</c>, <c>status</c>, <c>user_id</c>), and <c>GET /api/v1/users/{id}</c>.</summary>
public sealed class ArgillaStandIn : StandInServer
{
    private readonly object _gate = new();
    private readonly List<JsonObject> _workspaces = [];
    private readonly List<JsonObject> _datasets = [];
    private readonly Dictionary<string, List<JsonObject>> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _users = new(StringComparer.Ordinal);

    public required string ApiKey { get; init; }

    /// <summary>The largest page the server returns, whatever limit asks (to make clients page).</summary>
    public int MaxPage { get; set; } = 1000;

    public string AddWorkspace(string name)
    {
        var id = Guid.NewGuid().ToString();
        lock (_gate)
        {
            _workspaces.Add(new JsonObject { ["id"] = id, ["name"] = name, ["inserted_at"] = Time(), ["updated_at"] = Time() });
        }
        return id;
    }

    public string AddDataset(string name, string workspaceId)
    {
        var id = Guid.NewGuid().ToString();
        lock (_gate)
        {
            _datasets.Add(new JsonObject
            {
                ["id"] = id, ["name"] = name, ["guidelines"] = "Highlight the entity if it is present in the text", ["allow_extra_metadata"] = true,
                ["status"] = "ready", ["distribution"] = new JsonObject { ["strategy"] = "overlap", ["min_submitted"] = 2 },
                ["workspace_id"] = workspaceId, ["last_activity_at"] = Time(), ["inserted_at"] = Time(), ["updated_at"] = Time(),
            });
            _records[id] = [];
        }
        return id;
    }

    public string AddUser(string username)
    {
        var id = Guid.NewGuid().ToString();
        lock (_gate)
        {
            _users[id] = new JsonObject
            {
                ["id"] = id, ["first_name"] = username, ["last_name"] = null, ["username"] = username, ["role"] = "annotator",
                ["api_key"] = "secret-key-of-" + username, ["inserted_at"] = Time(), ["updated_at"] = Time(),
            };
        }
        return id;
    }

    /// <summary>One response: the annotator, its status (submitted, draft, discarded) and its spans (start, end, label).</summary>
    public sealed record Answer(string UserId, string Status, params (int Start, int End, string Label)[] Spans);

    public string AddRecord(string datasetId, string text, DateTimeOffset inserted, DateTimeOffset? updated, JsonObject? metadata, params Answer[] answers)
    {
        var id = Guid.NewGuid().ToString();
        var responses = new JsonArray();
        foreach (var a in answers)
        {
            responses.Add(new JsonObject
            {
                ["id"] = Guid.NewGuid().ToString(),
                ["values"] = a.Status == "discarded" && a.Spans.Length == 0 ? null : new JsonObject
                {
                    ["entities"] = new JsonObject
                    {
                        ["value"] = new JsonArray([.. a.Spans.Select(s => (JsonNode)new JsonObject { ["label"] = s.Label, ["start"] = s.Start, ["end"] = s.End })]),
                    },
                },
                ["status"] = a.Status,
                ["record_id"] = id,
                ["user_id"] = a.UserId,
                ["inserted_at"] = Time(inserted),
                ["updated_at"] = Time(updated ?? inserted),
            });
        }
        lock (_gate)
        {
            _records[datasetId].Add(new JsonObject
            {
                ["id"] = id,
                ["fields"] = new JsonObject { ["text"] = text },
                ["metadata"] = metadata,
                ["external_id"] = null,
                ["responses"] = responses,
                ["dataset_id"] = datasetId,
                ["inserted_at"] = Time(inserted),
                ["updated_at"] = Time(updated ?? inserted),
            });
        }
        return id;
    }

    protected override StandInResponse Handle(StandInRequest r)
    {
        if (r.Headers["X-Argilla-Api-Key"] != ApiKey)
        {
            return new StandInResponse(401, "{\"detail\":\"Could not validate credentials\"}");
        }
        if (r.Method != "GET")
        {
            return Reject(r, $"the client is read-only, but sent {r.Method}");
        }
        lock (_gate)
        {
            var parts = r.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            switch (parts)
            {
                case ["api", "v1", "me", "workspaces"]:
                    return Items(_workspaces);
                case ["api", "v1", "me", "datasets"]:
                    return Items(_datasets);
                case ["api", "v1", "users", var user]:
                    return _users.TryGetValue(user, out var u) ? StandInResponse.Json(u.DeepClone()) : new StandInResponse(404, "{\"detail\":\"User not found\"}");
                case ["api", "v1", "datasets", var dataset, "records"]:
                    return Records(r, dataset);
                default:
                    return new StandInResponse(404, "{\"detail\":\"Not Found\"}");
            }
        }
    }

    private StandInResponse Records(StandInRequest r, string dataset)
    {
        if (!_records.TryGetValue(dataset, out var records))
        {
            return new StandInResponse(404, "{\"detail\":\"Dataset not found\"}");
        }
        var include = (r.Query.GetValues("include") ?? []).SelectMany(v => v.Split(',')).ToArray();
        if (!include.Contains("responses"))
        {
            return Reject(r, "include=responses is needed to get the annotators' answers");
        }
        if (!int.TryParse(r.Query["offset"] ?? "0", NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            || !int.TryParse(r.Query["limit"] ?? "50", NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit is < 1 or > 1000)
        {
            return Reject(r, "offset must be a number and limit 1 to 1000");
        }
        var page = records.Skip(offset).Take(Math.Min(limit, MaxPage)).Select(x => (JsonNode)x.DeepClone()).ToArray();
        return StandInResponse.Json(new JsonObject { ["items"] = new JsonArray(page), ["total"] = records.Count });
    }

    private static StandInResponse Items(IEnumerable<JsonObject> items) =>
        StandInResponse.Json(new JsonObject { ["items"] = new JsonArray([.. items.Select(i => (JsonNode)i.DeepClone())]) });

    private static string Time(DateTimeOffset? t = null) =>
        (t ?? new DateTimeOffset(2024, 5, 1, 9, 30, 0, TimeSpan.Zero)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
}
