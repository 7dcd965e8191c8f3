using System.Collections.Concurrent;
using System.Collections.Specialized;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Web;

namespace KnowledgeGraph.StandIns;

/// <summary>A request as a stand-in sees it.</summary>
public sealed record StandInRequest(string Method, string Path, NameValueCollection Query, NameValueCollection Form,
    NameValueCollection Headers, string? SessionCookie, string Body)
{
    public override string ToString() => $"{Method} {Path}{(Query.Count > 0 ? "?" + string.Join('&', Query.AllKeys.Select(k => $"{k}={Query[k]}")) : "")}";
}

/// <summary>An answer: status, JSON body, extra headers.</summary>
public sealed record StandInResponse(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null)
{
    public static StandInResponse Json(JsonNode node, int status = 200) => new(status, node.ToJsonString());
}

/// <summary>An HTTP server on 127.0.0.1 for tests. Every request is recorded; a request that breaks the API's rules
/// (method, path, parameters, headers, tokens) is answered 400 and recorded as a violation, so that a client sending a
/// wrong request fails its test. Failures can be queued for requests that match (a 429 with Retry-After, a 503).</summary>
public abstract class StandInServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(Func<StandInRequest, bool> Match, StandInResponse Response)> _failures = new();
    private readonly ConcurrentQueue<(Func<StandInRequest, bool> Match, TimeSpan Delay)> _delays = new();
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    protected StandInServer()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            try
            {
                _listener.Prefixes.Clear();
                _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                _listener.Start();
                Url = $"http://127.0.0.1:{port}";
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The server's base URL (no trailing slash).</summary>
    public string Url { get; private set; } = "";

    /// <summary>Every request, in the order received (method, path and query).</summary>
    public List<string> Requests { get; } = [];

    /// <summary>What was wrong with requests that broke the API's rules; a test asserts this is empty.</summary>
    public List<string> Violations { get; } = [];

    /// <summary>Answers the next <paramref name="times"/> requests matching <paramref name="match"/> with
    /// <paramref name="status"/> (and a Retry-After header when given), before any other handling.</summary>
    public void FailNext(Func<StandInRequest, bool> match, int status, int times = 1, string? retryAfter = null)
    {
        for (var i = 0; i < times; i++)
        {
            _failures.Enqueue((match, new StandInResponse(status, new JsonObject { ["error"] = $"injected {status}" }.ToJsonString(),
                retryAfter is null ? null : new Dictionary<string, string> { ["Retry-After"] = retryAfter })));
        }
    }

    /// <summary>Holds the answer to the next <paramref name="times"/> requests matching <paramref name="match"/> for
    /// <paramref name="delay"/> (a server too slow to answer, for a client's attempt timeout).</summary>
    public void DelayNext(Func<StandInRequest, bool> match, TimeSpan delay, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            _delays.Enqueue((match, delay));
        }
    }

    /// <summary>How many recorded requests contain <paramref name="text"/>.</summary>
    public int Count(string text)
    {
        lock (_gate)
        {
            return Requests.Count(r => r.Contains(text, StringComparison.Ordinal));
        }
    }

    protected abstract StandInResponse Handle(StandInRequest request);

    /// <summary>Records a broken rule and answers 400.</summary>
    protected StandInResponse Reject(StandInRequest request, string why)
    {
        lock (_gate)
        {
            Violations.Add($"{request}: {why}");
        }
        return new StandInResponse(400, new JsonObject { ["error"] = why }.ToJsonString());
    }

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
            _ = Task.Run(() => Serve(context));
        }
    }

    private void Serve(HttpListenerContext context)
    {
        try
        {
            var http = context.Request;
            var body = new StreamReader(http.InputStream, http.ContentEncoding ?? Encoding.UTF8).ReadToEnd();
            var form = http.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true
                ? HttpUtility.ParseQueryString(body)
                : new NameValueCollection();
            var request = new StandInRequest(http.HttpMethod, http.Url!.AbsolutePath, HttpUtility.ParseQueryString(http.Url.Query), form,
                http.Headers, http.Cookies["standin_session"]?.Value, body);
            lock (_gate)
            {
                Requests.Add(request.ToString());
            }
            if (_delays.TryPeek(out var delay) && delay.Match(request) && _delays.TryDequeue(out delay))
            {
                Thread.Sleep(delay.Delay);
            }
            StandInResponse? response = null;
            if (_failures.TryPeek(out var failure) && failure.Match(request) && _failures.TryDequeue(out failure))
            {
                response = failure.Response;
            }
            string? session = null;
            if (request.SessionCookie is null)
            {
                session = Guid.NewGuid().ToString("N");
                request = request with { SessionCookie = session };
            }
            response ??= Handle(request);
            var output = context.Response;
            output.StatusCode = response.Status;
            output.ContentType = "application/json; charset=utf-8";
            if (session is not null)
            {
                output.AppendHeader("Set-Cookie", $"standin_session={session}; Path=/; HttpOnly");
            }
            foreach (var (k, v) in response.Headers ?? new Dictionary<string, string>())
            {
                output.AppendHeader(k, v);
            }
            var bytes = Encoding.UTF8.GetBytes(response.Body);
            output.ContentLength64 = bytes.Length;
            output.OutputStream.Write(bytes);
            output.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _listener.Stop();
            _listener.Close();
        }
        catch (ObjectDisposedException)
        {
        }
        _loop.Wait(TimeSpan.FromSeconds(5));
        GC.SuppressFinalize(this);
    }
}
