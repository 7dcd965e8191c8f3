using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using KnowledgeGraph.Storage;

namespace KnowledgeGraph.WandB;

/// <summary>A file of an artifact: either a reference to an object kept elsewhere (an S3 object: W&amp;B stores its URI
/// and ETag, no bytes) or content uploaded to W&amp;B's storage.</summary>
public abstract record ArtifactEntry(string Path)
{
    public abstract string Digest { get; }

    internal abstract JsonObject ToManifest();
}

/// <summary>A reference entry, as W&amp;B's S3 handler writes one with checksums: <c>digest</c> = the ETag.</summary>
public sealed record ReferenceEntry(string Path, ObjectReference Object) : ArtifactEntry(Path)
{
    public override string Digest => Object.ETag;

    internal override JsonObject ToManifest()
    {
        var extra = new JsonObject { ["etag"] = Object.ETag };
        if (Object.VersionId is { } v)
        {
            extra["versionID"] = v;
        }
        return new JsonObject { ["digest"] = Object.ETag, ["ref"] = Object.Uri, ["size"] = Object.Size, ["extra"] = extra };
    }
}

/// <summary>An uploaded entry: <c>digest</c> = base64 MD5 of the content.</summary>
public sealed record FileEntry(string Path, byte[] Content) : ArtifactEntry(Path)
{
    public override string Digest => WandBApi.Base64Md5(Content);

    internal override JsonObject ToManifest() => new() { ["digest"] = Digest, ["size"] = Content.LongLength };
}

/// <summary>The manifest W&amp;B keeps for an artifact (<c>wandb_manifest.json</c>, storage policy
/// <c>wandb-storage-policy-v1</c>, layout V2) and the artifact digest derived from it.</summary>
public static class ArtifactManifest
{
    public static byte[] Json(IReadOnlyList<ArtifactEntry> entries)
    {
        var contents = new JsonObject();
        foreach (var e in entries.OrderBy(e => e.Path, StringComparer.Ordinal))
        {
            contents[e.Path] = e.ToManifest();
        }
        return WandBApi.Bytes(new JsonObject
        {
            ["version"] = 1,
            ["storagePolicy"] = "wandb-storage-policy-v1",
            ["storagePolicyConfig"] = new JsonObject { ["storageLayout"] = "V2" },
            ["contents"] = contents,
        });
    }

    /// <summary>Hex MD5 of <c>wandb-artifact-manifest-v1\n</c> and <c>path:digest\n</c> per entry in path order: equal
    /// digests mean the same content, and W&amp;B then keeps the existing version instead of making a new one.</summary>
    public static string Digest(IReadOnlyList<ArtifactEntry> entries)
    {
        var text = new StringBuilder("wandb-artifact-manifest-v1\n");
        foreach (var e in entries.OrderBy(e => e.Path, StringComparer.Ordinal))
        {
            text.Append(e.Path).Append(':').Append(e.Digest).Append('\n');
        }
        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}

/// <summary>A W&amp;B run (a "bucket" in W&amp;B's API) in a concept's project: config at the start, history and summary over
/// the file stream, files (tables) uploaded to presigned URLs, artifacts logged from it, and its end.</summary>
public sealed class WandBRun
{
    private readonly WandBApi _api;
    private int _historyLines;

    private WandBRun(WandBApi api, string entity, string project, string name)
    {
        _api = api;
        Entity = entity;
        Project = project;
        Name = name;
    }

    public string Entity { get; }
    public string Project { get; }
    public string Name { get; }
    public string Path => $"{Entity}/{Project}/{Name}";

    /// <summary>Creates the run (UpsertBucket). Config values are stored as W&amp;B does: <c>{key: {"value": v}}</c>.</summary>
    public static async Task<WandBRun> StartAsync(WandBApi api, string entity, string project, string jobType, JsonObject config, CancellationToken ct,
        Func<WandBDenial, KgException>? denied = null)
    {
        var name = WandBApi.NewRunName();
        var wrapped = new JsonObject();
        foreach (var (k, v) in config)
        {
            wrapped[k] = new JsonObject { ["value"] = v?.DeepClone() };
        }
        var data = await api.Client.GraphQLAsync("UpsertBucket", WandBOperations.UpsertBucket, new JsonObject
        {
            ["name"] = name,
            ["project"] = project,
            ["entity"] = entity,
            ["config"] = wrapped.ToJsonString(),
            ["host"] = Environment.MachineName,
            ["jobType"] = jobType,
        }, ct, denied).ConfigureAwait(false);
        var bucket = data["upsertBucket"]?["bucket"] ?? throw new KgException("WandBRequestFailed", KgErrorKind.InvalidOperation,
            $"W&B ({api.Client.BaseUrl}) created no run in {entity}/{project}.", project);
        return new WandBRun(api, entity, project, bucket["name"]?.GetValue<string>() ?? name);
    }

    /// <summary>Appends history rows and replaces the summary (the run's file stream).</summary>
    public async Task LogAsync(IReadOnlyList<JsonObject> history, JsonObject summary, CancellationToken ct)
    {
        var files = new JsonObject();
        if (history.Count > 0)
        {
            files["wandb-history.jsonl"] = new JsonObject
            {
                ["offset"] = _historyLines,
                ["content"] = new JsonArray(history.Select(h => (JsonNode)h.ToJsonString()).ToArray()),
            };
        }
        files["wandb-summary.json"] = new JsonObject { ["offset"] = 0, ["content"] = new JsonArray(summary.ToJsonString()) };
        await _api.Client.PostFileStreamAsync(Entity, Project, Name, new JsonObject { ["files"] = files }, ct).ConfigureAwait(false);
        _historyLines += history.Count;
    }

    /// <summary>Uploads files of the run (tables) to the URLs W&amp;B hands out for them (CreateRunFiles).</summary>
    public async Task UploadFilesAsync(IReadOnlyDictionary<string, byte[]> files, CancellationToken ct)
    {
        if (files.Count == 0)
        {
            return;
        }
        var data = await _api.Client.GraphQLAsync("CreateRunFiles", WandBOperations.CreateRunFiles, new JsonObject
        {
            ["entity"] = Entity,
            ["project"] = Project,
            ["run"] = Name,
            ["files"] = new JsonArray(files.Keys.Select(k => (JsonNode)k).ToArray()),
        }, ct).ConfigureAwait(false);
        var result = data["createRunFiles"];
        var headers = Strings(result?["uploadHeaders"]);
        foreach (var file in result?["files"] as JsonArray ?? [])
        {
            var name = file?["name"]?.GetValue<string>();
            var url = file?["uploadUrl"]?.GetValue<string>();
            if (name is not null && url is not null && files.TryGetValue(name, out var content))
            {
                await _api.Client.UploadAsync(url, content, headers, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Marks the run finished (the file stream's last post).</summary>
    public Task FinishAsync(int exitCode, CancellationToken ct) =>
        _api.Client.PostFileStreamAsync(Entity, Project, Name, new JsonObject { ["complete"] = true, ["exitcode"] = exitCode }, ct);

    /// <summary>Logs an artifact version from this run, as W&amp;B's SDK saves one: CreateArtifact (W&amp;B keeps the
    /// existing version when the digest is the same), CreateArtifactManifest, CreateArtifactFiles and uploads for files
    /// with content, UpdateArtifactManifest and the upload of <c>wandb_manifest.json</c>, CommitArtifact. Returns the
    /// committed version.</summary>
    public async Task<WandBArtifact> LogArtifactAsync(string name, string type, JsonObject metadata, string? description,
        IReadOnlyList<ArtifactEntry> entries, CancellationToken ct)
    {
        var client = _api.Client;
        var digest = ArtifactManifest.Digest(entries);
        var input = new JsonObject
        {
            ["entityName"] = Entity,
            ["projectName"] = Project,
            ["artifactTypeName"] = type,
            ["artifactCollectionName"] = name,
            ["runName"] = Name,
            ["digest"] = digest,
            ["digestAlgorithm"] = "MANIFEST_MD5",
            ["description"] = description,
            ["metadata"] = metadata.ToJsonString(),
            ["aliases"] = new JsonArray(),
            ["enableDigestDeduplication"] = true,
            ["clientID"] = Guid.NewGuid().ToString(),
            ["sequenceClientID"] = Guid.NewGuid().ToString(),
        };
        var created = (await client.GraphQLAsync("CreateArtifact", WandBOperations.CreateArtifact, new JsonObject { ["input"] = input }, ct).ConfigureAwait(false))["createArtifact"]?["artifact"]
            ?? throw Failed("CreateArtifact", name);
        var id = created["id"]!.GetValue<string>();
        var state = created["state"]?.GetValue<string>();
        if (state != "COMMITTED")
        {
            var baseId = created["artifactSequence"]?["latestArtifact"]?["id"]?.GetValue<string>();
            var manifest = (await client.GraphQLAsync("CreateArtifactManifest", WandBOperations.CreateArtifactManifest, new JsonObject
            {
                ["artifactID"] = id,
                ["baseArtifactID"] = baseId,
                ["name"] = "wandb_manifest.json",
                ["digest"] = "",
                ["entityName"] = Entity,
                ["projectName"] = Project,
                ["runName"] = Name,
                ["manifestType"] = "FULL",
                ["includeUpload"] = false,
            }, ct).ConfigureAwait(false))["createArtifactManifest"]?["artifactManifest"] ?? throw Failed("CreateArtifactManifest", name);
            var manifestId = manifest["id"]!.GetValue<string>();
            var uploads = entries.OfType<FileEntry>().ToArray();
            if (uploads.Length > 0)
            {
                var specs = new JsonArray(uploads.Select(f => (JsonNode)new JsonObject
                {
                    ["artifactID"] = id,
                    ["artifactManifestID"] = manifestId,
                    ["name"] = f.Path,
                    ["md5"] = f.Digest,
                }).ToArray());
                var files = (await client.GraphQLAsync("CreateArtifactFiles", WandBOperations.CreateArtifactFiles,
                    new JsonObject { ["artifactFiles"] = specs, ["storageLayout"] = "V2" }, ct).ConfigureAwait(false))["createArtifactFiles"]?["files"]?["edges"] as JsonArray
                    ?? throw Failed("CreateArtifactFiles", name);
                for (var i = 0; i < uploads.Length && i < files.Count; i++)
                {
                    var node = files[i]?["node"];
                    var url = node?["uploadUrl"]?.GetValue<string>();
                    if (url is not null) // null: W&B already has this content
                    {
                        await client.UploadAsync(url, uploads[i].Content, Strings(node?["uploadHeaders"]), ct).ConfigureAwait(false);
                    }
                }
            }
            var manifestBytes = ArtifactManifest.Json(entries);
            var file = (await client.GraphQLAsync("UpdateArtifactManifest", WandBOperations.UpdateArtifactManifest, new JsonObject
            {
                ["artifactManifestID"] = manifestId,
                ["digest"] = WandBApi.Base64Md5(manifestBytes),
                ["baseArtifactID"] = baseId,
                ["includeUpload"] = true,
            }, ct).ConfigureAwait(false))["updateArtifactManifest"]?["artifactManifest"]?["file"] ?? throw Failed("UpdateArtifactManifest", name);
            await client.UploadAsync(file["uploadUrl"]?.GetValue<string>() ?? throw Failed("UpdateArtifactManifest", name), manifestBytes,
                Strings(file["uploadHeaders"]), ct).ConfigureAwait(false);
            await client.GraphQLAsync("CommitArtifact", WandBOperations.CommitArtifact, new JsonObject { ["artifactID"] = id }, ct).ConfigureAwait(false);
        }
        return await _api.ArtifactAsync(id, ct).ConfigureAwait(false) ?? throw Failed("ArtifactByID", name);
    }

    /// <summary>Records that this run used an artifact (lineage).</summary>
    public Task UseAsync(WandBArtifact artifact, CancellationToken ct) =>
        _api.Client.GraphQLAsync("UseArtifact", WandBOperations.UseArtifact, new JsonObject
        {
            ["input"] = new JsonObject { ["artifactID"] = artifact.Id, ["entityName"] = Entity, ["projectName"] = Project, ["runName"] = Name },
        }, ct);

    private static string[] Strings(JsonNode? node) => (node as JsonArray ?? []).Select(h => h?.GetValue<string>()).OfType<string>().ToArray();

    private KgException Failed(string operation, string name) => new("WandBRequestFailed", KgErrorKind.InvalidOperation,
        $"W&B ({_api.Client.BaseUrl}) gave no usable answer to {operation} for artifact {name} in {Entity}/{Project}.", name);
}
