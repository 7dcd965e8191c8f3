using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Storage;

namespace KnowledgeGraph.Registry;

public enum RegistryAction
{
    /// <summary>A model version is linked into the concept's registry (if it was not) and promoted.</summary>
    Promote,
    /// <summary>A registry version stops being promoted; its link stays, so it can be promoted again.</summary>
    Demote,
    /// <summary>The metadata of a promoted registry version changes.</summary>
    Update,
}

/// <summary>A requested change to a registry version's metadata, applied in the original's order: clear
/// dont_run_on, add sources, remove sources; set or clear the GPU requirement; (profiles ∪ add) − remove.</summary>
public sealed record MetadataChange
{
    public bool ClearDontRunOn { get; init; }
    public IReadOnlyList<string> AddDontRunOn { get; init; } = [];
    public IReadOnlyList<string> RemoveDontRunOn { get; init; } = [];
    /// <summary>true: require a GPU; false: stop requiring one; null: leave it.</summary>
    public bool? RequireGpu { get; init; }
    public IReadOnlyList<string> AddProfiles { get; init; } = [];
    public IReadOnlyList<string> RemoveProfiles { get; init; } = [];

    public bool IsEmpty => !ClearDontRunOn && AddDontRunOn.Count == 0 && RemoveDontRunOn.Count == 0 && RequireGpu is null
        && AddProfiles.Count == 0 && RemoveProfiles.Count == 0;

    public override string ToString()
    {
        var parts = new List<string>();
        if (ClearDontRunOn) parts.Add("dont_run_on cleared");
        if (AddDontRunOn.Count > 0) parts.Add("dont_run_on +" + string.Join(" +", AddDontRunOn));
        if (RemoveDontRunOn.Count > 0) parts.Add("dont_run_on -" + string.Join(" -", RemoveDontRunOn));
        if (RequireGpu is { } gpu) parts.Add(gpu ? "requires GPU" : "GPU not required");
        if (AddProfiles.Count > 0) parts.Add("profile +" + string.Join(" +", AddProfiles));
        if (RemoveProfiles.Count > 0) parts.Add("profile -" + string.Join(" -", RemoveProfiles));
        return string.Join(", ", parts);
    }
}

/// <summary>One immutable entry of a concept's registry log, <c>registry/&lt;Qid&gt;/records/&lt;sequence&gt;.json</c>, written with
/// a create-only write at the next sequence number. The registry's state is the fold of its records.</summary>
public sealed record RegistryRecord
{
    public required long Sequence { get; init; }
    public required string WikibaseId { get; init; }
    public required string Environment { get; init; }
    public required DateTimeOffset At { get; init; }
    public required Actor By { get; init; }
    public required RegistryAction Action { get; init; }
    public required ModelVersion RegistryVersion { get; init; }
    public required string ClassifierId { get; init; }

    // Promote: the linked model version and the entry's resulting metadata.
    public ModelVersion? ModelVersion { get; init; }
    public string? ManifestSha256 { get; init; }
    public string? ConceptId { get; init; }
    public string? ClassifierName { get; init; }
    public string? Profile { get; init; }
    public IReadOnlyList<string>? DontRunOn { get; init; }
    public bool? RequireGpu { get; init; }
    /// <summary>The registry version of the same classifier that this promotion replaced (and so demoted).</summary>
    public ModelVersion? Supersedes { get; init; }

    /// <summary>What was asked for (Update; and the profile change of a Promote).</summary>
    public MetadataChange? Change { get; init; }

    /// <summary>The SHA-256 of the previous record as stored (null for the first): the log is a hash chain, so an
    /// edited or removed record shows.</summary>
    public string? PreviousSha256 { get; internal init; }

    /// <summary>The SHA-256 of the concept's canonical state after this record, against which snapshots are checked.</summary>
    public string? StateSha256 { get; internal init; }

    /// <summary>Whether the record was stored with the hash chain (schema /2); older records are read without it.</summary>
    internal bool Chained { get; init; }
}
