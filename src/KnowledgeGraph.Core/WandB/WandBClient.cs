using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KnowledgeGraph.WandB;

/// <summary>Why W&amp;B refused a request for lack of permission, for the caller to explain in its own terms (a link
/// into the registry needs a registry role; a run needs access to the team's projects).</summary>
public sealed record WandBDenial(string Operation, string ServerMessage);

/// <summary>A small GraphQL client for W&amp;B: POST <c>&lt;base&gt;/graphql</c> with HTTP basic auth <c>api:&lt;key&gt;</c>, as W&amp;B's
/// own clients do. It retries rate limits and server errors a few times, and turns every other failure into a
/// <see cref="KgException"/> that says what happened: a rejected key, a proxy in the way (an HTML 403), a permission
/// W&amp;B refused (a GraphQL error with <c>extensions.code = PERMISSION_ERROR</c>, or a JSON 403), a server that cannot
/// be reached. -Debug sees the operation, the HTTP status and the time of each request, never the key or a header.</summary>
public sealed class WandBClient : IDisposable
{
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(6)];
    private readonly HttpClient _http;
    private readonly Action<string>? _trace;
    private readonly Lazy<WandBApiKey> _key;

    public WandBClient(string baseUrl, WandBApiKey key, Action<string>? trace = null, HttpMessageHandler? handler = null)
        : this(baseUrl, new Lazy<WandBApiKey>(key), trace, handler)
    {
    }

    /// <summary>A client whose key is looked up on the first request (so that opening an environment needs none).</summary>
    public WandBClient(string baseUrl, Lazy<WandBApiKey> key, Action<string>? trace = null, HttpMessageHandler? handler = null)
    {
        BaseUrl = baseUrl.TrimEnd('/');
        _key = key;
        _trace = trace;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = TimeSpan.FromSeconds(100);
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("KgTools", typeof(WandBClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
    }

    public string BaseUrl { get; }

    public WandBApiKey Key => _key.Value;

    /// <summary>Runs one GraphQL operation and returns its <c>data</c>. <paramref name="denied"/> explains a permission
    /// refusal for this operation; without it a generic explanation is used.</summary>
    public async Task<JsonObject> GraphQLAsync(string operationName, string document, JsonObject variables, CancellationToken cancellationToken,
        Func<WandBDenial, KgException>? denied = null)
    {
        var body = new JsonObject
        {
            ["operationName"] = operationName,
            ["query"] = document,
            ["variables"] = variables,
        };
        var payload = Encoding.UTF8.GetBytes(body.ToJsonString());
        var (status, contentType, text) = await SendAsync(operationName, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, BaseUrl + "/graphql") { Content = new ByteArrayContent(payload) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            Authorize(request);
            return request;
        }, cancellationToken).ConfigureAwait(false);
        var json = ParseJson(text, contentType);
        if (status == HttpStatusCode.Unauthorized)
        {
            throw KeyRejected(operationName);
        }
        if (status == HttpStatusCode.Forbidden && json is null)
        {
            throw ProxyRefused(operationName, contentType, text);
        }
        var errors = json?["errors"] as JsonArray;
        if (errors is { Count: > 0 })
        {
            var messages = errors.Select(e => e?["message"]?.GetValue<string>() ?? "(no message)").ToArray();
            var permission = status == HttpStatusCode.Forbidden
                || errors.Any(e => (e?["extensions"]?["code"]?.GetValue<string>()) is "PERMISSION_ERROR" or "FORBIDDEN");
            if (permission)
            {
                var denial = new WandBDenial(operationName, string.Join("; ", messages));
                throw denied?.Invoke(denial) ?? PermissionDenied(denial);
            }
            if (errors.Any(e => (e?["extensions"]?["code"]?.GetValue<string>()) is "UNAUTHENTICATED"))
            {
                throw KeyRejected(operationName);
            }
            throw new KgException("WandBRequestFailed", KgErrorKind.InvalidOperation,
                $"W&B ({BaseUrl}) refused {operationName}: {string.Join("; ", messages)}", operationName);
        }
        if (status is not HttpStatusCode.OK || json?["data"] is not JsonObject data)
        {
            throw new KgException("WandBRequestFailed", KgErrorKind.InvalidOperation,
                $"W&B ({BaseUrl}) answered {operationName} with HTTP {(int)status} and no data{(json is null ? $" ({Describe(contentType, text)})" : "")}.", operationName);
        }
        return data;
    }

    /// <summary>Posts to the run's file stream (history, summary, completion): <c>&lt;base&gt;/files/&lt;entity&gt;/&lt;project&gt;/&lt;run&gt;/file_stream</c>.</summary>
    public async Task PostFileStreamAsync(string entity, string project, string run, JsonObject body, CancellationToken cancellationToken)
    {
        var payload = Encoding.UTF8.GetBytes(body.ToJsonString());
        var path = $"/files/{Uri.EscapeDataString(entity)}/{Uri.EscapeDataString(project)}/{Uri.EscapeDataString(run)}/file_stream";
        var (status, contentType, text) = await SendAsync("file_stream", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, BaseUrl + path) { Content = new ByteArrayContent(payload) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            Authorize(request);
            return request;
        }, cancellationToken).ConfigureAwait(false);
        switch (status)
        {
            case HttpStatusCode.OK:
                return;
            case HttpStatusCode.Unauthorized:
                throw KeyRejected("file_stream");
            case HttpStatusCode.Forbidden when ParseJson(text, contentType) is null:
                throw ProxyRefused("file_stream", contentType, text);
            case HttpStatusCode.Forbidden:
                throw PermissionDenied(new WandBDenial("file_stream", text));
            default:
                throw new KgException("WandBRequestFailed", KgErrorKind.InvalidOperation,
                    $"W&B ({BaseUrl}) answered the file stream of run {entity}/{project}/{run} with HTTP {(int)status} ({Describe(contentType, text)}).", run);
        }
    }

    /// <summary>Uploads bytes to a presigned URL W&amp;B handed out (its storage, not W&amp;B's API: no key is sent).</summary>
    public async Task UploadAsync(string url, byte[] content, IEnumerable<string> headers, CancellationToken cancellationToken)
    {
        var (status, contentType, text) = await SendAsync("upload", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(content) };
            foreach (var header in headers)
            {
                var colon = header.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    continue;
                }
                var (name, value) = (header[..colon].Trim(), header[(colon + 1)..].Trim());
                if (!request.Headers.TryAddWithoutValidation(name, value))
                {
                    request.Content.Headers.TryAddWithoutValidation(name, value);
                }
            }
            return request;
        }, cancellationToken, url).ConfigureAwait(false);
        if ((int)status is < 200 or > 299)
        {
            throw new KgException("WandBUploadFailed", KgErrorKind.WriteError,
                $"The upload to W&B's storage ({Text.Redact.Url(new Uri(url).GetLeftPart(UriPartial.Path))}) failed with HTTP {(int)status} ({Describe(contentType, text)}).", null);
        }
    }

    private void Authorize(HttpRequestMessage request) =>
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("api:" + Key.Value)));

    private async Task<(HttpStatusCode Status, string? ContentType, string Text)> SendAsync(string what, Func<HttpRequestMessage> build,
        CancellationToken cancellationToken, string? url = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var clock = Stopwatch.StartNew();
            var target = url is null ? $"{BaseUrl} {what}" : $"PUT {new Uri(url).GetLeftPart(UriPartial.Path)}";
            HttpResponseMessage response;
            try
            {
                using var request = build();
                response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                _trace?.Invoke($"W&B: {target} -> failed: {e.Message} ({clock.ElapsedMilliseconds} ms)");
                if (attempt < Backoff.Length - 2)
                {
                    await Task.Delay(Backoff[attempt], cancellationToken).ConfigureAwait(false);
                    continue;
                }
                throw new KgException("WandBUnreachable", KgErrorKind.ConnectionError,
                    $"Cannot reach W&B at {BaseUrl} ({e.Message}). Check the network, a proxy, or the server URL (Set-KgEnvironment -WandBBaseUrl).", BaseUrl, e);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new KgException("WandBUnreachable", KgErrorKind.ConnectionError, $"W&B at {BaseUrl} did not answer {what} in time.", BaseUrl, e);
            }
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                var status = response.StatusCode;
                _trace?.Invoke($"W&B: {target} -> {(int)status} ({clock.ElapsedMilliseconds} ms)");
                var retryable = status is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
                    or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
                if (retryable && attempt < Backoff.Length)
                {
                    var wait = response.Headers.RetryAfter?.Delta is { } delta && delta < TimeSpan.FromSeconds(30) ? delta : Backoff[attempt];
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (retryable)
                {
                    throw new KgException("WandBUnavailable", KgErrorKind.ResourceUnavailable,
                        $"W&B ({BaseUrl}) kept answering {what} with HTTP {(int)status} ({(status == HttpStatusCode.TooManyRequests ? "rate limited" : "server error")}) after {attempt + 1} attempts; try again later.", what);
                }
                return (status, response.Content.Headers.ContentType?.MediaType, text);
            }
        }
    }

    private static JsonNode? ParseJson(string text, string? contentType)
    {
        if (contentType is not null && contentType.Contains("html", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Describe(string? contentType, string text)
    {
        var snippet = new string(text.Take(160).Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        return $"{contentType ?? "no content type"}: {(snippet.Length == 0 ? "empty" : snippet)}";
    }

    private KgException KeyRejected(string operation) => new("WandBKeyRejected", KgErrorKind.AuthenticationError,
        $"W&B ({BaseUrl}) rejected the API key ({Key.Source}) on {operation}: it is wrong, expired or revoked. Create a new one (in W&B: User settings, API keys) and set $env:WANDB_API_KEY, or run `wandb login --relogin`.",
        operation);

    private KgException ProxyRefused(string operation, string? contentType, string text) => new("WandBProxyRefused", KgErrorKind.PermissionDenied,
        $"{operation}: HTTP 403 with {(contentType ?? "a non-JSON body")} instead of W&B's JSON answer, so a proxy or firewall between this machine and {BaseUrl} refused the request before it reached W&B ({Describe(contentType, text)}). It is not a W&B permission: check the proxy (HTTPS_PROXY), VPN or allow-list for {new Uri(BaseUrl).Host}.",
        operation);

    /// <summary>The generic explanation of a W&amp;B permission refusal, as the original's guide explains its 403s.</summary>
    public KgException PermissionDenied(WandBDenial denial) => new("WandBPermissionDenied", KgErrorKind.PermissionDenied,
        $"W&B ({BaseUrl}) denied {denial.Operation} to the owner of {Key}: {denial.ServerMessage}. Access to the team's projects and access to the model registry are granted separately: training with -Track needs the projects, promotion needs a role in the model registry.",
        denial.Operation);

    public void Dispose() => _http.Dispose();
}
