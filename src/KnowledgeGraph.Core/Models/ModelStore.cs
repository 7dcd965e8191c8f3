using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Storage;

namespace KnowledgeGraph.Models;

/// <summary>A file to store in a new model version.</summary>
public sealed record ModelPackageFile(string Name, byte[] Content, string MediaType = "application/json");

/// <summary>What garbage collection of a store's blobs did: blobs (and bytes) removed, unreferenced blobs spared because
/// they are younger than the grace period, and blobs kept because a manifest references them.</summary>
public sealed record BlobCollection(int Removed, long RemovedBytes, int SparedYoung, int Referenced);

/// <summary>What a new model version consists of.</summary>
public sealed record ModelPackage(string WikibaseId, string ClassifierId, ModelMetadata Metadata, IReadOnlyList<ModelPackageFile> Files);

/// <summary>A stored model version: its manifest, the manifest's own SHA-256 (its identity) and where it is.</summary>
public sealed record StoredModelVersion(ModelManifest Manifest, string ManifestSha256, KgEnvironment Environment, StoreLocation Store);

/// <summary>Model versions in an environment's store: content-addressed file blobs (<c>blobs/sha256/..</c>) and one
/// immutable manifest per version (<c>models/&lt;Qid&gt;/&lt;classifier id&gt;/vN/manifest.json</c>). Version numbers are
/// allocated by create-only writes of the manifest, so concurrent trainings of one classifier get different versions
/// and never overwrite each other; every file's checksum is verified when it is read.</summary>
public sealed class ModelStore(IObjectStore store, KgEnvironment environment)
{
    public const string ModelsPrefix = "models/";

    public IObjectStore Objects => store;
    public KgEnvironment Environment => environment;

    public static string BlobKey(string sha256) => $"blobs/sha256/{sha256[..2]}/{sha256}";

    public static string ManifestKey(string wikibaseId, string classifierId, ModelVersion version) =>
        $"{ModelsPrefix}{wikibaseId}/{classifierId}/{version}/manifest.json";

    /// <summary>Stores the files, then the manifest at the next free version. Reports progress per file.</summary>
    public async Task<StoredModelVersion> AddVersionAsync(ModelPackage package, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        // Checked before any byte is stored: a version must be findable under its concept and classifier.
        if (!WikibaseId.IsValid(package.WikibaseId))
        {
            throw new KgException("InvalidWikibaseId", KgErrorKind.InvalidData,
                $"A model version needs its concept's Wikibase ID, but the concept has {(string.IsNullOrEmpty(package.WikibaseId) ? "none" : $"'{WikibaseId.Printable(package.WikibaseId)}'")}. Give the concept a wikibase_id such as Q787; nothing was stored.",
                package.WikibaseId);
        }
        Identifier.ParseClassifierId(package.ClassifierId);
        var files = new List<ModelFile>();
        var done = 0;
        foreach (var file in package.Files)
        {
            progress?.Report(WorkProgress.Step($"Uploading {file.Name} ({file.Content.Length:N0} bytes) to {store.Location}", done, package.Files.Count));
            var sha = ModelManifest.Sha256Hex(file.Content);
            // Content-addressed, so rewriting an existing blob changes no byte; it refreshes the blob's time, which
            // keeps garbage collection (which spares young blobs) from taking it while this upload is in progress.
            await store.PutAsync(BlobKey(sha), file.Content, cancellationToken).ConfigureAwait(false);
            files.Add(new ModelFile(file.Name, sha, file.Content.Length, file.MediaType));
            done++;
        }
        var existing = await ListVersionNumbersAsync(package.WikibaseId, package.ClassifierId, cancellationToken).ConfigureAwait(false);
        var version = existing.Count == 0 ? new ModelVersion(0) : existing.Max().Next();
        for (var attempt = 0; ; attempt++)
        {
            var manifest = new ModelManifest
            {
                WikibaseId = package.WikibaseId,
                ClassifierId = package.ClassifierId,
                Version = version,
                CreatedAt = DateTimeOffset.UtcNow,
                CreatedBy = Actor.Current,
                Metadata = package.Metadata,
                Files = files,
            };
            var json = manifest.ToJson();
            progress?.Report(WorkProgress.Step($"Writing the manifest of {package.WikibaseId}/{package.ClassifierId} {version}", done, package.Files.Count));
            if (await store.TryCreateAsync(ManifestKey(package.WikibaseId, package.ClassifierId, version), json, cancellationToken).ConfigureAwait(false))
            {
                return new StoredModelVersion(manifest, ModelManifest.Sha256Hex(json), environment, store.Location);
            }
            if (attempt >= 1000)
            {
                throw new KgException("VersionAllocationFailed", KgErrorKind.ResourceUnavailable,
                    $"Could not allocate a version for {package.WikibaseId}/{package.ClassifierId} after {attempt} attempts.");
            }
            version = version.Next(); // another writer took this version: take the next one
        }
    }

    public async Task<StoredModelVersion?> GetAsync(string wikibaseId, string classifierId, ModelVersion version, CancellationToken cancellationToken)
    {
        var key = ManifestKey(wikibaseId, classifierId, version);
        var json = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (json is null)
        {
            return null;
        }
        var manifest = ModelManifest.Parse(json, key, wikibaseId, classifierId, version);
        return new StoredModelVersion(manifest, ModelManifest.Sha256Hex(json), environment, store.Location);
    }

    /// <summary>The version, or an error naming the versions that do exist.</summary>
    public async Task<StoredModelVersion> GetRequiredAsync(string wikibaseId, string classifierId, ModelVersion? version, CancellationToken cancellationToken)
    {
        var versions = await ListVersionNumbersAsync(wikibaseId, classifierId, cancellationToken).ConfigureAwait(false);
        if (versions.Count == 0)
        {
            throw new KgException("ClassifierNotFound", KgErrorKind.ObjectNotFound,
                $"There is no classifier {wikibaseId}/{classifierId} in {environment.Name()} ({store.Location}). Train one with Invoke-KgTraining {wikibaseId} -Environment {environment.Name()}, or list what exists with Get-KgClassifier {wikibaseId} -Environment {environment.Name()} -AllVersions.",
                $"{wikibaseId}/{classifierId}");
        }
        var wanted = version ?? versions.Max();
        if (!versions.Contains(wanted))
        {
            throw new KgException("VersionNotFound", KgErrorKind.ObjectNotFound,
                $"{wikibaseId}/{classifierId} has no version {wanted} in {environment.Name()}; it has {string.Join(", ", versions.Order())}.",
                $"{wikibaseId}/{classifierId} {wanted}");
        }
        return await GetAsync(wikibaseId, classifierId, wanted, cancellationToken).ConfigureAwait(false)
            ?? throw new KgException("VersionNotFound", KgErrorKind.ObjectNotFound, $"{wikibaseId}/{classifierId} {wanted} disappeared while it was read.");
    }

    /// <summary>A file of a version, checked against the manifest's SHA-256.</summary>
    public async Task<byte[]> ReadFileAsync(StoredModelVersion version, string name, CancellationToken cancellationToken)
    {
        var file = version.Manifest.File(name);
        var data = await store.GetAsync(BlobKey(file.Sha256), cancellationToken).ConfigureAwait(false)
            ?? throw new KgException("ModelFileMissing", KgErrorKind.ObjectNotFound,
                $"The file '{name}' of {Describe(version)} is missing from the store (blob {file.Sha256}).", name);
        var actual = ModelManifest.Sha256Hex(data);
        if (!string.Equals(actual, file.Sha256, StringComparison.Ordinal))
        {
            throw new KgException("ChecksumMismatch", KgErrorKind.InvalidData,
                $"The file '{name}' of {Describe(version)} does not match its checksum: expected SHA-256 {file.Sha256}, got {actual}. The stored copy is corrupted.", name);
        }
        return data;
    }

    public async Task<IReadOnlyList<ModelVersion>> ListVersionNumbersAsync(string wikibaseId, string classifierId, CancellationToken cancellationToken)
    {
        var keys = await store.ListAsync($"{ModelsPrefix}{wikibaseId}/{classifierId}/", null, cancellationToken).ConfigureAwait(false);
        return keys.Where(k => k.EndsWith("/manifest.json", StringComparison.Ordinal))
            .Select(k => k.Split('/')[3])
            .Select(v => ModelVersion.TryParse(v, out var mv) ? (ModelVersion?)mv : null)
            .OfType<ModelVersion>()
            .Order()
            .ToArray();
    }

    /// <summary>Every (Wikibase ID, classifier ID, version) in the store, optionally of some concepts only; keys only, no manifest is read.</summary>
    public async Task<IReadOnlyList<(string WikibaseId, string ClassifierId, ModelVersion Version)>> ListAsync(
        IReadOnlyCollection<string>? wikibaseIds, CancellationToken cancellationToken)
    {
        var result = new List<(string, string, ModelVersion)>();
        var concepts = wikibaseIds ?? await store.ListFoldersAsync(ModelsPrefix, cancellationToken).ConfigureAwait(false);
        foreach (var q in concepts.Where(WikibaseId.IsValid))
        {
            var keys = await store.ListAsync($"{ModelsPrefix}{q}/", null, cancellationToken).ConfigureAwait(false);
            foreach (var parts in keys.Where(k => k.EndsWith("/manifest.json", StringComparison.Ordinal)).Select(k => k.Split('/')))
            {
                if (parts.Length == 5 && Identifier.IsValid(parts[2]) && ModelVersion.TryParse(parts[3], out var v))
                {
                    result.Add((q, parts[2], v));
                }
            }
        }
        return result;
    }

    /// <summary>An existing version of the classifier that holds exactly these files (the same model), if any.</summary>
    public async Task<StoredModelVersion?> FindSameModelAsync(ModelManifest model, CancellationToken cancellationToken)
    {
        foreach (var v in (await ListVersionNumbersAsync(model.WikibaseId, model.ClassifierId, cancellationToken).ConfigureAwait(false)).Reverse())
        {
            var existing = await GetAsync(model.WikibaseId, model.ClassifierId, v, cancellationToken).ConfigureAwait(false);
            if (existing is not null && existing.Manifest.SameFilesAs(model))
            {
                return existing;
            }
        }
        return null;
    }

    /// <summary>Removes a version: its manifest goes (so the version disappears at once); its blobs stay until
    /// <see cref="CollectGarbageAsync"/> finds nothing references them.</summary>
    public Task DeleteVersionAsync(StoredModelVersion version, CancellationToken cancellationToken) =>
        store.DeleteAsync(ManifestKey(version.Manifest.WikibaseId, version.Manifest.ClassifierId, version.Manifest.Version), cancellationToken);

    /// <summary>Deletes blobs that no manifest references and that are older than <paramref name="minimumAge"/> (an
    /// upload in progress writes its blobs before its manifest, and refreshes any it reuses, so young blobs are spared).
    /// References are listed again just before deleting, to narrow the window for a manifest written meanwhile.</summary>
    public async Task<BlobCollection> CollectGarbageAsync(TimeSpan minimumAge, bool dryRun, CancellationToken cancellationToken)
    {
        var referenced = await ReferencedBlobsAsync(cancellationToken).ConfigureAwait(false);
        var cutoff = DateTimeOffset.UtcNow - minimumAge;
        var blobs = await store.ListObjectsAsync(BlobsPrefix, cancellationToken).ConfigureAwait(false);
        var candidates = blobs.Where(b => !referenced.Contains(b.Key) && b.LastModified <= cutoff).ToList();
        var young = blobs.Count(b => !referenced.Contains(b.Key) && b.LastModified > cutoff);
        if (candidates.Count > 0 && !dryRun)
        {
            referenced = await ReferencedBlobsAsync(cancellationToken).ConfigureAwait(false);
            candidates.RemoveAll(b => referenced.Contains(b.Key));
            foreach (var blob in candidates)
            {
                await store.DeleteAsync(blob.Key, cancellationToken).ConfigureAwait(false);
            }
        }
        return new BlobCollection(candidates.Count, candidates.Sum(b => b.Size), young, blobs.Count - candidates.Count - young);
    }

    public const string BlobsPrefix = "blobs/";

    private async Task<HashSet<string>> ReferencedBlobsAsync(CancellationToken cancellationToken)
    {
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (q, c, v) in await ListAsync(null, cancellationToken).ConfigureAwait(false))
        {
            var json = await store.GetAsync(ManifestKey(q, c, v), cancellationToken).ConfigureAwait(false);
            if (json is null)
            {
                continue;
            }
            // A manifest that cannot be read protects nothing it might name; refuse to collect rather than guess.
            var manifest = ModelManifest.Parse(json, ManifestKey(q, c, v), q, c, v);
            referenced.UnionWith(manifest.Files.Select(f => BlobKey(f.Sha256)));
        }
        return referenced;
    }

    private string Describe(StoredModelVersion v) => $"{v.Manifest.WikibaseId}/{v.Manifest.ClassifierId} {v.Manifest.Version} in {environment.Name()}";
}
