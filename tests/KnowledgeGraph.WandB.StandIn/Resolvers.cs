using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GraphQL;

namespace KnowledgeGraph.Tests.WandB;

/// <summary>The stand-in's answers: dictionaries in the shapes of W&amp;B's types, built from the state for one user.</summary>
internal sealed class Resolvers(WandBStandIn server, StandInUser user)
{
    private readonly StandInWorld _w = server.World;
    private static readonly Regex TagPattern = new(@"^[-\w]+( +[-\w]+)*$");

    private static Dictionary<string, object?> D(params (string Key, object? Value)[] entries) => entries.ToDictionary(e => e.Key, e => e.Value);

    private static Func<IResolveFieldContext, object?> F(Func<IResolveFieldContext, object?> f) => f;

    private static Dictionary<string, object?> Input(IResolveFieldContext c) => c.GetArgument<Dictionary<string, object?>>("input");

    private static string? S(IDictionary<string, object?> d, string key) => d.TryGetValue(key, out var v) ? v?.ToString() : null;

    private bool InTeam(string entity) => user.Teams.Contains(entity) || user.Entity == entity;

    private void RequireProject(string entity, string project)
    {
        if (!InTeam(entity))
        {
            throw WandBStandIn.Denied($"Permission denied to access {entity}/{project}");
        }
    }

    private string? Role => _w.RegistryRoles.GetValueOrDefault(user.Username)
        ?? user.Teams.Select(t => _w.TeamRegistryRoles.GetValueOrDefault(t)).FirstOrDefault(r => r is not null);

    public Dictionary<string, object?> Root() => D(
        ("viewer", D(("id", "VXNlcjox"), ("entity", user.Entity), ("username", user.Username), ("email", user.Email),
            ("teams", D(("edges", user.Teams.Select(t => D(("node", Entity(t)))).ToList()))))),
        ("entity", F(c => Entity(c.GetArgument<string>("name")))),
        ("project", F(c => Project(c.GetArgument<string>("entityName"), c.GetArgument<string>("name")))),
        ("organization", F(c => c.GetArgument<string>("name") == _w.OrgName ? Organization() : null)),
        ("artifact", F(c => _w.Artifacts.TryGetValue(c.GetArgument<string>("id"), out var a) ? Artifact(a) : null)),
        ("upsertBucket", F(UpsertBucket)),
        ("createRunFiles", F(CreateRunFiles)),
        ("createArtifact", F(CreateArtifact)),
        ("createArtifactManifest", F(CreateArtifactManifest)),
        ("updateArtifactManifest", F(UpdateArtifactManifest)),
        ("createArtifactFiles", F(CreateArtifactFiles)),
        ("commitArtifact", F(CommitArtifact)),
        ("useArtifact", F(UseArtifact)),
        ("linkArtifact", F(LinkArtifact)),
        ("updateArtifact", F(UpdateArtifact)));

    // ------------------------------------------------------------------ views

    private Dictionary<string, object?>? Entity(string name)
    {
        if (name != _w.TeamEntity && name != _w.OrgEntity && !_w.Keys.Values.Any(u => u.Entity == name))
        {
            return null;
        }
        return D(("id", "RW50aXR5:" + name), ("name", name),
            ("organization", name == _w.TeamEntity || name == _w.OrgEntity ? Organization() : null),
            ("artifactMemberships", F(c => RegistryMemberships(name, c))));
    }

    private Dictionary<string, object?> Organization() => D(("id", "T3Jn"), ("name", _w.OrgName), ("orgEntity", F(_ => Entity(_w.OrgEntity))));

    private Dictionary<string, object?>? Project(string? entity, string? name)
    {
        if (entity is null || name is null)
        {
            return null;
        }
        var registry = entity == _w.OrgEntity && name == StandInWorld.Registry;
        if (!registry && !InTeam(entity))
        {
            throw WandBStandIn.Denied($"Permission denied to access {entity}/{name}");
        }
        return D(("id", $"UHJvamVjdDo{entity}/{name}"), ("internalId", $"{entity}/{name}"), ("name", name), ("entity", Entity(entity)),
            ("artifactCollectionMembership", F(c => registry ? null : ProjectMembership(entity, name, c.GetArgument<string>("name")))),
            ("members", F(_ => registry ? RegistryUsers() : [])),
            ("teamMembers", F(_ => registry ? RegistryTeams() : [])));
    }

    private List<object?> RegistryUsers()
    {
        if (Role is null) throw WandBStandIn.Denied($"Permission denied to access {_w.OrgEntity}/{StandInWorld.Registry}");
        return _w.RegistryRoles.Select(r => (object?)D(("id", "UHJvamVjdE1lbWJlcg:" + r.Key), ("name", r.Key), ("username", r.Key), ("email", null), ("role", D(("name", r.Value))))).ToList();
    }

    private List<object?> RegistryTeams()
    {
        if (Role is null) throw WandBStandIn.Denied($"Permission denied to access {_w.OrgEntity}/{StandInWorld.Registry}");
        return _w.TeamRegistryRoles.Select(r => (object?)D(("team", Entity(r.Key)), ("role", D(("name", r.Value))))).ToList();
    }

    private Dictionary<string, object?> Sequence(string entity, string project, string collection) => D(
        ("__kind", "sequence"), ("id", $"QXJ0aWZhY3RTZXF1ZW5jZTo{entity}/{project}/{collection}"), ("name", collection),
        ("project", F(_ => Project(entity, project))),
        ("latestArtifact", F(_ => _w.Latest(entity, project, collection) is { } a ? Artifact(a) : null)));

    private Dictionary<string, object?> Portfolio(PortfolioRecord p) => D(
        ("__kind", "portfolio"), ("id", p.Id), ("name", p.Name), ("project", F(_ => Project(_w.OrgEntity, StandInWorld.Registry))));

    private Dictionary<string, object?> Artifact(ArtifactRecord a) => D(
        ("id", a.Id),
        ("artifactSequence", Sequence(a.Entity, a.Project, a.Collection)),
        ("versionIndex", a.VersionIndex),
        ("artifactType", D(("name", a.Type))),
        ("description", a.Description),
        ("metadata", a.Metadata),
        ("ttlDurationSeconds", -1L),
        ("ttlIsInherited", true),
        ("tags", a.Tags.Select(t => (object?)D(("id", "VGFn:" + t), ("name", t))).ToList()),
        ("historyStep", null),
        ("state", a.State),
        ("size", 0L),
        ("digest", a.Digest),
        ("commitHash", null),
        ("fileCount", (long)a.FileCount),
        ("createdAt", a.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffff", CultureInfo.InvariantCulture)),
        ("updatedAt", a.UpdatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffff", CultureInfo.InvariantCulture)),
        ("aliases", new List<object?>()));

    private Dictionary<string, object?> Alias(string alias, Dictionary<string, object?> collection) =>
        D(("id", "QWxpYXM:" + alias), ("alias", alias), ("artifactCollection", collection));

    /// <summary><c>collection:vN</c> or <c>collection:latest</c> in a team project.</summary>
    private Dictionary<string, object?>? ProjectMembership(string entity, string project, string name)
    {
        var colon = name.LastIndexOf(':');
        if (colon <= 0) return null;
        var (collection, alias) = (name[..colon], name[(colon + 1)..]);
        var a = alias == "latest" ? _w.Latest(entity, project, collection)
            : alias.StartsWith('v') && int.TryParse(alias[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? _w.Committed(entity, project, collection, v) : null;
        if (a is null) return null;
        var sequence = Sequence(entity, project, collection);
        var aliases = new List<object?> { Alias("v" + a.VersionIndex, sequence) };
        if (_w.Latest(entity, project, collection) == a) aliases.Add(Alias("latest", sequence));
        return D(("id", "TWVtYmVyc2hpcDo" + a.Id), ("versionIndex", a.VersionIndex), ("aliases", aliases), ("artifactCollection", sequence), ("artifact", Artifact(a)));
    }

    private Dictionary<string, object?> RegistryMembership(PortfolioRecord p, MembershipRecord m)
    {
        var portfolio = Portfolio(p);
        var aliases = new List<object?> { Alias("v" + m.VersionIndex, portfolio) };
        if (p.Memberships[^1] == m) aliases.Add(Alias("latest", portfolio));
        return D(("id", m.Id), ("versionIndex", m.VersionIndex), ("aliases", aliases), ("artifactCollection", portfolio), ("artifact", Artifact(_w.Artifacts[m.ArtifactId])));
    }

    /// <summary>The organization entity's registry versions, filtered as the SDK's basic registry search filters them.</summary>
    private Dictionary<string, object?> RegistryMemberships(string entity, IResolveFieldContext c)
    {
        if (entity != _w.OrgEntity) return D(("pageInfo", D(("endCursor", null), ("hasNextPage", false))), ("edges", new List<object?>()));
        if (Role is null) throw WandBStandIn.Denied($"Permission denied to access {_w.OrgEntity}/{StandInWorld.Registry}");
        var registryFilter = JsonNode.Parse(c.GetArgument<string?>("projectFilters") ?? "{}")!;
        var collectionFilter = JsonNode.Parse(c.GetArgument<string?>("collectionFilters") ?? "{}")!;
        var artifactFilter = JsonNode.Parse(c.GetArgument<string?>("filters") ?? "{}")!;
        var all = new List<(PortfolioRecord P, MembershipRecord M)>();
        if (Matches(registryFilter["name"], StandInWorld.Registry))
        {
            foreach (var p in _w.Portfolios.Values.OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                if (!Matches(collectionFilter["name"], p.Name)) continue;
                all.AddRange(p.Memberships.Where(m => artifactFilter["tag"] is not { } tag || _w.Artifacts[m.ArtifactId].Tags.Contains(tag.GetValue<string>())).Select(m => (p, m)));
            }
        }
        var after = c.GetArgument<string?>("after") is { } cursor ? int.Parse(cursor, CultureInfo.InvariantCulture) : 0;
        var first = c.GetArgument<int?>("first") ?? 50;
        var page = all.Skip(after).Take(first).ToList();
        var next = after + page.Count;
        return D(("pageInfo", D(("endCursor", next.ToString(CultureInfo.InvariantCulture)), ("hasNextPage", next < all.Count))),
            ("edges", page.Select(x => (object?)D(("node", RegistryMembership(x.P, x.M)))).ToList()));
    }

    private static bool Matches(JsonNode? filter, string value) => filter switch
    {
        null => true,
        JsonValue v => v.GetValue<string>() == value,
        JsonObject o when o["$regex"] is { } regex => Regex.IsMatch(value, regex.GetValue<string>()),
        _ => throw new ExecutionError($"unsupported filter {filter.ToJsonString()}"),
    };

    private Dictionary<string, object?> Run(RunRecord r) => D(("id", r.Id), ("name", r.Name), ("displayName", r.Name), ("description", null),
        ("config", r.Config), ("sweepName", null), ("project", F(_ => Project(r.Entity, r.Project))), ("historyLineCount", r.History.Count));

    private Dictionary<string, object?> File(string id, string? uploadUrl, string? storagePath = null, ArtifactRecord? artifact = null) =>
        D(("id", id), ("uploadUrl", uploadUrl), ("uploadHeaders", new List<object?>()), ("storagePath", storagePath),
            ("artifact", artifact is null ? null : Artifact(artifact)));

    // ------------------------------------------------------------------ mutations

    private object? UpsertBucket(IResolveFieldContext c)
    {
        var i = Input(c);
        var (entity, project) = (S(i, "entityName") ?? user.Entity, S(i, "modelName") ?? "uncategorized");
        RequireProject(entity, project);
        var name = S(i, "name") ?? Guid.NewGuid().ToString("N")[..8];
        var key = $"{entity}/{project}/{name}";
        var inserted = !_w.Runs.TryGetValue(key, out var run);
        run ??= _w.Runs[key] = new RunRecord { Id = _w.NewId("Run"), Entity = entity, Project = project, Name = name };
        run.JobType = S(i, "jobType") ?? run.JobType;
        run.Config = S(i, "config") ?? run.Config;
        return D(("bucket", Run(run)), ("inserted", inserted));
    }

    private object? CreateRunFiles(IResolveFieldContext c)
    {
        var i = Input(c);
        var key = $"{S(i, "entityName")}/{S(i, "projectName")}/{S(i, "runName")}";
        var run = _w.Runs.GetValueOrDefault(key) ?? throw new ExecutionError($"run {key} not found");
        RequireProject(run.Entity, run.Project);
        var files = ((IEnumerable<object?>)i["files"]!).Select(f => f!.ToString()!).ToList();
        var result = new List<object?>();
        foreach (var f in files)
        {
            var storageKey = $"runs/{run.Id}/{f}";
            run.Files[f] = storageKey;
            result.Add(D(("name", f), ("uploadUrl", server.Storage.PutUrl(storageKey))));
        }
        return D(("runID", run.Id), ("uploadHeaders", new List<object?>()), ("files", result));
    }

    private object? CreateArtifact(IResolveFieldContext c)
    {
        var i = Input(c);
        var (entity, project, collection) = (S(i, "entityName")!, S(i, "projectName")!, S(i, "artifactCollectionName")!);
        RequireProject(entity, project);
        if (S(i, "runName") is { } runName && !_w.Runs.ContainsKey($"{entity}/{project}/{runName}"))
        {
            throw new ExecutionError($"run {runName} not found in {entity}/{project}");
        }
        var digest = S(i, "digest")!;
        var existing = i.TryGetValue("enableDigestDeduplication", out var dedupe) && dedupe is true
            ? _w.Sequence(entity, project, collection).FirstOrDefault(a => a.State == "COMMITTED" && a.Digest == digest) : null;
        var latest = _w.Latest(entity, project, collection);
        var artifact = existing ?? new ArtifactRecord
        {
            Id = _w.NewId("Artifact"),
            Entity = entity,
            Project = project,
            Collection = collection,
            Type = S(i, "artifactTypeName")!,
            Digest = digest,
            Metadata = S(i, "metadata") ?? "{}",
            Description = S(i, "description"),
            RunName = S(i, "runName"),
        };
        if (existing is null)
        {
            JsonNode.Parse(artifact.Metadata);
            _w.Artifacts[artifact.Id] = artifact;
        }
        return D(("artifact", new Dictionary<string, object?>(Artifact(artifact))
        {
            ["artifactSequence"] = D(("__kind", "sequence"), ("latestArtifact", latest is null ? null : D(("id", latest.Id)))),
        }));
    }

    private ArtifactRecord Pending(string id)
    {
        var a = _w.Artifacts.GetValueOrDefault(id) ?? throw new ExecutionError($"artifact {id} not found");
        RequireProject(a.Entity, a.Project);
        return a.State == "PENDING" ? a : throw new ExecutionError($"artifact {id} is {a.State}");
    }

    private object? CreateArtifactManifest(IResolveFieldContext c)
    {
        var i = Input(c);
        var a = Pending(S(i, "artifactID")!);
        if (S(i, "name") != "wandb_manifest.json") throw new ExecutionError("the manifest must be named wandb_manifest.json");
        if (!_w.Runs.ContainsKey($"{S(i, "entityName")}/{S(i, "projectName")}/{S(i, "runName")}")) throw new ExecutionError($"run {S(i, "runName")} not found");
        a.ManifestId = _w.NewId("ArtifactManifest");
        _w.Manifests[a.ManifestId] = a.Id;
        return D(("artifactManifest", D(("id", a.ManifestId), ("file", File(_w.NewId("File"), server.Storage.PutUrl($"artifacts/{a.Id}/wandb_manifest.json"))))));
    }

    private object? UpdateArtifactManifest(IResolveFieldContext c)
    {
        var i = Input(c);
        var id = S(i, "artifactManifestID")!;
        var a = Pending(_w.Manifests.GetValueOrDefault(id) ?? throw new ExecutionError($"manifest {id} not found"));
        a.ManifestDigest = S(i, "digest");
        return D(("artifactManifest", D(("id", id), ("file", File(_w.NewId("File"), server.Storage.PutUrl($"artifacts/{a.Id}/wandb_manifest.json"))))));
    }

    private object? CreateArtifactFiles(IResolveFieldContext c)
    {
        var i = Input(c);
        var edges = new List<object?>();
        foreach (var spec in ((IEnumerable<object?>)i["artifactFiles"]!).Cast<Dictionary<string, object?>>())
        {
            var a = Pending(S(spec, "artifactID")!);
            var name = S(spec, "name")!;
            var key = $"artifacts/{a.Id}/files/{name}";
            a.Files.Add((name, S(spec, "md5")!, key));
            edges.Add(D(("node", File(_w.NewId("File"), server.Storage.PutUrl(key), key, a))));
        }
        return D(("files", D(("edges", edges))));
    }

    private object? CommitArtifact(IResolveFieldContext c)
    {
        var a = Pending(S(Input(c), "artifactID")!);
        if (server.VerifyCommitAsync(a).GetAwaiter().GetResult() is { } problem)
        {
            throw new ExecutionError($"cannot commit artifact {a.Id}: {problem}");
        }
        a.VersionIndex = _w.Sequence(a.Entity, a.Project, a.Collection).Where(x => x.State == "COMMITTED").Select(x => x.VersionIndex ?? -1).DefaultIfEmpty(-1).Max() + 1;
        a.State = "COMMITTED";
        _w.Touch(a);
        return D(("artifact", D(("id", a.Id), ("digest", a.Digest))));
    }

    private object? UseArtifact(IResolveFieldContext c)
    {
        var i = Input(c);
        var run = _w.Runs.GetValueOrDefault($"{S(i, "entityName")}/{S(i, "projectName")}/{S(i, "runName")}") ?? throw new ExecutionError("run not found");
        var a = _w.Artifacts.GetValueOrDefault(S(i, "artifactID")!) ?? throw new ExecutionError("artifact not found");
        run.Used.Add(a.Id);
        return D(("artifact", Artifact(a)));
    }

    private object? LinkArtifact(IResolveFieldContext c)
    {
        var i = Input(c);
        var (entity, project, collection) = (S(i, "entityName"), S(i, "projectName"), S(i, "artifactPortfolioName"));
        if (entity != _w.OrgEntity || project != StandInWorld.Registry || collection is null)
        {
            throw new ExecutionError($"the stand-in links only into {_w.OrgEntity}/{StandInWorld.Registry} (got {entity}/{project}/{collection})");
        }
        if (Role is not ("admin" or "member"))
        {
            throw WandBStandIn.Denied($"Permission denied to access {_w.OrgEntity}/{StandInWorld.Registry}/{collection}");
        }
        var a = _w.Artifacts.GetValueOrDefault(S(i, "artifactID") ?? "") ?? throw new ExecutionError("artifact not found");
        if (a.State != "COMMITTED") throw new ExecutionError($"artifact {a.Id} is not committed");
        var link = _w.Link(a, collection);
        return D(("versionIndex", link.VersionIndex), ("artifactMembership", RegistryMembership(_w.Portfolios[collection], link)));
    }

    private object? UpdateArtifact(IResolveFieldContext c)
    {
        var i = Input(c);
        var a = _w.Artifacts.GetValueOrDefault(S(i, "artifactID")!) ?? throw new ExecutionError("artifact not found");
        RequireProject(a.Entity, a.Project);
        if (S(i, "metadata") is { } metadata)
        {
            if (JsonNode.Parse(metadata) is not JsonObject) throw new ExecutionError("metadata must be a JSON object");
            a.Metadata = metadata;
        }
        foreach (var tag in Tags(i, "tagsToAdd"))
        {
            if (!TagPattern.IsMatch(tag)) throw new ExecutionError($"invalid tag {tag}");
            if (!a.Tags.Contains(tag)) a.Tags.Add(tag);
        }
        foreach (var tag in Tags(i, "tagsToDelete"))
        {
            a.Tags.Remove(tag);
        }
        _w.Touch(a);
        return D(("artifact", Artifact(a)));
    }

    private static IEnumerable<string> Tags(Dictionary<string, object?> input, string key) =>
        input.TryGetValue(key, out var v) && v is IEnumerable<object?> list
            ? list.Cast<Dictionary<string, object?>>().Select(t => S(t, "tagName")!)
            : [];
}
