using KnowledgeGraph.Http;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace KnowledgeGraph.Infrastructure.Http;

/// <summary>Retries for the Wikibase and Argilla clients, with Microsoft.Extensions.Http.Resilience's retry strategy:
/// transient failures (408, 429, 5xx, connection errors, attempt timeouts) are retried with exponential backoff and
/// jitter, and a server's <c>Retry-After</c> is waited for instead when it sends one.</summary>
internal sealed class ResilientHttp : IHttpResilience
{
    public DelegatingHandler CreateHandler(HttpPolicy policy, Action<string> log) => new RetryingHandler(Build(policy, log));

    private static ResiliencePipeline<HttpResponseMessage> Build(HttpPolicy policy, Action<string> log) =>
        new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = policy.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = policy.BaseDelay,
                MaxDelay = policy.MaxDelay,
                ShouldRetryAfterHeader = true,
                OnRetry = args =>
                {
                    var what = args.Outcome.Result is { } r ? $"{(int)r.StatusCode} {r.ReasonPhrase}" : args.Outcome.Exception?.GetType().Name ?? "a failure";
                    var request = args.Outcome.Result?.RequestMessage;
                    log($"HTTP: {(request is null ? "a request" : $"{request.Method} {request.RequestUri?.GetLeftPart(UriPartial.Path)}")} got {what}; retry {args.AttemptNumber + 1} of {policy.MaxRetries} in {args.RetryDelay.TotalSeconds:0.###} s.");
                    return default;
                },
            })
            .AddTimeout(policy.AttemptTimeout)
            .Build();

    /// <summary>Runs each request through the pipeline; an attempt that timed out surfaces as a .NET TimeoutException, so
    /// that no Polly type crosses into the core.</summary>
    private sealed class RetryingHandler(ResiliencePipeline<HttpResponseMessage> pipeline) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                return await pipeline.ExecuteAsync(async ct => await base.SendAsync(request, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutRejectedException e)
            {
                throw new TimeoutException(e.Message, e);
            }
        }
    }
}
