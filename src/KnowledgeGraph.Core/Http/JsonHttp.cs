using System.Net;
using System.Text.Json;

namespace KnowledgeGraph.Http;

/// <summary>One remote service (Wikibase, Argilla) seen from the module: sends a request through the retrying handler,
/// maps what can go wrong onto KgExceptions whose messages name the service, the URL and what to check, and parses the
/// JSON answer. Secrets never reach a message: URLs carry none (tokens and passwords go in bodies or headers).</summary>
public sealed class JsonHttp : IDisposable
{
    private readonly HttpClient _client;
    private readonly Action<string> _debug;

    /// <param name="service">The service's name in messages ("Wikibase", "Argilla").</param>
    /// <param name="errorPrefix">The start of every ErrorId ("Wikibase" gives WikibaseUnreachable, ...).</param>
    /// <param name="hint">What to check when the service refuses or is not found (which variables configure it).</param>
    public JsonHttp(HttpMessageHandler handler, string service, string errorPrefix, string hint, Action<string>? debug)
    {
        _client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        Service = service;
        ErrorPrefix = errorPrefix;
        Hint = hint;
        _debug = debug ?? (_ => { });
    }

    public string Service { get; }
    public string ErrorPrefix { get; }
    public string Hint { get; }

    /// <summary>Sends the request and parses its JSON answer. 401/403/404 and other failures become KgExceptions;
    /// <paramref name="allowNotFound"/> returns null on 404 instead.</summary>
    public async Task<JsonDocument?> SendAsync(Func<HttpRequestMessage> request, CancellationToken ct, bool allowNotFound = false)
    {
        using var message = request();
        var url = message.RequestUri!.GetLeftPart(UriPartial.Path);
        _debug($"{Service}: {message.Method} {Describe(message.RequestUri!)}");
        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(message, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or TaskCanceledException)
        {
            throw new KgException(ErrorPrefix + "Unreachable", KgErrorKind.ConnectionError,
                $"{Service} at {url} could not be reached ({(e is HttpRequestException h ? h.Message : "the request timed out")}), also after retries. Check the URL and the network. {Hint}", url, e);
        }
        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            _debug($"{Service}: {(int)response.StatusCode} {response.ReasonPhrase} ({body.Length} bytes)");
            switch (response.StatusCode)
            {
                case HttpStatusCode.Unauthorized:
                    throw new KgException(ErrorPrefix + "AuthenticationFailed", KgErrorKind.AuthenticationError,
                        $"{Service} at {url} refused the credentials (401 Unauthorized). {Hint}", url);
                case HttpStatusCode.Forbidden:
                    throw new KgException(ErrorPrefix + "AccessDenied", KgErrorKind.PermissionDenied,
                        $"{Service} at {url} denied access (403 Forbidden): the account lacks the right to read this. {Hint}", url);
                case HttpStatusCode.NotFound when allowNotFound:
                    return null;
                case HttpStatusCode.NotFound:
                    throw new KgException(ErrorPrefix + "NotFound", KgErrorKind.ObjectNotFound,
                        $"{Service} answered 404 Not Found for {url}. {Hint}", url);
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new KgException(ErrorPrefix + "Unavailable", KgErrorKind.ResourceUnavailable,
                    $"{Service} at {url} answered {(int)response.StatusCode} {response.ReasonPhrase}, also after retries. Try again later.", url);
            }
            try
            {
                return JsonDocument.Parse(body, new JsonDocumentOptions { AllowDuplicateProperties = false });
            }
            catch (JsonException e)
            {
                throw new KgException(ErrorPrefix + "InvalidResponse", KgErrorKind.InvalidData,
                    $"{Service} at {url} answered with something that is not JSON ({e.Message}): is the URL that of a {Service}?", url, e);
            }
        }
    }

    /// <summary>A URL as debug messages show it: path and query (the query holds no secrets), no user info.</summary>
    private static string Describe(Uri uri) => uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.PathAndQuery, UriFormat.Unescaped);

    public void Dispose() => _client.Dispose();
}
