using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Specs;

namespace KnowledgeGraph.Registry;

/// <summary>A model version linked into a concept's registry in one environment, with its registry version (numbered
/// per concept, as W&amp;B numbered its registry collections) and the metadata the inference spec carries.</summary>
public sealed record RegistryEntry
{
    public required ModelVersion RegistryVersion { get; init; }
    public required string ClassifierId { get; init; }
    public required ModelVersion ModelVersion { get; init; }
    public required string ManifestSha256 { get; init; }
    public required string? ConceptId { get; init; }
    public required string ClassifierName { get; init; }
    public required bool Promoted { get; init; }
    public string? Profile { get; init; }
    public IReadOnlyList<string> DontRunOn { get; init; } = [];
    public bool RequireGpu { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public required long LastSequence { get; init; }

    /// <summary>This entry with a metadata change applied (sources normalised: sorted, each once).</summary>
    public RegistryEntry With(MetadataChange change)
    {
        var sources = change.ClearDontRunOn ? [] : DontRunOn.ToList();
        sources.AddRange(change.AddDontRunOn);
        sources.RemoveAll(s => change.RemoveDontRunOn.Contains(s, StringComparer.Ordinal));
        var profiles = ProfilesAfter(Profile, change);
        if (profiles.Count > 1)
        {
            throw new InvalidOperationException("A registry entry cannot hold more than one classifiers profile; the rules reject such a change.");
        }
        return this with
        {
            DontRunOn = DontRunOnSources.Normalise(sources),
            RequireGpu = change.RequireGpu ?? RequireGpu,
            Profile = profiles.SingleOrDefault(),
        };
    }

    /// <summary>(current ∪ add) − remove, in order.</summary>
    public static IReadOnlyList<string> ProfilesAfter(string? current, MetadataChange change)
    {
        var profiles = new SortedSet<string>(StringComparer.Ordinal);
        if (current is not null) profiles.Add(current);
        profiles.UnionWith(change.AddProfiles);
        profiles.ExceptWith(change.RemoveProfiles);
        return profiles.ToArray();
    }

    /// <summary>The spec file entry of this (promoted) registry version.</summary>
    public ClassifierSpec ToSpec(string wikibaseId) => new()
    {
        WikibaseId = wikibaseId,
        ConceptId = ConceptId,
        ClassifierId = ClassifierId,
        ClassifiersProfile = Profile,
        RegistryVersion = RegistryVersion.ToString(),
        RequireGpu = RequireGpu ? true : null,
        DontRunOn = DontRunOn.Count > 0 ? DontRunOn : null,
    };
}

/// <summary>A concept's registry in one environment: the fold of its records up to <see cref="Sequence"/>.</summary>
public sealed record ConceptRegistry(string WikibaseId, long Sequence, IReadOnlyList<RegistryEntry> Entries)
{
    public static ConceptRegistry Empty(string wikibaseId) => new(wikibaseId, 0, []);

    /// <summary>The SHA-256 of the record at <see cref="Sequence"/> as stored (null when there is none): the next
    /// record names it as its predecessor.</summary>
    public string? HeadSha256 { get; init; }

    public IEnumerable<RegistryEntry> Promoted => Entries.Where(e => e.Promoted);

    public RegistryEntry? Find(ModelVersion registryVersion) => Entries.FirstOrDefault(e => e.RegistryVersion == registryVersion);

    public ModelVersion NextRegistryVersion => Entries.Count == 0 ? new ModelVersion(0) : Entries.Max(e => e.RegistryVersion).Next();

    /// <summary>The state after <paramref name="record"/>, which must be the next in sequence.</summary>
    public ConceptRegistry Apply(RegistryRecord record)
    {
        if (record.Sequence != Sequence + 1)
        {
            throw new KgException("CorruptRegistry", KgErrorKind.InvalidData,
                $"The registry of {WikibaseId} skips from record {Sequence} to {record.Sequence}.", WikibaseId);
        }
        var entries = Entries.ToList();
        int IndexOf(ModelVersion v) => entries.FindIndex(e => e.RegistryVersion == v);
        RegistryEntry Touch(RegistryEntry e) => e with { UpdatedAt = record.At, LastSequence = record.Sequence };

        switch (record.Action)
        {
            case RegistryAction.Promote:
                if (record.Supersedes is { } old && IndexOf(old) is var oi and >= 0)
                {
                    entries[oi] = Touch(entries[oi] with { Promoted = false, Profile = null });
                }
                var entry = new RegistryEntry
                {
                    RegistryVersion = record.RegistryVersion,
                    ClassifierId = record.ClassifierId,
                    ModelVersion = record.ModelVersion ?? throw Corrupt(record, "model_version"),
                    ManifestSha256 = record.ManifestSha256 ?? throw Corrupt(record, "manifest_sha256"),
                    ConceptId = record.ConceptId,
                    ClassifierName = record.ClassifierName ?? throw Corrupt(record, "classifier_name"),
                    Promoted = true,
                    Profile = record.Profile,
                    DontRunOn = record.DontRunOn ?? [],
                    RequireGpu = record.RequireGpu ?? false,
                    UpdatedAt = record.At,
                    LastSequence = record.Sequence,
                };
                var existing = IndexOf(record.RegistryVersion);
                if (existing >= 0) entries[existing] = entry; else entries.Add(entry);
                break;
            case RegistryAction.Demote:
                var di = IndexOf(record.RegistryVersion);
                if (di < 0) throw Corrupt(record, "registry_version");
                entries[di] = Touch(entries[di] with { Promoted = false, Profile = null });
                break;
            case RegistryAction.Update:
                var ui = IndexOf(record.RegistryVersion);
                if (ui < 0) throw Corrupt(record, "registry_version");
                entries[ui] = Touch(entries[ui].With(record.Change ?? throw Corrupt(record, "change")));
                break;
            default:
                throw Corrupt(record, "action");
        }
        return new ConceptRegistry(WikibaseId, record.Sequence, entries.OrderBy(e => e.RegistryVersion).ToArray());
    }

    private KgException Corrupt(RegistryRecord r, string field) => new("CorruptRegistry", KgErrorKind.InvalidData,
        $"Registry record {r.Sequence} of {WikibaseId} is invalid: '{field}' is missing or refers to nothing.", WikibaseId);
}
