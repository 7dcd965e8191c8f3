using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Storage;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Models;

/// <summary>One file of a model version: its name in the version, and the SHA-256 and size of its content (stored as a
/// content-addressed blob).</summary>
public sealed record ModelFile(string Name, string Sha256, long Size, string MediaType);

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

    public byte[] ToJson() => Encoding.UTF8.GetBytes(ConceptJson.WriteToString(w =>
    {
        w.WriteStartObject();
        w.WriteString("schema", Schema);
        w.WriteString("wikibase_id", WikibaseId);
        w.WriteString("classifier_id", ClassifierId);
        w.WriteString("version", Version.ToString());
        w.WriteString("created_at", CreatedAt.ToString("O", CultureInfo.InvariantCulture));
        WriteActor(w, "created_by", CreatedBy);
        w.WriteStartObject("metadata");
        w.WriteString("aws_env", Metadata.AwsEnv);
        w.WriteString("classifier_name", Metadata.ClassifierName);
        w.WriteString("concept_id", Metadata.ConceptId);
        if (Metadata.ConceptWikibaseRevision is { } rev) w.WriteNumber("concept_wikibase_revision", rev); else w.WriteNull("concept_wikibase_revision");
        if (Metadata.RequireGpu)
        {
            w.WriteStartObject("compute_environment");
            w.WriteBoolean("gpu", true);
            w.WriteEndObject();
        }
        if (Metadata.CopiedFrom is { } from)
        {
            w.WritePropertyName("copied_from");
            JsonValues.Write(w, from.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => (object?)kv.Value));
        }
        w.WriteEndObject();
        w.WriteStartArray("files");
        foreach (var f in Files)
        {
            w.WriteStartObject();
            w.WriteString("name", f.Name);
            w.WriteString("sha256", f.Sha256);
            w.WriteNumber("size", f.Size);
            w.WriteString("media_type", f.MediaType);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }, indented: true));

    internal static void WriteActor(Utf8JsonWriter w, string name, Actor a)
    {
        w.WriteStartObject(name);
        w.WriteString("user", a.User);
        w.WriteString("machine", a.Machine);
        w.WriteNumber("process", a.Process);
        w.WriteString("tool", a.Tool);
        w.WriteEndObject();
    }

    internal static Actor ReadActor(JsonElement e) => new(
        e.GetProperty("user").GetString()!, e.GetProperty("machine").GetString()!,
        e.GetProperty("process").GetInt32(), e.GetProperty("tool").GetString()!);

    /// <summary>Parses and checks a manifest read from <paramref name="key"/>; anything unexpected is a CorruptManifest error.</summary>
    public static ModelManifest Parse(byte[] json, string key, string expectedWikibaseId, string expectedClassifierId, ModelVersion expectedVersion)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            if (r.GetProperty("schema").GetString() != Schema)
            {
                throw new FormatException($"unknown schema '{r.GetProperty("schema").GetString()}'");
            }
            var md = r.GetProperty("metadata");
            var manifest = new ModelManifest
            {
                WikibaseId = r.GetProperty("wikibase_id").GetString()!,
                ClassifierId = r.GetProperty("classifier_id").GetString()!,
                Version = ModelVersion.Parse(r.GetProperty("version").GetString()),
                CreatedAt = DateTimeOffset.Parse(r.GetProperty("created_at").GetString()!, CultureInfo.InvariantCulture),
                CreatedBy = ReadActor(r.GetProperty("created_by")),
                Metadata = new ModelMetadata
                {
                    AwsEnv = md.GetProperty("aws_env").GetString()!,
                    ClassifierName = md.GetProperty("classifier_name").GetString()!,
                    ConceptId = md.GetProperty("concept_id").GetString()!,
                    ConceptWikibaseRevision = md.TryGetProperty("concept_wikibase_revision", out var rev) && rev.ValueKind == JsonValueKind.Number ? rev.GetInt64() : null,
                    RequireGpu = md.TryGetProperty("compute_environment", out var ce) && ce.TryGetProperty("gpu", out var gpu) && gpu.GetBoolean(),
                    CopiedFrom = md.TryGetProperty("copied_from", out var cf) && cf.ValueKind == JsonValueKind.Object
                        ? cf.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "")
                        : null,
                },
                Files = r.GetProperty("files").EnumerateArray().Select(f => new ModelFile(
                    f.GetProperty("name").GetString()!, f.GetProperty("sha256").GetString()!,
                    f.GetProperty("size").GetInt64(), f.GetProperty("media_type").GetString()!)).ToArray(),
            };
            if (manifest.WikibaseId != expectedWikibaseId || manifest.ClassifierId != expectedClassifierId || manifest.Version != expectedVersion)
            {
                throw new FormatException($"it describes {manifest.WikibaseId}/{manifest.ClassifierId} {manifest.Version}, not {expectedWikibaseId}/{expectedClassifierId} {expectedVersion}");
            }
            if (manifest.Files.Count == 0 || manifest.Files.Any(f => f.Sha256.Length != 64 || !f.Sha256.All(Uri.IsHexDigit)))
            {
                throw new FormatException("its file list is empty or has an invalid checksum");
            }
            EnvironmentsCheck(manifest.Metadata.AwsEnv);
            return manifest;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or KgException)
        {
            throw new KgException("CorruptManifest", KgErrorKind.InvalidData,
                $"The model manifest '{key}' is unreadable or corrupted ({e.Message}). The version cannot be used; train or copy a new one.", key, e);
        }
    }

    private static void EnvironmentsCheck(string awsEnv) => Environments.EnvironmentNames.Parse(awsEnv);

    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
