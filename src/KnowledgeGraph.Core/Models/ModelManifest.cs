using System.Security.Cryptography;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Storage;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Models;

/// <summary>One file of a model version: its name in the version, and the SHA-256 and size of its content (stored as a
/// content-addressed blob).</summary>
public sealed record ModelFile(string Name, string Sha256, long Size, string MediaType);

/// <summary>Registry metadata a model version carries from where it was copied (the source's promoted entry): used as
/// the defaults when the copy is promoted, so that a copied classifier keeps its profile and the sources it must not
/// run on.</summary>
public sealed record CarriedRegistryMetadata
{
    public string? ClassifiersProfile { get; init; }
    public IReadOnlyList<string> DontRunOn { get; init; } = [];
}

/// <summary>The original's model metadata, plus where a copied version came from.</summary>
public sealed record ModelMetadata
{
    /// <summary>The environment the version was trained (or copied) for, by name (<c>aws_env</c>).</summary>
    public required string AwsEnv { get; init; }
    public required string ClassifierName { get; init; }
    public required string ConceptId { get; init; }
    public long? ConceptWikibaseRevision { get; init; }
    /// <summary><c>compute_environment.gpu</c>: whether inference needs a GPU.</summary>
    public bool RequireGpu { get; init; }
    /// <summary>For a version made by Copy-KgClassifier: the source environment, version and manifest digest.</summary>
    public IReadOnlyDictionary<string, string>? CopiedFrom { get; init; }
    /// <summary>For a copied version: the source's registry metadata, applied when the copy is promoted.</summary>
    public CarriedRegistryMetadata? Carried { get; init; }
}

/// <summary>The manifest of a stored model version, <c>models/&lt;Qid&gt;/&lt;classifier id&gt;/vN/manifest.json</c>. It is
/// written last, and only once (create-only), so a version is visible exactly when all its files are stored.</summary>
public sealed record ModelManifest
{
    public const string Schema = "kgtools.model/1";

    public required string WikibaseId { get; init; }
    public required string ClassifierId { get; init; }
    public required ModelVersion Version { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required Actor CreatedBy { get; init; }
    public required ModelMetadata Metadata { get; init; }
    public required IReadOnlyList<ModelFile> Files { get; init; }

    public ModelFile File(string name) => Files.FirstOrDefault(f => f.Name == name)
        ?? throw new KgException("ModelFileMissing", KgErrorKind.InvalidData,
            $"Model {WikibaseId}/{ClassifierId} {Version} has no file '{name}' (it has: {string.Join(", ", Files.Select(f => f.Name))}).", name);

    /// <summary>Whether two versions hold the same model: the same files with the same content.</summary>
    public bool SameFilesAs(ModelManifest other) =>
        Files.Count == other.Files.Count
        && Files.OrderBy(f => f.Name, StringComparer.Ordinal).Zip(other.Files.OrderBy(f => f.Name, StringComparer.Ordinal))
            .All(p => p.First.Name == p.Second.Name && p.First.Sha256 == p.Second.Sha256);

    public byte[] ToJson() => KgJson.ToBytes(new ModelManifestDocument
    {
        Schema = Schema,
        WikibaseId = WikibaseId,
        ClassifierId = ClassifierId,
        Version = Version.ToString(),
        CreatedAt = CreatedAt,
        CreatedBy = ActorDocument.From(CreatedBy),
        Metadata = new ModelMetadataDocument
        {
            AwsEnv = Metadata.AwsEnv,
            ClassifierName = Metadata.ClassifierName,
            ConceptId = Metadata.ConceptId,
            ConceptWikibaseRevision = Metadata.ConceptWikibaseRevision,
            ComputeEnvironment = Metadata.RequireGpu ? new ComputeEnvironmentDocument { Gpu = true } : null,
            CopiedFrom = Metadata.CopiedFrom is { } from ? new SortedDictionary<string, string>(from.ToDictionary(), StringComparer.Ordinal) : null,
            RegistryMetadata = Metadata.Carried is { } c ? new CarriedDocument { ClassifiersProfile = c.ClassifiersProfile, DontRunOn = c.DontRunOn } : null,
        },
        Files = Files.Select(f => new ModelFileDocument { Name = f.Name, Sha256 = f.Sha256, Size = f.Size, MediaType = f.MediaType }).ToArray(),
    }, KgJson.Indented.ModelManifestDocument);

    /// <summary>Parses and checks a manifest read from <paramref name="key"/>; anything unexpected is a CorruptManifest error.</summary>
    public static ModelManifest Parse(byte[] json, string key, string expectedWikibaseId, string expectedClassifierId, ModelVersion expectedVersion)
    {
        try
        {
            var d = KgJson.Parse(json, KgJson.Indented.ModelManifestDocument);
            if (d.Schema != Schema)
            {
                throw new FormatException($"unknown schema '{d.Schema}'");
            }
            var md = d.Metadata ?? throw new FormatException("'metadata' is missing");
            var manifest = new ModelManifest
            {
                WikibaseId = Required(d.WikibaseId, "wikibase_id"),
                ClassifierId = Required(d.ClassifierId, "classifier_id"),
                Version = ModelVersion.Parse(d.Version),
                CreatedAt = d.CreatedAt,
                CreatedBy = (d.CreatedBy ?? throw new FormatException("'created_by' is missing")).ToActor(),
                Metadata = new ModelMetadata
                {
                    AwsEnv = Required(md.AwsEnv, "aws_env"),
                    ClassifierName = Required(md.ClassifierName, "classifier_name"),
                    ConceptId = Required(md.ConceptId, "concept_id"),
                    ConceptWikibaseRevision = md.ConceptWikibaseRevision,
                    RequireGpu = md.ComputeEnvironment?.Gpu ?? false,
                    CopiedFrom = md.CopiedFrom,
                    Carried = md.RegistryMetadata is { } c ? new CarriedRegistryMetadata { ClassifiersProfile = c.ClassifiersProfile, DontRunOn = c.DontRunOn ?? [] } : null,
                },
                Files = (d.Files ?? throw new FormatException("'files' is missing")).Select(f => new ModelFile(
                    Required(f.Name, "files.name"), Required(f.Sha256, "files.sha256"), f.Size, Required(f.MediaType, "files.media_type"))).ToArray(),
            };
            if (manifest.WikibaseId != expectedWikibaseId || manifest.ClassifierId != expectedClassifierId || manifest.Version != expectedVersion)
            {
                throw new FormatException($"it describes {manifest.WikibaseId}/{manifest.ClassifierId} {manifest.Version}, not {expectedWikibaseId}/{expectedClassifierId} {expectedVersion}");
            }
            if (manifest.Files.Count == 0 || manifest.Files.Any(f => f.Sha256.Length != 64 || !f.Sha256.All(Uri.IsHexDigit)))
            {
                throw new FormatException("its file list is empty or has an invalid checksum");
            }
            Environments.EnvironmentNames.Parse(manifest.Metadata.AwsEnv);
            return manifest;
        }
        catch (Exception e) when (e is FormatException or KgException)
        {
            throw new KgException("CorruptManifest", KgErrorKind.InvalidData,
                $"The model manifest '{key}' is unreadable or corrupted ({e.Message}). The version cannot be used; train or copy a new one.", key, e);
        }
    }

    private static string Required(string? value, string name) => value ?? throw new FormatException($"'{name}' is missing");

    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));
}

internal sealed record ModelManifestDocument
{
    public string? Schema { get; init; }
    public string? WikibaseId { get; init; }
    public string? ClassifierId { get; init; }
    public string? Version { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public ActorDocument? CreatedBy { get; init; }
    public ModelMetadataDocument? Metadata { get; init; }
    public IReadOnlyList<ModelFileDocument>? Files { get; init; }
}

internal sealed record ModelMetadataDocument
{
    public string? AwsEnv { get; init; }
    public string? ClassifierName { get; init; }
    public string? ConceptId { get; init; }
    public long? ConceptWikibaseRevision { get; init; }
    public ComputeEnvironmentDocument? ComputeEnvironment { get; init; }
    public IReadOnlyDictionary<string, string>? CopiedFrom { get; init; }
    public CarriedDocument? RegistryMetadata { get; init; }
}

internal sealed record ComputeEnvironmentDocument
{
    public bool Gpu { get; init; }
}

internal sealed record CarriedDocument
{
    public string? ClassifiersProfile { get; init; }
    public IReadOnlyList<string>? DontRunOn { get; init; }
}

internal sealed record ModelFileDocument
{
    public string? Name { get; init; }
    public string? Sha256 { get; init; }
    public long Size { get; init; }
    public string? MediaType { get; init; }
}
