namespace KnowledgeGraph.Lifecycle;

/// <summary>The outcome of Publish-KgClassifier or Unpublish-KgClassifier for one classifier.</summary>
public sealed record PromotionResult
{
    public required string WikibaseId { get; init; }
    public required string ClassifierId { get; init; }
    public required string Version { get; init; }
    public required string RegistryVersion { get; init; }
    public required string Environment { get; init; }
    public required bool Promoted { get; init; }
    public string? ClassifiersProfile { get; init; }
    /// <summary>False when the registry already was in the requested state (nothing was written).</summary>
    public required bool Changed { get; init; }
    /// <summary>The registry version this promotion replaced (an older version of the same classifier), if any.</summary>
    public string? Superseded { get; init; }
}
