using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace KnowledgeGraph.WandB;

/// <summary>An artifact version as W&amp;B describes it (the fields of the SDK's <c>ArtifactFragment</c> KgTools reads).</summary>
public sealed record WandBArtifact
{
    public required string Id { get; init; }
    /// <summary>The artifact's own collection (its name: the classifier ID) and project (the concept).</summary>
    public required string Collection { get; init; }
    public required string Project { get; init; }
    public required string Entity { get; init; }
    /// <summary>vN in its collection; null while the artifact is not committed.</summary>
    public int? VersionIndex { get; init; }
    public string? Type { get; init; }
    public string? Description { get; init; }
    public required JsonObject Metadata { get; init; }
    public required IReadOnlyList<string> Tags { get; init; }
    public required string State { get; init; }
    public string? Digest { get; init; }
    public string? UpdatedAt { get; init; }

    public string Path => $"{Entity}/{Project}/{Collection}:v{VersionIndex}";

    /// <summary>The metadata as W&amp;B stores it, for comparing states: the same JSON text means the same metadata.</summary>
    public string MetadataJson => Metadata.ToJsonString();

    internal static WandBArtifact From(JsonNode node)
    {
        var metadataText = node["metadata"]?.GetValue<string>();
        var metadata = string.IsNullOrWhiteSpace(metadataText) ? new JsonObject() : JsonNode.Parse(metadataText) as JsonObject ?? new JsonObject();
        return new WandBArtifact
        {
            Id = node["id"]!.GetValue<string>(),
            Collection = node["artifactSequence"]?["name"]?.GetValue<string>() ?? "",
            Project = node["artifactSequence"]?["project"]?["name"]?.GetValue<string>() ?? "",
            Entity = node["artifactSequence"]?["project"]?["entity"]?["name"]?.GetValue<string>() ?? "",
            VersionIndex = node["versionIndex"]?.GetValue<int>(),
            Type = node["artifactType"]?["name"]?.GetValue<string>(),
            Description = node["description"]?.GetValue<string>(),
            Metadata = metadata,
            Tags = (node["tags"] as JsonArray ?? []).Select(t => t?["name"]?.GetValue<string>()).OfType<string>().ToArray(),
            State = node["state"]?.GetValue<string>() ?? "",
            Digest = node["digest"]?.GetValue<string>(),
            UpdatedAt = node["updatedAt"]?.GetValue<string>(),
        };
    }
}

/// <summary>A link of an artifact version into a collection (a registry collection: one per concept), with the link's
/// own version number (the registry version, <c>wandb_registry_version</c> in the spec).</summary>
public sealed record WandBMembership(string Id, int VersionIndex, string Collection, WandBArtifact Artifact)
{
    internal static WandBMembership? From(JsonNode? node) => node?["artifact"] is not JsonObject artifact
        ? null
        : new WandBMembership(node["id"]!.GetValue<string>(), node["versionIndex"]?.GetValue<int>() ?? -1,
            node["artifactCollection"]?["name"]?.GetValue<string>() ?? "", WandBArtifact.From(artifact));
}

public sealed record WandBViewer(string? Username, string? Entity, IReadOnlyList<string> Teams);

public sealed record WandBOrganization(string Name, string EntityName);

/// <summary>Typed calls of the operations in <see cref="WandBOperations"/>.</summary>
public sealed class WandBApi(WandBClient client)
{
    public WandBClient Client => client;

    public async Task<WandBViewer> ViewerAsync(CancellationToken ct)
    {
        var data = await client.GraphQLAsync("Viewer", WandBOperations.Viewer, [], ct).ConfigureAwait(false);
        var v = data["viewer"] ?? throw new KgException("WandBKeyRejected", KgErrorKind.AuthenticationError,
            $"W&B ({client.BaseUrl}) knows no user for {client.Key}: the key is wrong, expired or revoked.", "viewer");
        var teams = (v["teams"]?["edges"] as JsonArray ?? []).Select(e => e?["node"]?["name"]?.GetValue<string>()).OfType<string>().ToArray();
        return new WandBViewer(v["username"]?.GetValue<string>(), v["entity"]?.GetValue<string>(), teams);
    }

    /// <summary>The organization of a team entity, whose own entity owns the registries (as the SDK resolves it).</summary>
    public async Task<WandBOrganization> OrganizationAsync(string entity, CancellationToken ct)
    {
        var data = await client.GraphQLAsync("FetchOrgEntityFromEntity", WandBOperations.FetchOrgEntityFromEntity,
            new JsonObject { ["entityName"] = entity }, ct).ConfigureAwait(false);
        var org = data["entity"]?["organization"];
        var name = org?["name"]?.GetValue<string>();
        var orgEntity = org?["orgEntity"]?["name"]?.GetValue<string>();
        if (name is null || orgEntity is null)
        {
            throw new KgException("WandBNoOrganization", KgErrorKind.ObjectNotFound,
                $"W&B entity '{entity}' has no organization ({client.BaseUrl}), so it has no model registry: it is a personal entity, misspelled, or not visible to the owner of {client.Key}. Set the team entity with Set-KgEnvironment -WandBEntity.",
                entity);
        }
        return new WandBOrganization(name, orgEntity);
    }

    /// <summary>The membership <paramref name="name"/> (<c>collection:vN</c> or <c>collection:alias</c>) of a project; null when
    /// there is none (W&amp;B answers null, not an error).</summary>
    public async Task<WandBMembership?> MembershipAsync(string entity, string project, string name, CancellationToken ct)
    {
        var data = await client.GraphQLAsync("ArtifactMembershipByName", WandBOperations.ArtifactMembershipByName,
            new JsonObject { ["entity"] = entity, ["project"] = project, ["name"] = name }, ct).ConfigureAwait(false);
        return WandBMembership.From(data["project"]?["artifactCollectionMembership"]);
    }

    public async Task<WandBArtifact?> ArtifactAsync(string id, CancellationToken ct)
    {
        var data = await client.GraphQLAsync("ArtifactByID", WandBOperations.ArtifactByID, new JsonObject { ["id"] = id }, ct).ConfigureAwait(false);
        return data["artifact"] is JsonObject a ? WandBArtifact.From(a) : null;
    }

    /// <summary>Every membership of the organization's registry <paramref name="registry"/> whose collection matches
    /// <paramref name="collectionFilter"/> (and <paramref name="artifactFilter"/>), page by page.</summary>
    public async Task<IReadOnlyList<WandBMembership>> RegistryVersionsAsync(WandBOrganization org, string registry, JsonObject collectionFilter,
        JsonObject? artifactFilter, CancellationToken ct)
    {
        var result = new List<WandBMembership>();
        string? cursor = null;
        for (var page = 0; page < 10_000; page++)
        {
            var variables = new JsonObject
            {
                ["organization"] = org.Name,
                ["registryFilter"] = new JsonObject { ["name"] = registry }.ToJsonString(),
                ["collectionFilter"] = collectionFilter.ToJsonString(),
                ["artifactFilter"] = artifactFilter?.ToJsonString(),
                ["cursor"] = cursor,
                ["perPage"] = 100,
            };
            var data = await client.GraphQLAsync("RegistryVersions", WandBOperations.RegistryVersions, variables, ct).ConfigureAwait(false);
            var memberships = data["organization"]?["orgEntity"]?["artifactMemberships"];
            if (memberships is null)
            {
                break;
            }
            result.AddRange((memberships["edges"] as JsonArray ?? []).Select(e => WandBMembership.From(e?["node"])).OfType<WandBMembership>());
            if (memberships["pageInfo"]?["hasNextPage"]?.GetValue<bool>() != true)
            {
                break;
            }
            cursor = memberships["pageInfo"]?["endCursor"]?.GetValue<string>();
        }
        return result;
    }

    /// <summary>The roles of a user in a registry: their own, and those of their teams.</summary>
    public async Task<IReadOnlyList<string>> RegistryRolesAsync(WandBOrganization org, string registry, WandBViewer viewer, CancellationToken ct,
        Func<WandBDenial, KgException>? denied = null)
    {
        var roles = new List<string>();
        var variables = new JsonObject { ["project"] = registry, ["entity"] = org.EntityName };
        var users = await client.GraphQLAsync("RegistryUserMembers", WandBOperations.RegistryUserMembers, variables, ct, denied).ConfigureAwait(false);
        roles.AddRange((users["project"]?["members"] as JsonArray ?? [])
            .Where(m => m?["username"]?.GetValue<string>() == viewer.Username)
            .Select(m => m?["role"]?["name"]?.GetValue<string>()).OfType<string>());
        var teams = await client.GraphQLAsync("RegistryTeamMembers", WandBOperations.RegistryTeamMembers, (JsonObject)variables.DeepClone(), ct, denied).ConfigureAwait(false);
        roles.AddRange((teams["project"]?["teamMembers"] as JsonArray ?? [])
            .Where(m => viewer.Teams.Contains(m?["team"]?["name"]?.GetValue<string>() ?? "", StringComparer.Ordinal))
            .Select(m => m?["role"]?["name"]?.GetValue<string>()).OfType<string>());
        return roles;
    }

    public async Task<WandBMembership> LinkAsync(string artifactId, WandBOrganization org, string registry, string collection, CancellationToken ct,
        Func<WandBDenial, KgException>? denied)
    {
        var input = new JsonObject
        {
            ["artifactID"] = artifactId,
            ["artifactPortfolioName"] = collection,
            ["entityName"] = org.EntityName,
            ["projectName"] = registry,
        };
        var data = await client.GraphQLAsync("LinkArtifact", WandBOperations.LinkArtifact, new JsonObject { ["input"] = input }, ct, denied).ConfigureAwait(false);
        var result = data["result"];
        return WandBMembership.From(result?["artifactMembership"])
            ?? throw new KgException("WandBRequestFailed", KgErrorKind.InvalidOperation,
                $"W&B ({client.BaseUrl}) linked artifact {artifactId} into {registry}/{collection} as v{result?["versionIndex"]} but returned no membership.", collection);
    }

    /// <summary>Replaces an artifact's metadata (W&amp;B stores the whole object: there is no partial update) and adds or
    /// removes tags. Returns the artifact as W&amp;B has it after the change.</summary>
    public async Task<WandBArtifact> UpdateAsync(string artifactId, JsonObject? metadata, IReadOnlyList<string> tagsToAdd, IReadOnlyList<string> tagsToDelete,
        CancellationToken ct, Func<WandBDenial, KgException>? denied = null)
    {
        var input = new JsonObject { ["artifactID"] = artifactId };
        if (metadata is not null)
        {
            input["metadata"] = metadata.ToJsonString();
        }
        if (tagsToAdd.Count > 0)
        {
            input["tagsToAdd"] = new JsonArray(tagsToAdd.Select(t => (JsonNode)new JsonObject { ["tagName"] = t }).ToArray());
        }
        if (tagsToDelete.Count > 0)
        {
            input["tagsToDelete"] = new JsonArray(tagsToDelete.Select(t => (JsonNode)new JsonObject { ["tagName"] = t }).ToArray());
        }
        var data = await client.GraphQLAsync("UpdateArtifact", WandBOperations.UpdateArtifact, new JsonObject { ["input"] = input }, ct, denied).ConfigureAwait(false);
        return WandBArtifact.From(data["result"]?["artifact"] ?? throw new KgException("WandBRequestFailed", KgErrorKind.InvalidOperation,
            $"W&B ({client.BaseUrl}) returned no artifact after updating {artifactId}.", artifactId));
    }

    /// <summary>Base64 of the MD5 of some bytes: how W&amp;B names the content of uploaded files and manifests.</summary>
    public static string Base64Md5(byte[] data) => Convert.ToBase64String(MD5.HashData(data));

    /// <summary>A run name as W&amp;B makes them: eight lower-case letters and digits.</summary>
    public static string NewRunName()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        return new string(RandomNumberGenerator.GetItems<char>(alphabet, 8));
    }

    internal static string Utf8(JsonNode node) => node.ToJsonString();

    internal static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());
}
