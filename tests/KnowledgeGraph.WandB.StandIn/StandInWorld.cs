using System.Text;
using System.Text.Json.Nodes;

namespace KnowledgeGraph.Tests.WandB;

/// <summary>A W&amp;B user of the stand-in: the teams (entities) they belong to.</summary>
public sealed record StandInUser(string Username, string Entity, IReadOnlyList<string> Teams, string Email);

/// <summary>An artifact version: in its sequence (project <see cref="Project"/>, collection <see cref="Collection"/>).</summary>
public sealed class ArtifactRecord
{
    public required string Id { get; init; }
    public required string Entity { get; init; }
    public required string Project { get; init; }
    public required string Collection { get; init; }
    public required string Type { get; init; }
    public required string Digest { get; init; }
    public int? VersionIndex { get; set; }
    public string State { get; set; } = "PENDING";
    public string Metadata { get; set; } = "{}";
    public List<string> Tags { get; } = [];
    public string? Description { get; set; }
    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;
    public string? RunName { get; init; }
    public string? ManifestId { get; set; }
    public string? ManifestDigest { get; set; }
    /// <summary>Uploaded files: name, base64 MD5, storage key.</summary>
    public List<(string Name, string Md5, string Key)> Files { get; } = [];
    public int FileCount { get; set; }

    public JsonObject MetadataObject => JsonNode.Parse(Metadata) as JsonObject ?? [];
}

/// <summary>A link of an artifact into a registry collection.</summary>
public sealed record MembershipRecord(string Id, int VersionIndex, string ArtifactId);

/// <summary>A registry collection (portfolio) of the organization's model registry.</summary>
public sealed class PortfolioRecord
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public List<MembershipRecord> Memberships { get; } = [];
}

public sealed class RunRecord
{
    public required string Id { get; init; }
    public required string Entity { get; init; }
    public required string Project { get; init; }
    public required string Name { get; init; }
    public string? JobType { get; set; }
    public string? Config { get; set; }
    public List<string> History { get; } = [];
    public string? Summary { get; set; }
    public bool Complete { get; set; }
    public int? ExitCode { get; set; }
    public Dictionary<string, string> Files { get; } = [];
    public List<string> Used { get; } = [];
}

/// <summary>The stand-in's state: one team entity in one organization, its projects' artifacts and runs, and the
/// organization's model registry (<c>wandb-registry-model</c>) with its members' roles.</summary>
public sealed class StandInWorld
{
    public const string Registry = "wandb-registry-model";
    private int _ids;

    public string TeamEntity { get; init; } = "kg-team";
    public string OrgName { get; init; } = "KG Org";
    public string OrgEntity { get; init; } = "kg-org-entity";
    public Dictionary<string, StandInUser> Keys { get; } = new(StringComparer.Ordinal);
    public HashSet<string> ExpiredKeys { get; } = new(StringComparer.Ordinal);
    /// <summary>Registry roles by user name (admin, member, viewer); a user without one cannot see the registry.</summary>
    public Dictionary<string, string> RegistryRoles { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> TeamRegistryRoles { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ArtifactRecord> Artifacts { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, PortfolioRecord> Portfolios { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, RunRecord> Runs { get; } = new(StringComparer.Ordinal);
    /// <summary>Manifest id → artifact id.</summary>
    public Dictionary<string, string> Manifests { get; } = new(StringComparer.Ordinal);

    public string NewId(string kind) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{kind}:{Interlocked.Increment(ref _ids)}"));

    public IEnumerable<ArtifactRecord> Sequence(string entity, string project, string collection) =>
        Artifacts.Values.Where(a => a.Entity == entity && a.Project == project && a.Collection == collection);

    public ArtifactRecord? Committed(string entity, string project, string collection, int version) =>
        Sequence(entity, project, collection).FirstOrDefault(a => a.State == "COMMITTED" && a.VersionIndex == version);

    public ArtifactRecord? Latest(string entity, string project, string collection) =>
        Sequence(entity, project, collection).Where(a => a.State == "COMMITTED").MaxBy(a => a.VersionIndex);

    /// <summary>Adds a committed model artifact that is linked into the registry and promoted in an environment, as the
    /// original system leaves them (its model is a pickle in another bucket, not in the KgTools store).</summary>
    public (ArtifactRecord Artifact, MembershipRecord Link) SeedPromoted(string wikibaseId, string classifierId, string environment, string? profile,
        string conceptId, IReadOnlyList<string>? dontRunOn = null, bool gpu = false, bool promoted = true)
    {
        var version = Sequence(TeamEntity, wikibaseId, classifierId).Count();
        var metadata = new JsonObject
        {
            ["aws_env"] = environment,
            ["classifier_name"] = "KeywordClassifier",
            ["concept_id"] = conceptId,
            ["concept_wikibase_revision"] = 1,
        };
        if (profile is not null) metadata["classifiers_profiles"] = new JsonArray(profile);
        if (dontRunOn is { Count: > 0 }) metadata["dont_run_on"] = new JsonArray(dontRunOn.Select(s => (JsonNode)s).ToArray());
        if (gpu) metadata["compute_environment"] = new JsonObject { ["gpu"] = true };
        var artifact = new ArtifactRecord
        {
            Id = NewId("Artifact"),
            Entity = TeamEntity,
            Project = wikibaseId,
            Collection = classifierId,
            Type = "model",
            Digest = Guid.NewGuid().ToString("N"),
            VersionIndex = version,
            State = "COMMITTED",
            Metadata = metadata.ToJsonString(),
        };
        if (promoted) artifact.Tags.Add(environment);
        Artifacts[artifact.Id] = artifact;
        return (artifact, Link(artifact, wikibaseId));
    }

    public MembershipRecord Link(ArtifactRecord artifact, string collection)
    {
        if (!Portfolios.TryGetValue(collection, out var portfolio))
        {
            Portfolios[collection] = portfolio = new PortfolioRecord { Id = NewId("ArtifactCollection"), Name = collection };
        }
        var existing = portfolio.Memberships.FirstOrDefault(m => m.ArtifactId == artifact.Id);
        if (existing is not null)
        {
            return existing;
        }
        var link = new MembershipRecord(NewId("ArtifactCollectionMembership"), portfolio.Memberships.Count, artifact.Id);
        portfolio.Memberships.Add(link);
        return link;
    }

    /// <summary>Another writer's metadata change (a full replacement, as W&amp;B does it), for concurrency tests.</summary>
    public void ReplaceMetadata(string artifactId, Action<JsonObject> change)
    {
        var a = Artifacts[artifactId];
        var m = a.MetadataObject;
        change(m);
        a.Metadata = m.ToJsonString();
        Touch(a);
    }

    public void Touch(ArtifactRecord a)
    {
        var now = DateTimeOffset.UtcNow;
        a.UpdatedAt = now > a.UpdatedAt ? now : a.UpdatedAt.AddTicks(1);
    }
}
