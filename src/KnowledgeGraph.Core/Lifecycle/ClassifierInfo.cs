using KnowledgeGraph.Environments;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;

namespace KnowledgeGraph.Lifecycle;

/// <summary>A classifier version in an environment, as Get-KgClassifier shows it: what was trained, and (when it is
/// linked in the registry) its registry version, whether it is promoted, and its spec metadata. It pipes into every
/// lifecycle cmdlet, which bind its properties by name.</summary>
public sealed record ClassifierInfo
{
    public required string WikibaseId { get; init; }
    public required string ClassifierId { get; init; }
    public string? ConceptId { get; init; }
    public required string ClassifierName { get; init; }
    /// <summary>The model version in the environment's store (vN).</summary>
    public required string Version { get; init; }
    /// <summary>The environment, by name (labs, sandbox, staging, production).</summary>
    public required string Environment { get; init; }
    public bool Promoted { get; init; }
    /// <summary>The registry version (vN, numbered per concept), when this version is linked in the registry.</summary>
    public string? RegistryVersion { get; init; }
    public string? ClassifiersProfile { get; init; }
    public IReadOnlyList<string> DontRunOn { get; init; } = [];
    public bool RequireGpu { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public string? CreatedBy { get; init; }
    /// <summary>The SHA-256 of the version's manifest: its identity across stores.</summary>
    public required string ManifestSha256 { get; init; }
    public required string Store { get; init; }

    public static ClassifierInfo From(StoredModelVersion version, RegistryEntry? entry)
    {
        var m = version.Manifest;
        var linked = entry is not null && entry.ManifestSha256 == version.ManifestSha256 ? entry : null;
        return new ClassifierInfo
        {
            WikibaseId = m.WikibaseId,
            ClassifierId = m.ClassifierId,
            ConceptId = m.Metadata.ConceptId,
            ClassifierName = m.Metadata.ClassifierName,
            Version = m.Version.ToString(),
            Environment = version.Environment.Name(),
            Promoted = linked?.Promoted ?? false,
            RegistryVersion = linked?.RegistryVersion.ToString(),
            ClassifiersProfile = linked?.Profile,
            DontRunOn = linked?.DontRunOn ?? [],
            RequireGpu = linked?.RequireGpu ?? m.Metadata.RequireGpu,
            CreatedAt = m.CreatedAt,
            CreatedBy = $"{m.CreatedBy.User}@{m.CreatedBy.Machine}",
            ManifestSha256 = version.ManifestSha256,
            Store = version.Store.ToString(),
        };
    }
}
