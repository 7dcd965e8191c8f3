using KnowledgeGraph.Environments;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Lifecycle;

/// <summary>A classifier version in an environment, as Get-KgClassifier shows it: what was trained, how well it did in
/// the evaluation stored with it, and (when it is linked in the registry) its registry version, whether it is promoted,
/// and its spec metadata. It pipes into every lifecycle cmdlet, which bind its properties by name; versions and the
/// environment are typed values, not text to parse again.</summary>
public sealed record ClassifierInfo
{
    public required string WikibaseId { get; init; }
    public required string ClassifierId { get; init; }
    public string? ConceptId { get; init; }
    public required string ClassifierName { get; init; }
    /// <summary>The model version in the environment's store.</summary>
    public required ModelVersion Version { get; init; }
    public required KgEnvironment Environment { get; init; }
    public bool Promoted { get; init; }
    /// <summary>The registry version (numbered per concept), when this version is linked in the registry.</summary>
    public ModelVersion? RegistryVersion { get; init; }
    public string? ClassifiersProfile { get; init; }
    public IReadOnlyList<string> DontRunOn { get; init; } = ValueList<string>.Empty;
    public bool RequireGpu { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public string? CreatedBy { get; init; }
    /// <summary>The SHA-256 of the version's manifest: its identity in its store.</summary>
    public required string ManifestSha256 { get; init; }
    /// <summary>A SHA-256 over the version's files (names and contents): equal for the same model in any store, so a
    /// copy has the digest of its source.</summary>
    public required string ModelSha256 { get; init; }
    public required string Store { get; init; }
    /// <summary>The evaluation stored with the version when it was trained (empty when it was not evaluated).</summary>
    public IReadOnlyList<ClassifierEvaluation> Metrics { get; init; } = ValueList<ClassifierEvaluation>.Empty;

    /// <summary>F1 at Span@0.5 over all passages, from <see cref="Metrics"/>: the headline figure.</summary>
    public double? SpanF1 => Metrics.FirstOrDefault(m => m.Group == Evaluator.AllGroup && m.Level == "Span@0.5")?.F1;

    public override string ToString() =>
        $"{WikibaseId}/{ClassifierId} {Version} ({Environment.Name()}{(Promoted ? $", promoted as {ClassifiersProfile} {RegistryVersion}" : "")})";

    public static string ModelDigest(ModelManifest m) => ModelManifest.Sha256Hex(System.Text.Encoding.UTF8.GetBytes(
        string.Join("\n", m.Files.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => $"{f.Name} {f.Sha256}"))));

    public static ClassifierInfo From(StoredModelVersion version, RegistryEntry? entry, IReadOnlyList<ClassifierEvaluation>? metrics = null)
    {
        var m = version.Manifest;
        var linked = entry is not null && entry.ManifestSha256 == version.ManifestSha256 ? entry : null;
        return new ClassifierInfo
        {
            WikibaseId = m.WikibaseId,
            ClassifierId = m.ClassifierId,
            ConceptId = m.Metadata.ConceptId,
            ClassifierName = m.Metadata.ClassifierName,
            Version = m.Version,
            Environment = version.Environment,
            Promoted = linked?.Promoted ?? false,
            RegistryVersion = linked?.RegistryVersion,
            ClassifiersProfile = linked?.Profile,
            // An unlinked copy shows the sources it carries; they apply when it is promoted.
            DontRunOn = ValueList.Of(linked?.DontRunOn ?? m.Metadata.Carried?.DontRunOn ?? []),
            RequireGpu = linked?.RequireGpu ?? m.Metadata.RequireGpu,
            CreatedAt = m.CreatedAt,
            CreatedBy = $"{m.CreatedBy.User}@{m.CreatedBy.Machine}",
            ManifestSha256 = version.ManifestSha256,
            ModelSha256 = ModelDigest(m),
            Store = version.Store.ToString(),
            Metrics = ValueList.Of(metrics ?? []),
        };
    }
}
