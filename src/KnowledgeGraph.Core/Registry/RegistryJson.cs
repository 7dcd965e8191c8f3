using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Registry;

/// <summary>A registry record as stored (<c>kgtools.registry-record/2</c>; <c>/1</c>, without the hash chain, is still read).</summary>
internal sealed record RegistryRecordDocument
{
    public string? Schema { get; init; }
    public long Sequence { get; init; }
    public string? WikibaseId { get; init; }
    public string? Environment { get; init; }
    public DateTimeOffset At { get; init; }
    public ActorDocument? By { get; init; }
    public string? Action { get; init; }
    public string? RegistryVersion { get; init; }
    public string? ClassifierId { get; init; }
    public string? ModelVersion { get; init; }
    public string? ManifestSha256 { get; init; }
    public string? ConceptId { get; init; }
    public string? ClassifierName { get; init; }
    public string? ClassifiersProfile { get; init; }
    public IReadOnlyList<string>? DontRunOn { get; init; }
    public bool? RequireGpu { get; init; }
    public string? Supersedes { get; init; }
    public MetadataChangeDocument? Change { get; init; }
    /// <summary>The SHA-256 of the previous record's bytes (absent for the first record).</summary>
    public string? PreviousSha256 { get; init; }
    /// <summary>The SHA-256 of the concept's canonical state after this record.</summary>
    public string? StateSha256 { get; init; }
}

internal sealed record MetadataChangeDocument
{
    public bool? ClearDontRunOn { get; init; }
    public IReadOnlyList<string>? AddDontRunOn { get; init; }
    public IReadOnlyList<string>? RemoveDontRunOn { get; init; }
    public bool? RequireGpu { get; init; }
    public IReadOnlyList<string>? AddClassifiersProfiles { get; init; }
    public IReadOnlyList<string>? RemoveClassifiersProfiles { get; init; }
}

/// <summary>A snapshot of a concept's folded registry (<c>kgtools.registry-state/2</c>): a cache, trusted only when the
/// record it covers still has the SHA-256 it names and that record's state hash matches the snapshot.</summary>
internal sealed record RegistryStateDocument
{
    public string? Schema { get; init; }
    public string? WikibaseId { get; init; }
    public long Sequence { get; init; }
    public string? RecordSha256 { get; init; }
    public IReadOnlyList<RegistryEntryDocument>? Entries { get; init; }
}

internal sealed record RegistryEntryDocument
{
    public string? RegistryVersion { get; init; }
    public string? ClassifierId { get; init; }
    public string? ModelVersion { get; init; }
    public string? ManifestSha256 { get; init; }
    public string? ConceptId { get; init; }
    public string? ClassifierName { get; init; }
    public bool Promoted { get; init; }
    public string? ClassifiersProfile { get; init; }
    public IReadOnlyList<string>? DontRunOn { get; init; }
    public bool RequireGpu { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public long LastSequence { get; init; }
}

/// <summary>Converts registry records and snapshots to and from their stored JSON.</summary>
internal static class RegistryJson
{
    public const string RecordSchema = "kgtools.registry-record/2";
    public const string LegacyRecordSchema = "kgtools.registry-record/1";
    public const string StateSchema = "kgtools.registry-state/2";

    public static byte[] Write(RegistryRecord r) => KgJson.ToBytes(new RegistryRecordDocument
    {
        Schema = RecordSchema,
        Sequence = r.Sequence,
        WikibaseId = r.WikibaseId,
        Environment = r.Environment,
        At = r.At,
        By = ActorDocument.From(r.By),
        Action = r.Action.ToString().ToLowerInvariant(),
        RegistryVersion = r.RegistryVersion.ToString(),
        ClassifierId = r.ClassifierId,
        ModelVersion = r.ModelVersion?.ToString(),
        ManifestSha256 = r.ManifestSha256,
        ConceptId = r.ConceptId,
        ClassifierName = r.ClassifierName,
        ClassifiersProfile = r.Profile,
        DontRunOn = r.DontRunOn,
        RequireGpu = r.RequireGpu,
        Supersedes = r.Supersedes?.ToString(),
        Change = r.Change is { } c ? new MetadataChangeDocument
        {
            ClearDontRunOn = c.ClearDontRunOn ? true : null,
            AddDontRunOn = c.AddDontRunOn.Count > 0 ? c.AddDontRunOn : null,
            RemoveDontRunOn = c.RemoveDontRunOn.Count > 0 ? c.RemoveDontRunOn : null,
            RequireGpu = c.RequireGpu,
            AddClassifiersProfiles = c.AddProfiles.Count > 0 ? c.AddProfiles : null,
            RemoveClassifiersProfiles = c.RemoveProfiles.Count > 0 ? c.RemoveProfiles : null,
        } : null,
        PreviousSha256 = r.PreviousSha256,
        StateSha256 = r.StateSha256,
    }, KgJson.Indented.RegistryRecordDocument);

    public static RegistryRecord ReadRecord(byte[] json, string key)
    {
        try
        {
            var d = KgJson.Parse(json, KgJson.Indented.RegistryRecordDocument);
            if (d.Schema is not (RecordSchema or LegacyRecordSchema))
            {
                throw new FormatException($"unknown schema '{d.Schema}'");
            }
            var change = d.Change is { } c ? new MetadataChange
            {
                ClearDontRunOn = c.ClearDontRunOn ?? false,
                AddDontRunOn = c.AddDontRunOn ?? [],
                RemoveDontRunOn = c.RemoveDontRunOn ?? [],
                RequireGpu = c.RequireGpu,
                AddProfiles = c.AddClassifiersProfiles ?? [],
                RemoveProfiles = c.RemoveClassifiersProfiles ?? [],
            } : null;
            return new RegistryRecord
            {
                Sequence = d.Sequence,
                WikibaseId = Required(d.WikibaseId, "wikibase_id"),
                Environment = Required(d.Environment, "environment"),
                At = d.At,
                By = (d.By ?? throw new FormatException("'by' is missing")).ToActor(),
                Action = Enum.TryParse<RegistryAction>(Required(d.Action, "action"), ignoreCase: true, out var action) && Enum.IsDefined(action) && !char.IsDigit(d.Action![0])
                    ? action
                    : throw new FormatException($"'{d.Action}' is not a registry action"),
                RegistryVersion = ModelVersion.Parse(d.RegistryVersion, "registry version"),
                ClassifierId = Required(d.ClassifierId, "classifier_id"),
                ModelVersion = d.ModelVersion is { } mv ? Identifiers.ModelVersion.Parse(mv) : null,
                ManifestSha256 = d.ManifestSha256,
                ConceptId = d.ConceptId,
                ClassifierName = d.ClassifierName,
                Profile = d.ClassifiersProfile,
                DontRunOn = d.DontRunOn,
                RequireGpu = d.RequireGpu,
                Supersedes = d.Supersedes is { } s ? Identifiers.ModelVersion.Parse(s) : null,
                Change = change,
                PreviousSha256 = d.PreviousSha256,
                StateSha256 = d.StateSha256,
                Chained = d.Schema == RecordSchema,
            };
        }
        catch (Exception ex) when (ex is FormatException or KgException)
        {
            throw new KgException("CorruptRegistry", KgErrorKind.InvalidData,
                $"The registry record '{key}' is unreadable or corrupted ({ex.Message}). Records are never rewritten, so this store was changed by hand.", key, ex);
        }
    }

    private static string Required(string? value, string name) => value ?? throw new FormatException($"'{name}' is missing");

    private static RegistryStateDocument Document(ConceptRegistry s, string? recordSha256) => new()
    {
        Schema = StateSchema,
        WikibaseId = s.WikibaseId,
        Sequence = s.Sequence,
        RecordSha256 = recordSha256,
        Entries = s.Entries.Select(e => new RegistryEntryDocument
        {
            RegistryVersion = e.RegistryVersion.ToString(),
            ClassifierId = e.ClassifierId,
            ModelVersion = e.ModelVersion.ToString(),
            ManifestSha256 = e.ManifestSha256,
            ConceptId = e.ConceptId,
            ClassifierName = e.ClassifierName,
            Promoted = e.Promoted,
            ClassifiersProfile = e.Profile,
            DontRunOn = e.DontRunOn,
            RequireGpu = e.RequireGpu,
            UpdatedAt = e.UpdatedAt,
            LastSequence = e.LastSequence,
        }).ToArray(),
    };

    /// <summary>The snapshot of a state, naming the SHA-256 of the record it covers.</summary>
    public static byte[] Write(ConceptRegistry s) => KgJson.ToBytes(Document(s, s.HeadSha256), KgJson.Compact.RegistryStateDocument);

    /// <summary>The SHA-256 of a state's canonical form (entries only, in order): what each record says its state is.</summary>
    public static string StateHash(ConceptRegistry s) => KgJson.Sha256(KgJson.ToBytes(Document(s, null), KgJson.Compact.RegistryStateDocument));

    /// <summary>A snapshot, or null when it is missing, unreadable, of another concept or of the unchained schema
    /// (it is only a cache; the caller still checks it against the record it covers).</summary>
    public static ConceptRegistry? ReadState(byte[]? json, string wikibaseId)
    {
        if (json is null)
        {
            return null;
        }
        try
        {
            var d = KgJson.Parse(json, KgJson.Compact.RegistryStateDocument);
            if (d.Schema != StateSchema || d.WikibaseId != wikibaseId || d.RecordSha256 is null)
            {
                return null;
            }
            var entries = (d.Entries ?? []).Select(e => new RegistryEntry
            {
                RegistryVersion = ModelVersion.Parse(e.RegistryVersion),
                ClassifierId = Required(e.ClassifierId, "classifier_id"),
                ModelVersion = ModelVersion.Parse(e.ModelVersion),
                ManifestSha256 = Required(e.ManifestSha256, "manifest_sha256"),
                ConceptId = e.ConceptId,
                ClassifierName = Required(e.ClassifierName, "classifier_name"),
                Promoted = e.Promoted,
                Profile = e.ClassifiersProfile,
                DontRunOn = e.DontRunOn ?? [],
                RequireGpu = e.RequireGpu,
                UpdatedAt = e.UpdatedAt,
                LastSequence = e.LastSequence,
            }).ToArray();
            return new ConceptRegistry(wikibaseId, d.Sequence, entries) { HeadSha256 = d.RecordSha256 };
        }
        catch (Exception e) when (e is FormatException or KgException)
        {
            return null;
        }
    }
}
