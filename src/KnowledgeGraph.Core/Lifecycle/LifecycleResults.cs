using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;

namespace KnowledgeGraph.Lifecycle;

/// <summary>The outcome of Publish-KgClassifier or Unpublish-KgClassifier for one classifier.</summary>
public sealed record PromotionResult
{
    public required string WikibaseId { get; init; }
    public required string ClassifierId { get; init; }
    public required ModelVersion Version { get; init; }
    public required ModelVersion RegistryVersion { get; init; }
    public required KgEnvironment Environment { get; init; }
    public required bool Promoted { get; init; }
    public string? ClassifiersProfile { get; init; }
    /// <summary>False when the registry already was in the requested state (nothing was written).</summary>
    public required bool Changed { get; init; }
    /// <summary>The registry version this promotion replaced (an older version of the same classifier), if any.</summary>
    public ModelVersion? Superseded { get; init; }
    /// <summary>For a promotion from another environment: where the version came from, and whether it was copied now
    /// (false when the same model was already there).</summary>
    public KgEnvironment? SourceEnvironment { get; init; }
    public bool? Copied { get; init; }

    public override string ToString() =>
        $"{WikibaseId}/{ClassifierId} {Version} registry {RegistryVersion} in {Environment.Name()}: {(Promoted ? $"promoted as {ClassifiersProfile}" : "demoted")}{(Changed ? "" : " (unchanged)")}";
}

/// <summary>What Deploy-KgClassifier did for one concept.</summary>
public sealed record DeployResult
{
    public required string WikibaseId { get; init; }
    public required KgEnvironment Environment { get; init; }
    public bool Trained { get; init; }
    public bool Promoted { get; init; }
    public string? ClassifierId { get; init; }
    public ModelVersion? Version { get; init; }
    public ModelVersion? RegistryVersion { get; init; }
    public string? ClassifiersProfile { get; init; }
    public double? SpanF1 { get; init; }
    /// <summary>Why this concept failed (its error is also written as a non-terminating error).</summary>
    public string? Error { get; init; }
    public string? ErrorId { get; init; }

    public override string ToString() => Error is null
        ? $"{WikibaseId}: {ClassifierId} {Version} promoted as {ClassifiersProfile} {RegistryVersion} in {Environment.Name()}"
        : $"{WikibaseId}: failed ({ErrorId})";
}

/// <summary>What Remove-KgClassifier removed (or, with -WhatIf, would remove) from an environment's store.</summary>
public sealed record RemovalResult
{
    public required KgEnvironment Environment { get; init; }
    /// <summary>The versions removed, as "Qid/classifier vN".</summary>
    public required IReadOnlyList<string> Versions { get; init; }
    public required int BlobsRemoved { get; init; }
    public required long BytesRemoved { get; init; }
    /// <summary>Unreferenced blobs left because they are younger than the grace period (an upload may still need them).</summary>
    public required int BlobsSpared { get; init; }

    public override string ToString() =>
        $"{Environment.Name()}: {Versions.Count} version(s) and {BlobsRemoved} blob(s) ({BytesRemoved:N0} bytes) removed, {BlobsSpared} young blob(s) spared";
}
