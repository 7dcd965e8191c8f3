using KnowledgeGraph.Specs;

namespace KnowledgeGraph.Infrastructure;

/// <summary>The single entry point the module instantiates inside its load context. Everything it returns is typed by
/// core interfaces, so no third-party type crosses the boundary.</summary>
public sealed class KgInfrastructure : IKgInfrastructure
{
    public IClassifierSpecParser SpecParser { get; } = new Yaml.YamlClassifierSpecParser();

    public Storage.IObjectStoreFactory S3 { get; } = new S3.S3StoreFactory();

    public KnowledgeGraph.Http.IHttpResilience Http { get; } = new Http.ResilientHttp();

    public Batches.IKubernetesJobWriter KubernetesJobs { get; } = new Kubernetes.KubernetesJobWriter();
}
