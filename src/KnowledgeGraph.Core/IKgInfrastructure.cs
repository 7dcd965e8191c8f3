using KnowledgeGraph.Specs;

namespace KnowledgeGraph;

/// <summary>What the core needs from third-party packages, behind an interface. The implementation lives in
/// <c>KnowledgeGraph.Infrastructure</c>, which the PowerShell module loads into its own AssemblyLoadContext.</summary>
public interface IKgInfrastructure
{
    IClassifierSpecParser SpecParser { get; }

    /// <summary>Opens S3 stores (AWSSDK.S3).</summary>
    Storage.IObjectStoreFactory S3 { get; }

    /// <summary>Retries with backoff and Retry-After for HTTP clients (Microsoft.Extensions.Http.Resilience).</summary>
    Http.IHttpResilience Http { get; }

    /// <summary>Writes Kubernetes Jobs for training batches (KubernetesClient's models).</summary>
    Batches.IKubernetesJobWriter KubernetesJobs { get; }
}
