namespace KnowledgeGraph.Http;

/// <summary>How the module's HTTP clients (Wikibase, Argilla) retry: attempts after the first, an exponential backoff
/// with jitter between <see cref="BaseDelay"/> and <see cref="MaxDelay"/> (a server's <c>Retry-After</c> is honoured
/// instead when it sends one), and a timeout for each attempt. Retried: 408, 429, 5xx, connection failures and attempt
/// timeouts. The defaults are the original's (5 attempts, 1 s to 60 s, 60 s per request).</summary>
public sealed record HttpPolicy
{
    /// <summary>A test hook: the backoff's base delay in milliseconds, so that tests of retries do not wait seconds.</summary>
    public const string TestDelayVariable = "KG_TEST_HTTP_RETRY_DELAY_MS";

    public int MaxRetries { get; init; } = 4;
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The defaults, with the base delay from <see cref="TestDelayVariable"/> when it is set.</summary>
    public static HttpPolicy Default
    {
        get
        {
            var policy = new HttpPolicy();
            if (int.TryParse(Environment.GetEnvironmentVariable(TestDelayVariable), out var ms) && ms >= 0)
            {
                policy = policy with { BaseDelay = TimeSpan.FromMilliseconds(ms) };
            }
            return policy;
        }
    }
}

/// <summary>What the core needs from a resilience library: a handler that retries as <see cref="HttpPolicy"/> says. The
/// implementation (Microsoft.Extensions.Http.Resilience) lives in KnowledgeGraph.Infrastructure; only .NET types cross.
/// A timed-out attempt surfaces as <see cref="TimeoutException"/>.</summary>
public interface IHttpResilience
{
    /// <param name="log">Receives one line per retry (what failed, the wait, the attempt), never a header or a body.</param>
    DelegatingHandler CreateHandler(HttpPolicy policy, Action<string> log);
}
