using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Wikibase;

/// <summary>An item revision used by a fetch.</summary>
public sealed record RevisionRef(string Id, long Revision);

/// <summary>A subconcept as a fetch used it: its revision and those of its negative concepts.</summary>
public sealed record SubconceptRef(string Id, long Revision, IReadOnlyList<RevisionRef> NegativeConcepts);

/// <summary>Everything one fetch of a concept used, by reference to immutable revisions: the concept's revision, the
/// revisions of its negative concepts and subconcepts, the descendants SPARQL listed and the redirects resolved. The
/// concept is assembled from this alone, online and offline alike, so the same snapshot always gives the same concept.</summary>
public sealed record ConceptSnapshot
{
    public required string WikibaseId { get; init; }
    public required long Revision { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    /// <summary>The time related concepts were read at (the revision's time for -Revision, else -AsOf or the fetch time).</summary>
    public required DateTimeOffset RelatedAsOf { get; init; }
    public required DateTimeOffset FetchedAt { get; init; }
    public bool SubconceptLabels { get; init; }
    public IReadOnlyDictionary<string, string> Redirects { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<RevisionRef> NegativeConcepts { get; init; } = [];
    public IReadOnlyList<string>? Descendants { get; init; }
    public IReadOnlyList<SubconceptRef> Subconcepts { get; init; } = [];
}

/// <summary>The local cache of one Wikibase, under the home folder: each item revision once
/// (<c>revisions/&lt;Qid&gt;/&lt;revision&gt;.json</c>, never changed: a revision's content is immutable) and each fetch's
/// snapshot (<c>concepts/&lt;Qid&gt;/&lt;revision&gt;[.subconcepts].json</c>, replaced by a newer fetch of the same revision).
/// Files are written atomically.</summary>
public sealed class WikibaseCache(string folder)
{
    public string Folder { get; } = folder;

    public EntityRevision? TryGetRevision(string id, long revision)
    {
        var file = RevisionFile(id, revision);
        if (!File.Exists(file))
        {
            return null;
        }
        var d = Read(file, WikibaseJsonContext.Default.CachedRevisionDocument);
        return d is null || d.WikibaseId != id || d.Revision != revision || d.Content is null
            ? null
            : new EntityRevision(id, d.PageId, d.Revision, d.Timestamp, d.Content);
    }

    public void PutRevision(EntityRevision r)
    {
        var file = RevisionFile(r.WikibaseId, r.Revision);
        if (!File.Exists(file))
        {
            Write(file, new CachedRevisionDocument
            {
                Schema = "kgtools.wikibase-revision/1",
                WikibaseId = r.WikibaseId,
                PageId = r.PageId,
                Revision = r.Revision,
                Timestamp = r.Timestamp,
                Content = r.Content,
            }, WikibaseJsonContext.Default.CachedRevisionDocument);
        }
    }

    public ConceptSnapshot? TryGetSnapshot(string id, long revision, bool subconceptLabels) =>
        ReadSnapshot(SnapshotFile(id, revision, subconceptLabels));

    /// <summary>The newest snapshot of a concept with these options (at or before <paramref name="asOf"/> when given).</summary>
    public ConceptSnapshot? Latest(string id, bool subconceptLabels, DateTimeOffset? asOf)
    {
        var dir = Path.Combine(Folder, "concepts", id);
        if (!Directory.Exists(dir))
        {
            return null;
        }
        return Directory.EnumerateFiles(dir, "*.json")
            .Where(f => Path.GetFileName(f).EndsWith(".subconcepts.json", StringComparison.Ordinal) == subconceptLabels)
            .Select(ReadSnapshot)
            .Where(s => s is not null && (asOf is null || s.Timestamp <= asOf))
            .OrderByDescending(s => s!.Revision).ThenByDescending(s => s!.FetchedAt)
            .FirstOrDefault();
    }

    public void PutSnapshot(ConceptSnapshot s) => Write(SnapshotFile(s.WikibaseId, s.Revision, s.SubconceptLabels), new SnapshotDocument
    {
        Schema = "kgtools.wikibase-concept/1",
        WikibaseId = s.WikibaseId,
        Revision = s.Revision,
        Timestamp = s.Timestamp,
        RelatedAsOf = s.RelatedAsOf,
        FetchedAt = s.FetchedAt,
        SubconceptLabels = s.SubconceptLabels,
        Redirects = s.Redirects.ToDictionary(),
        NegativeConcepts = [.. s.NegativeConcepts.Select(r => new RevisionRefDocument { Id = r.Id, Revision = r.Revision })],
        Descendants = s.Descendants?.ToList(),
        Subconcepts = [.. s.Subconcepts.Select(x => new SubconceptDocument
        {
            Id = x.Id,
            Revision = x.Revision,
            NegativeConcepts = [.. x.NegativeConcepts.Select(r => new RevisionRefDocument { Id = r.Id, Revision = r.Revision })],
        })],
    }, WikibaseJsonContext.Default.SnapshotDocument);

    /// <summary>The IDs with a cached snapshot (for completion, which must not wait for the network).</summary>
    public IReadOnlyList<string> SnapshotIds()
    {
        var dir = Path.Combine(Folder, "concepts");
        return Directory.Exists(dir)
            ? Directory.EnumerateDirectories(dir).Select(Path.GetFileName).Where(Identifiers.WikibaseId.IsValid).Select(x => x!).ToArray()
            : [];
    }

    private ConceptSnapshot? ReadSnapshot(string file)
    {
        if (!File.Exists(file))
        {
            return null;
        }
        var d = Read(file, WikibaseJsonContext.Default.SnapshotDocument);
        if (d?.WikibaseId is null)
        {
            return null;
        }
        return new ConceptSnapshot
        {
            WikibaseId = d.WikibaseId,
            Revision = d.Revision,
            Timestamp = d.Timestamp,
            RelatedAsOf = d.RelatedAsOf,
            FetchedAt = d.FetchedAt,
            SubconceptLabels = d.SubconceptLabels,
            Redirects = d.Redirects ?? [],
            NegativeConcepts = [.. (d.NegativeConcepts ?? []).Select(r => new RevisionRef(r.Id!, r.Revision))],
            Descendants = d.Descendants,
            Subconcepts = [.. (d.Subconcepts ?? []).Select(x => new SubconceptRef(x.Id!, x.Revision,
                [.. (x.NegativeConcepts ?? []).Select(r => new RevisionRef(r.Id!, r.Revision))]))],
        };
    }

    private string RevisionFile(string id, long revision) =>
        Path.Combine(Folder, "revisions", id, revision.ToString(CultureInfo.InvariantCulture) + ".json");

    private string SnapshotFile(string id, long revision, bool subconceptLabels) =>
        Path.Combine(Folder, "concepts", id, revision.ToString(CultureInfo.InvariantCulture) + (subconceptLabels ? ".subconcepts" : "") + ".json");

    /// <summary>A damaged cache file is a miss, never an error: the cache can always be fetched again.</summary>
    private static T? Read<T>(string file, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(file), type);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void Write<T>(string file, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        FileText.WriteAtomic(file, Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(value, type)), "cache file");
    }
}

internal sealed record CachedRevisionDocument
{
    public string? Schema { get; init; }
    public string? WikibaseId { get; init; }
    public long PageId { get; init; }
    public long Revision { get; init; }
    public DateTimeOffset Timestamp { get; init; }
    /// <summary>The entity JSON exactly as the API returned it.</summary>
    public string? Content { get; init; }
}

internal sealed record RevisionRefDocument
{
    public string? Id { get; init; }
    public long Revision { get; init; }
}

internal sealed record SubconceptDocument
{
    public string? Id { get; init; }
    public long Revision { get; init; }
    public List<RevisionRefDocument>? NegativeConcepts { get; init; }
}

internal sealed record SnapshotDocument
{
    public string? Schema { get; init; }
    public string? WikibaseId { get; init; }
    public long Revision { get; init; }
    public DateTimeOffset Timestamp { get; init; }
    public DateTimeOffset RelatedAsOf { get; init; }
    public DateTimeOffset FetchedAt { get; init; }
    public bool SubconceptLabels { get; init; }
    public Dictionary<string, string>? Redirects { get; init; }
    public List<RevisionRefDocument>? NegativeConcepts { get; init; }
    public List<string>? Descendants { get; init; }
    public List<SubconceptDocument>? Subconcepts { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(CachedRevisionDocument))]
[JsonSerializable(typeof(SnapshotDocument))]
internal sealed partial class WikibaseJsonContext : JsonSerializerContext;
