using System.Globalization;
using System.Text;
using System.Text.Json;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Models;

namespace KnowledgeGraph.Registry;

/// <summary>The JSON of registry records (<c>kgtools.registry-record/1</c>) and state snapshots (<c>kgtools.registry-state/1</c>).</summary>
internal static class RegistryJson
{
    public const string RecordSchema = "kgtools.registry-record/1";
    public const string StateSchema = "kgtools.registry-state/1";

    public static byte[] Write(RegistryRecord r) => Encoding.UTF8.GetBytes(ConceptJson.WriteToString(w =>
    {
        w.WriteStartObject();
        w.WriteString("schema", RecordSchema);
        w.WriteNumber("sequence", r.Sequence);
        w.WriteString("wikibase_id", r.WikibaseId);
        w.WriteString("environment", r.Environment);
        w.WriteString("at", r.At.ToString("O", CultureInfo.InvariantCulture));
        ModelManifest.WriteActor(w, "by", r.By);
        w.WriteString("action", r.Action.ToString().ToLowerInvariant());
        w.WriteString("registry_version", r.RegistryVersion.ToString());
        w.WriteString("classifier_id", r.ClassifierId);
        if (r.ModelVersion is { } mv) w.WriteString("model_version", mv.ToString());
        if (r.ManifestSha256 is { } sha) w.WriteString("manifest_sha256", sha);
        if (r.ConceptId is { } cid) w.WriteString("concept_id", cid);
        if (r.ClassifierName is { } name) w.WriteString("classifier_name", name);
        if (r.Profile is { } p) w.WriteString("classifiers_profile", p);
        if (r.DontRunOn is { } d) WriteStrings(w, "dont_run_on", d);
        if (r.RequireGpu is { } gpu) w.WriteBoolean("require_gpu", gpu);
        if (r.Supersedes is { } s) w.WriteString("supersedes", s.ToString());
        if (r.Change is { } c)
        {
            w.WriteStartObject("change");
            if (c.ClearDontRunOn) w.WriteBoolean("clear_dont_run_on", true);
            if (c.AddDontRunOn.Count > 0) WriteStrings(w, "add_dont_run_on", c.AddDontRunOn);
            if (c.RemoveDontRunOn.Count > 0) WriteStrings(w, "remove_dont_run_on", c.RemoveDontRunOn);
            if (c.RequireGpu is { } rg) w.WriteBoolean("require_gpu", rg);
            if (c.AddProfiles.Count > 0) WriteStrings(w, "add_classifiers_profiles", c.AddProfiles);
            if (c.RemoveProfiles.Count > 0) WriteStrings(w, "remove_classifiers_profiles", c.RemoveProfiles);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }, indented: true));

    public static RegistryRecord ReadRecord(byte[] json, string key)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var e = doc.RootElement;
            if (e.GetProperty("schema").GetString() != RecordSchema)
            {
                throw new FormatException("unknown schema");
            }
            MetadataChange? change = null;
            if (e.TryGetProperty("change", out var c))
            {
                change = new MetadataChange
                {
                    ClearDontRunOn = c.TryGetProperty("clear_dont_run_on", out var cl) && cl.GetBoolean(),
                    AddDontRunOn = Strings(c, "add_dont_run_on") ?? [],
                    RemoveDontRunOn = Strings(c, "remove_dont_run_on") ?? [],
                    RequireGpu = c.TryGetProperty("require_gpu", out var rg) ? rg.GetBoolean() : null,
                    AddProfiles = Strings(c, "add_classifiers_profiles") ?? [],
                    RemoveProfiles = Strings(c, "remove_classifiers_profiles") ?? [],
                };
            }
            return new RegistryRecord
            {
                Sequence = e.GetProperty("sequence").GetInt64(),
                WikibaseId = e.GetProperty("wikibase_id").GetString()!,
                Environment = e.GetProperty("environment").GetString()!,
                At = DateTimeOffset.Parse(e.GetProperty("at").GetString()!, CultureInfo.InvariantCulture),
                By = ModelManifest.ReadActor(e.GetProperty("by")),
                Action = Enum.Parse<RegistryAction>(e.GetProperty("action").GetString()!, ignoreCase: true),
                RegistryVersion = ModelVersion.Parse(e.GetProperty("registry_version").GetString()),
                ClassifierId = e.GetProperty("classifier_id").GetString()!,
                ModelVersion = Version(e, "model_version"),
                ManifestSha256 = Str(e, "manifest_sha256"),
                ConceptId = Str(e, "concept_id"),
                ClassifierName = Str(e, "classifier_name"),
                Profile = Str(e, "classifiers_profile"),
                DontRunOn = Strings(e, "dont_run_on"),
                RequireGpu = e.TryGetProperty("require_gpu", out var g) ? g.GetBoolean() : null,
                Supersedes = Version(e, "supersedes"),
                Change = change,
            };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException or KgException)
        {
            throw new KgException("CorruptRegistry", KgErrorKind.InvalidData,
                $"The registry record '{key}' is unreadable or corrupted ({ex.Message}). Records are never rewritten, so this store was changed by hand.", key, ex);
        }
    }

    public static byte[] Write(ConceptRegistry s) => Encoding.UTF8.GetBytes(ConceptJson.WriteToString(w =>
    {
        w.WriteStartObject();
        w.WriteString("schema", StateSchema);
        w.WriteString("wikibase_id", s.WikibaseId);
        w.WriteNumber("sequence", s.Sequence);
        w.WriteStartArray("entries");
        foreach (var e in s.Entries)
        {
            w.WriteStartObject();
            w.WriteString("registry_version", e.RegistryVersion.ToString());
            w.WriteString("classifier_id", e.ClassifierId);
            w.WriteString("model_version", e.ModelVersion.ToString());
            w.WriteString("manifest_sha256", e.ManifestSha256);
            if (e.ConceptId is { } cid) w.WriteString("concept_id", cid);
            w.WriteString("classifier_name", e.ClassifierName);
            w.WriteBoolean("promoted", e.Promoted);
            if (e.Profile is { } p) w.WriteString("classifiers_profile", p);
            WriteStrings(w, "dont_run_on", e.DontRunOn);
            w.WriteBoolean("require_gpu", e.RequireGpu);
            w.WriteString("updated_at", e.UpdatedAt.ToString("O", CultureInfo.InvariantCulture));
            w.WriteNumber("last_sequence", e.LastSequence);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }, indented: false));

    /// <summary>A snapshot, or null when it is missing, unreadable or for another concept (it is only a cache).</summary>
    public static ConceptRegistry? ReadState(byte[]? json, string wikibaseId)
    {
        if (json is null)
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            if (r.GetProperty("schema").GetString() != StateSchema || r.GetProperty("wikibase_id").GetString() != wikibaseId)
            {
                return null;
            }
            var entries = r.GetProperty("entries").EnumerateArray().Select(e => new RegistryEntry
            {
                RegistryVersion = ModelVersion.Parse(e.GetProperty("registry_version").GetString()),
                ClassifierId = e.GetProperty("classifier_id").GetString()!,
                ModelVersion = ModelVersion.Parse(e.GetProperty("model_version").GetString()),
                ManifestSha256 = e.GetProperty("manifest_sha256").GetString()!,
                ConceptId = Str(e, "concept_id"),
                ClassifierName = e.GetProperty("classifier_name").GetString()!,
                Promoted = e.GetProperty("promoted").GetBoolean(),
                Profile = Str(e, "classifiers_profile"),
                DontRunOn = Strings(e, "dont_run_on") ?? [],
                RequireGpu = e.GetProperty("require_gpu").GetBoolean(),
                UpdatedAt = DateTimeOffset.Parse(e.GetProperty("updated_at").GetString()!, CultureInfo.InvariantCulture),
                LastSequence = e.GetProperty("last_sequence").GetInt64(),
            }).ToArray();
            return new ConceptRegistry(wikibaseId, r.GetProperty("sequence").GetInt64(), entries);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or KgException)
        {
            return null;
        }
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static ModelVersion? Version(JsonElement e, string name) => Str(e, name) is { } s ? ModelVersion.Parse(s) : null;

    private static IReadOnlyList<string>? Strings(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.GetString()!).ToArray() : null;
}
