namespace KnowledgeGraph.Lifecycle;

/// <summary>What Deploy-KgClassifier did for one concept.</summary>
public sealed record DeployResult
{
    public required string WikibaseId { get; init; }
    public required string Environment { get; init; }
    public bool Trained { get; init; }
    public bool Promoted { get; init; }
    public string? ClassifierId { get; init; }
    public string? Version { get; init; }
    public string? RegistryVersion { get; init; }
    public string? ClassifiersProfile { get; init; }
    public double? SpanF1 { get; init; }
    /// <summary>Why this concept failed (its error is also written as a non-terminating error).</summary>
    public string? Error { get; init; }
    public string? ErrorId { get; init; }
}
