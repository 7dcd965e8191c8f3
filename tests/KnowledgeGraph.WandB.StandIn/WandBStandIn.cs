using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.SystemTextJson;
using GraphQL.Transport;
using GraphQL.Types;

namespace KnowledgeGraph.Tests.WandB;

/// <summary>What a test hook can answer instead of the stand-in: an HTTP status, a content type and a body.</summary>
public sealed record StandInReply(int Status, string ContentType, string Body);

/// <summary>A request as hooks see it.</summary>
public sealed record StandInRequest(string Path, string? OperationName, string? Username);

/// <summary>A W&amp;B server for tests, in the test's process, on loopback HTTP. Every GraphQL request is parsed and
/// validated by GraphQL.NET against <c>wandb-subset.graphql</c> (a schema subset rebuilt from W&amp;B's SDK types); a
/// request that does not validate is answered with the errors and recorded in <see cref="ValidationErrors"/>, which
/// the tests check is empty. It answers in the SDK's response shapes, keeps state (artifacts, runs, the model registry
/// and its members' roles), refuses what W&amp;B would refuse (no project access, no registry role, an expired key),
/// and hands out presigned PUT URLs of the real S3 test server, so uploads are real S3 PUTs; a commit checks the
/// uploaded manifest, its digest, the uploaded files and every S3 reference's ETag.</summary>
public sealed partial class WandBStandIn : IDisposable
{
    private static readonly Lazy<ISchema> Schema = new(BuildSchema);
    private static readonly GraphQLSerializer Serializer = new();
    private readonly HttpListener _listener = new();
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _operations = [];
    private readonly List<string> _validationErrors = [];
    private readonly Task _loop;

    public WandBStandIn(S3Presigner storage)
    {
        Storage = storage;
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(BaseUrl + "/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string BaseUrl { get; }
    public S3Presigner Storage { get; }
    public StandInWorld World { get; } = new();

    /// <summary>Answers a request instead of the stand-in when it returns a reply (a proxy's HTML page, a 500...).</summary>
    public Func<StandInRequest, StandInReply?>? Intercept { get; set; }

    /// <summary>Answers every request with this reply while it is set (for callers that cannot run a delegate on the
    /// server's threads, such as a PowerShell script block).</summary>
    public StandInReply? FixedReply { get; set; }

    /// <summary>Runs after each executed GraphQL operation, under the state's lock (another writer's change, for tests).</summary>
    public Action<string, StandInWorld>? AfterOperation { get; set; }

    public IReadOnlyList<string> Operations { get { lock (_operations) return _operations.ToArray(); } }

    /// <summary>Requests that did not validate against the schema (or whose variables did not): must stay empty.</summary>
    public IReadOnlyList<string> ValidationErrors { get { lock (_validationErrors) return _validationErrors.ToArray(); } }

    /// <summary>A user (member of <paramref name="teams"/>) with a registry role (or none), and their API key.</summary>
    public string AddUser(string username, string? registryRole = "member", params string[] teams)
    {
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        World.Keys[key] = new StandInUser(username, username, teams.Length == 0 ? [World.TeamEntity] : teams, $"{username}@example.org");
        if (registryRole is not null) World.RegistryRoles[username] = registryRole;
        return key;
    }

    // ------------------------------------------------------------------ HTTP

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested || !_listener.IsListening)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        StandInReply reply;
        try
        {
            reply = await AnswerAsync(context.Request).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A request the stand-in could not even read (a body that is not JSON, a field of the wrong JSON type)
            // is a protocol error of the client too: the tests check the list is empty.
            Reject($"{context.Request.HttpMethod} {context.Request.Url?.AbsolutePath}: the stand-in failed on it: {e.Message}");
            reply = new StandInReply(500, "application/json", JsonSerializer.Serialize(new { errors = new[] { new { message = e.ToString() } } }));
        }
        var bytes = Encoding.UTF8.GetBytes(reply.Body);
        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = reply.ContentType;
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
        context.Response.Close();
    }

    private async Task<StandInReply> AnswerAsync(HttpListenerRequest request)
    {
        using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync().ConfigureAwait(false);
        var path = request.Url!.AbsolutePath;
        var user = Authenticate(request.Headers["Authorization"], out var expired);
        if (RequestProblem(request, path) is { } problem)
        {
            Reject($"{request.HttpMethod} {path}: {problem}");
            return new StandInReply(400, "application/json", new JsonObject { ["error"] = problem }.ToJsonString());
        }
        GraphQLRequest? gql = null;
        if (path == "/graphql")
        {
            gql = Serializer.Deserialize<GraphQLRequest>(body);
        }
        if ((FixedReply ?? Intercept?.Invoke(new StandInRequest(path, gql?.OperationName, user?.Username))) is { } hooked)
        {
            return hooked;
        }
        if (user is null)
        {
            return Json(401, new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["message"] = expired ? "api key expired" : "user is not logged in" }) });
        }
        lock (_operations) _operations.Add($"{request.HttpMethod} {path} {gql?.OperationName}");
        if (path == "/graphql" && request.HttpMethod == "POST" && gql is not null)
        {
            return await GraphQLAsync(gql, user).ConfigureAwait(false);
        }
        var stream = FileStreamPath().Match(path);
        if (stream.Success && request.HttpMethod == "POST")
        {
            return await FileStreamAsync(Uri.UnescapeDataString(stream.Groups[1].Value), Uri.UnescapeDataString(stream.Groups[2].Value),
                Uri.UnescapeDataString(stream.Groups[3].Value), body, user).ConfigureAwait(false);
        }
        Reject($"{request.HttpMethod} {path}: not an endpoint of W&B's API");
        return new StandInReply(404, "text/plain", "not found");
    }

    private void Reject(string what)
    {
        lock (_validationErrors) _validationErrors.Add(what);
    }

    /// <summary>What W&amp;B's HTTP API expects of every request the SDK makes: a POST of JSON to <c>/graphql</c> or to a
    /// run's <c>file_stream</c>, with HTTP basic auth of user <c>api</c>.</summary>
    private static string? RequestProblem(HttpListenerRequest request, string path)
    {
        var known = path == "/graphql" || FileStreamPath().IsMatch(path);
        if (!known)
        {
            return null; // answered 404 (and recorded) below, after the hooks
        }
        if (request.HttpMethod != "POST")
        {
            return $"{request.HttpMethod} instead of POST";
        }
        if (request.ContentType is null || !request.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return $"content type '{request.ContentType}' instead of application/json";
        }
        var auth = request.Headers["Authorization"];
        if (auth is null || !auth.StartsWith("Basic ", StringComparison.Ordinal)
            || !Encoding.UTF8.GetString(Convert.FromBase64String(auth[6..])).StartsWith("api:", StringComparison.Ordinal))
        {
            return "no HTTP basic authorization of user 'api'";
        }
        return null;
    }

    [GeneratedRegex("^/files/([^/]+)/([^/]+)/([^/]+)/file_stream$")]
    private static partial Regex FileStreamPath();

    /// <summary>The file stream's request body as the SDK's Go core sends it (<c>FileStreamRequestJSON</c>): optional
    /// <c>files</c> (file name → <c>{offset: int, content: [string]}</c>), <c>uploaded</c> (strings), <c>preempting</c>,
    /// <c>complete</c> (bool) and <c>exitcode</c> (int, with <c>complete</c>); history, summary and events lines are
    /// JSON objects. Null when the body fits.</summary>
    internal static string? FileStreamProblem(JsonNode? body)
    {
        if (body is not JsonObject o)
        {
            return "the body is not a JSON object";
        }
        foreach (var (key, value) in o)
        {
            switch (key)
            {
                case "files":
                    if (value is not JsonObject files)
                    {
                        return "files is not an object";
                    }
                    foreach (var (name, file) in files)
                    {
                        if (name is not ("wandb-history.jsonl" or "wandb-summary.json" or "wandb-events.jsonl" or "output.log"))
                        {
                            return $"files.{name} is not a file of the file stream";
                        }
                        if (file is not JsonObject f || f.Count != 2 || f["offset"] is not JsonValue offset || offset.GetValueKind() != JsonValueKind.Number
                            || !offset.TryGetValue<int>(out var n) || n < 0 || f["content"] is not JsonArray content)
                        {
                            return $"files.{name} is not {{offset: non-negative int, content: [string]}}";
                        }
                        foreach (var line in content)
                        {
                            if (line is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
                            {
                                return $"files.{name}.content has a line that is not a string";
                            }
                            if (name != "output.log" && !IsJsonObject(v.GetValue<string>()))
                            {
                                return $"files.{name}.content has a line that is not a JSON object";
                            }
                        }
                    }
                    break;
                case "uploaded":
                    if (value is not JsonArray uploaded || uploaded.Any(u => u?.GetValueKind() != JsonValueKind.String))
                    {
                        return "uploaded is not a list of strings";
                    }
                    break;
                case "preempting" or "complete":
                    if (value?.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        return $"{key} is not a boolean";
                    }
                    break;
                case "exitcode":
                    if (value is not JsonValue code || !code.TryGetValue<int>(out _) || o["complete"] is null)
                    {
                        return "exitcode is not an int sent with complete";
                    }
                    break;
                default:
                    return $"'{key}' is not a field of a file stream request";
            }
        }
        return null;
    }

    private static bool IsJsonObject(string text)
    {
        try
        {
            return JsonNode.Parse(text) is JsonObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private StandInUser? Authenticate(string? header, out bool expired)
    {
        expired = false;
        if (header is null || !header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return null;
        }
        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..]));
        if (!decoded.StartsWith("api:", StringComparison.Ordinal))
        {
            return null;
        }
        var key = decoded[4..];
        expired = World.ExpiredKeys.Contains(key);
        return expired ? null : World.Keys.GetValueOrDefault(key);
    }

    private static StandInReply Json(int status, JsonNode body) => new(status, "application/json", body.ToJsonString());

    private async Task<StandInReply> GraphQLAsync(GraphQLRequest request, StandInUser user)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            var resolver = new Resolvers(this, user);
            var result = await new DocumentExecuter().ExecuteAsync(o =>
            {
                o.Schema = Schema.Value;
                o.Query = request.Query;
                o.OperationName = request.OperationName;
                o.Variables = request.Variables;
                o.Root = resolver.Root();
                o.ThrowOnUnhandledException = false;
            }).ConfigureAwait(false);
            var json = Serializer.Serialize(result);
            if (!result.Executed)
            {
                lock (_validationErrors) _validationErrors.Add($"{request.OperationName}: {string.Join("; ", result.Errors?.Select(e => e.Message) ?? [])}");
                return new StandInReply(400, "application/json", json);
            }
            if (result.Errors?.Any(e => e.Code == "PERMISSION_ERROR") == true)
            {
                return new StandInReply(403, "application/json", json);
            }
            if (result.Errors is { Count: > 0 } errors && errors.Any(e => e.InnerException is not null && e.InnerException is not ExecutionError))
            {
                lock (_validationErrors) _validationErrors.Add($"{request.OperationName}: resolver failure: {string.Join("; ", errors.Select(e => e.InnerException?.ToString()))}");
            }
            AfterOperation?.Invoke(request.OperationName ?? "", World);
            return new StandInReply(200, "application/json", json);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<StandInReply> FileStreamAsync(string entity, string project, string run, string body, StandInUser user)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            var json = IsJsonObject(body) ? JsonNode.Parse(body)! : null;
            if (json is null || FileStreamProblem(json) is not null)
            {
                var problem = FileStreamProblem(json)!;
                Reject($"file_stream of {entity}/{project}/{run}: {problem}");
                return new StandInReply(400, "application/json", new JsonObject { ["error"] = problem }.ToJsonString());
            }
            if (!World.Runs.TryGetValue($"{entity}/{project}/{run}", out var r))
            {
                return new StandInReply(404, "application/json", "{\"error\":\"run not found\"}");
            }
            if (!user.Teams.Contains(entity))
            {
                return new StandInReply(403, "application/json", "{\"error\":\"permission denied\"}");
            }
            if (json["files"]?["wandb-history.jsonl"] is { } history)
            {
                if (history["offset"]!.GetValue<int>() != r.History.Count)
                {
                    Reject($"file_stream of {entity}/{project}/{run}: history offset {history["offset"]} after {r.History.Count} lines");
                    return new StandInReply(409, "application/json", "{\"error\":\"offset mismatch\"}");
                }
                r.History.AddRange(history["content"]!.AsArray().Select(l => l!.GetValue<string>()));
            }
            if (json["files"]?["wandb-summary.json"]?["content"] is JsonArray { Count: > 0 } summary)
            {
                r.Summary = summary[^1]!.GetValue<string>();
            }
            if (json["complete"]?.GetValue<bool>() == true)
            {
                r.Complete = true;
                r.ExitCode = json["exitcode"]?.GetValue<int>();
            }
            return new StandInReply(200, "application/json", "{\"exitcode\":null,\"limits\":{}}");
        }
        finally
        {
            _lock.Release();
        }
    }

    // ------------------------------------------------------------------ schema

    private static ISchema BuildSchema()
    {
        using var stream = typeof(WandBStandIn).Assembly.GetManifestResourceStream("wandb-subset.graphql")!;
        var sdl = new StreamReader(stream).ReadToEnd();
        var schema = GraphQL.Types.Schema.For(sdl, b =>
        {
            b.Types.For("ArtifactSequence").IsTypeOfFunc = o => o is IDictionary<string, object?> d && d.TryGetValue("__kind", out var k) && (string?)k == "sequence";
            b.Types.For("ArtifactPortfolio").IsTypeOfFunc = o => o is IDictionary<string, object?> d && d.TryGetValue("__kind", out var k) && (string?)k == "portfolio";
        });
        schema.RegisterType(new StringGraphType { Name = "JSONString" });
        schema.RegisterType(new StringGraphType { Name = "DateTime" });
        schema.RegisterType(new LongGraphType { Name = "Int64" });
        schema.Initialize();
        var resolver = new FuncFieldResolver<object?>(Resolve);
        foreach (var type in schema.AllTypes.OfType<IObjectGraphType>())
        {
            foreach (var field in type.Fields)
            {
                field.Resolver = resolver;
            }
        }
        return schema;
    }

    /// <summary>Every field reads its source dictionary; a function there is a field with arguments (or a root field).</summary>
    private static object? Resolve(IResolveFieldContext context)
    {
        if (context.Source is not IDictionary<string, object?> source || !source.TryGetValue(context.FieldDefinition.Name, out var value))
        {
            return null;
        }
        return value is Func<IResolveFieldContext, object?> f ? f(context) : value;
    }

    internal static ExecutionError Denied(string message) => new(message) { Code = "PERMISSION_ERROR" };

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    internal async Task<string?> VerifyCommitAsync(ArtifactRecord a)
    {
        var key = $"artifacts/{a.Id}/wandb_manifest.json";
        var manifest = await Storage.GetAsync(key).ConfigureAwait(false);
        if (manifest is null)
        {
            return "the manifest was not uploaded";
        }
        if (a.ManifestDigest != Convert.ToBase64String(MD5.HashData(manifest)))
        {
            return "the uploaded manifest does not have the digest given to updateArtifactManifest";
        }
        var json = JsonNode.Parse(manifest)!;
        if (json["version"]?.GetValue<int>() != 1 || json["storagePolicy"]?.GetValue<string>() != "wandb-storage-policy-v1"
            || json["storagePolicyConfig"]?["storageLayout"]?.GetValue<string>() != "V2")
        {
            return "the manifest is not a v1 manifest of storage policy wandb-storage-policy-v1, layout V2";
        }
        var contents = json["contents"]!.AsObject();
        var text = new StringBuilder("wandb-artifact-manifest-v1\n");
        foreach (var (path, entry) in contents.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var digest = entry!["digest"]!.GetValue<string>();
            text.Append(path).Append(':').Append(digest).Append('\n');
            if (entry["ref"]?.GetValue<string>() is { } reference)
            {
                var head = await Storage.HeadAsync(reference).ConfigureAwait(false);
                if (head is null || head.Value.ETag != digest || head.Value.Size != entry["size"]!.GetValue<long>() || entry["extra"]?["etag"]?.GetValue<string>() != digest)
                {
                    return $"reference {path} ({reference}) does not match its S3 object (ETag {head?.ETag ?? "missing"}, size {head?.Size})";
                }
            }
            else
            {
                var file = a.Files.FirstOrDefault(f => f.Name == path);
                var content = file.Key is null ? null : await Storage.GetAsync(file.Key).ConfigureAwait(false);
                if (content is null || Convert.ToBase64String(MD5.HashData(content)) != digest)
                {
                    return $"file {path} was not uploaded with digest {digest}";
                }
            }
        }
        var artifactDigest = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        if (artifactDigest != a.Digest)
        {
            return $"the manifest's digest is {artifactDigest}, but the artifact was created with {a.Digest}";
        }
        a.FileCount = contents.Count;
        return null;
    }
}
