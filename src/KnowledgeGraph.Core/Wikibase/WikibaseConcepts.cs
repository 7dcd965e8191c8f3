using System.Globalization;
using KnowledgeGraph.Argilla;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Identifiers;

namespace KnowledgeGraph.Wikibase;

/// <summary>What to read of a concept: a revision (<see cref="Revision"/>) or the revision current at a time
/// (<see cref="AsOf"/>), else the latest; the labels of its subconcepts; its labelled passages from Argilla.</summary>
public sealed record ConceptQuery
{
    public long? Revision { get; init; }
    public DateTimeOffset? AsOf { get; init; }
    public bool IncludeSubconceptLabels { get; init; }
    public bool IncludeLabelledPassages { get; init; }

    /// <summary>What commands that only name a concept read, as the original's get-concept does before training: the
    /// latest revision with its subconcepts' labels, and its labelled passages when Argilla is configured.</summary>
    public static ConceptQuery ForTraining => new()
    {
        IncludeSubconceptLabels = true,
        IncludeLabelledPassages = ArgillaConfiguration.FromEnvironment() is not null,
    };
}

/// <summary>Messages a fetch reports: debug lines (every request), verbose lines, warnings.</summary>
public sealed record FetchLog(Action<string>? Debug = null, Action<string>? Verbose = null, Action<string>? Warning = null)
{
    public void D(string m) => Debug?.Invoke(m);
    public void V(string m) => Verbose?.Invoke(m);
    public void W(string m) => Warning?.Invoke(m);
}

/// <summary>Concepts from the team's Wikibase (original-models.md §5), with their labelled passages from Argilla:
/// resolves a redirected ID to its target (and says so), reads the item at a revision or time, merges the labels of its
/// negative concepts (P11) and, when asked, of its subconcepts (P1, transitively through SPARQL), and caches every revision
/// and every fetch under the home folder. A revision fetched before with the same options is served from the cache
/// without a request; when the Wikibase cannot be reached, the newest cached fetch is used, with a warning.
/// Related concepts are read as they were at the concept's revision time (the original reads them as they are now).</summary>
public sealed class WikibaseConcepts : IDisposable
{
    private const int Parallel = 3; // the original's limit of concurrent concept fetches
    private readonly WikibaseClient _client;
    private readonly Func<HttpMessageHandler> _handlers;
    private readonly FetchLog _log;
    private readonly WikibaseCache _cache;

    /// <param name="handlers">Makes a new retrying handler chain (each client keeps its own cookies).</param>
    /// <param name="argilla">Where labelled passages come from (default: the environment's Argilla).</param>
    /// <param name="cacheFolder">The cache (default: this Wikibase's folder under the home folder).</param>
    public WikibaseConcepts(WikibaseConfiguration config, Func<HttpMessageHandler> handlers, FetchLog? log = null,
        ArgillaConfiguration? argilla = null, string? cacheFolder = null)
    {
        _handlers = handlers;
        _log = log ?? new FetchLog();
        _client = new WikibaseClient(config, handlers(), _log.Debug);
        _cache = new WikibaseCache(cacheFolder ?? config.CacheFolder);
        _argilla = argilla;
        _cacheFolderGiven = cacheFolder;
        Configuration = config;
    }

    private readonly ArgillaConfiguration? _argilla;
    private readonly string? _cacheFolderGiven;

    public WikibaseConfiguration Configuration { get; }

    public WikibaseCache Cache => _cache;

    /// <summary>Now, for "latest" fetches; a test may pin it.</summary>
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;

    public async Task<Concept> GetAsync(WikibaseId requested, ConceptQuery query, CancellationToken ct)
    {
        if (query.Revision is not null && query.AsOf is not null)
        {
            throw new KgException("RevisionAndAsOf", KgErrorKind.InvalidArgument, "Give a revision or a time (-AsOf), not both.", requested.Value);
        }
        var now = Clock();
        if (query.AsOf is { } asOf && asOf > now)
        {
            throw new KgException("AsOfInFuture", KgErrorKind.InvalidArgument,
                $"-AsOf {asOf.ToUniversalTime():u} is in the future (now is {now:u}): a concept can only be read as it was.", asOf);
        }
        Concept concept;
        if (query.Revision is { } pinned && _cache.TryGetSnapshot(requested.Value, pinned, query.IncludeSubconceptLabels) is { } cached
            && Assemble(cached) is { } fromCache)
        {
            _log.V($"{requested} revision {pinned}: from the cache ({_cache.Folder}), fetched {cached.FetchedAt:u}.");
            concept = fromCache;
        }
        else
        {
            try
            {
                var snapshot = await FetchAsync(requested.Value, query, now, ct).ConfigureAwait(false);
                concept = Assemble(snapshot) ?? throw new KgException("WikibaseCacheIncomplete", KgErrorKind.ReadError,
                    $"The revisions of {requested} just fetched are missing from the cache {_cache.Folder}.", _cache.Folder);
                _cache.PutSnapshot(snapshot);
            }
            catch (KgException e) when (e.Kind is KgErrorKind.ConnectionError or KgErrorKind.ResourceUnavailable)
            {
                var fallback = query.Revision is { } r
                    ? _cache.TryGetSnapshot(requested.Value, r, query.IncludeSubconceptLabels)
                    : _cache.Latest(requested.Value, query.IncludeSubconceptLabels, query.AsOf);
                if (fallback is null || Assemble(fallback) is not { } offline)
                {
                    throw;
                }
                _log.W($"{e.Message} Using {requested} as cached on {fallback.FetchedAt:u} (revision {fallback.Revision}).");
                concept = offline;
            }
        }
        if (query.IncludeLabelledPassages)
        {
            concept = await WithLabelledPassagesAsync(concept, ct).ConfigureAwait(false);
        }
        return concept;
    }

    /// <summary>Every item of the Wikibase (the listing follows <c>continue</c>), in numeric order.</summary>
    public async Task<IReadOnlyList<WikibaseId>> ListIdsAsync(CancellationToken ct) =>
        (await _client.ListItemIdsAsync(ct).ConfigureAwait(false)).Select(WikibaseId.Parse).Distinct().Order().ToArray();

    private async Task<ConceptSnapshot> FetchAsync(string requested, ConceptQuery query, DateTimeOffset now, CancellationToken ct)
    {
        var infos = await _client.GetEntityInfoAsync([requested], ct).ConfigureAwait(false);
        var info = infos[requested];
        var id = requested;
        var redirects = new Dictionary<string, string>(StringComparer.Ordinal);
        if (info.RedirectTo is { } target)
        {
            _log.W($"{requested} redirects to {target}: reading {target} instead.");
            redirects[requested] = target;
            id = target;
            info = (await _client.GetEntityInfoAsync([target], ct).ConfigureAwait(false))[target];
        }
        await CheckExistsAsync(id, info, ct).ConfigureAwait(false);

        EntityRevision main;
        DateTimeOffset relatedAsOf;
        if (query.Revision is { } revision)
        {
            main = _cache.TryGetRevision(id, revision) ?? await RevisionByIdAsync(id, revision, ct).ConfigureAwait(false);
            relatedAsOf = main.Timestamp;
        }
        else
        {
            main = await RevisionAtAsync(id, info.PageId!.Value, query.AsOf, ct).ConfigureAwait(false)
                ?? throw new KgException("RevisionNotFound", KgErrorKind.ObjectNotFound,
                    $"{id} has no revision at or before {query.AsOf!.Value.ToUniversalTime():u}: it did not exist yet.", id);
            relatedAsOf = query.AsOf ?? now;
        }
        _cache.PutRevision(main);
        _log.V($"{id}: revision {main.Revision} of {main.Timestamp:u}.");

        // Relation targets are resolved through their redirects, as the original's redirect map does.
        var relations = WikibaseEntity.ToConcept(main, Configuration.Properties, x => x, _ => { });
        await ResolveRedirectsAsync(relations.SubconceptOf.Concat(relations.HasSubconcept).Concat(relations.RelatedConcepts).Concat(relations.NegativeConcepts), redirects, ct).ConfigureAwait(false);
        var negativeIds = relations.NegativeConcepts.Select(x => Resolve(redirects, x)).Distinct(StringComparer.Ordinal).ToArray();
        var negatives = await FetchAllAsync(negativeIds, relatedAsOf, $"negative concept of {id}", ct).ConfigureAwait(false);

        IReadOnlyList<string>? descendants = null;
        var subconcepts = new List<SubconceptRef>();
        if (query.IncludeSubconceptLabels)
        {
            var found = await _client.GetTransitiveAsync(id, Configuration.Properties.HasSubconcept, ct).ConfigureAwait(false);
            await ResolveRedirectsAsync(found, redirects, ct).ConfigureAwait(false);
            descendants = found.Select(x => Resolve(redirects, x)).Where(x => x != id).Distinct(StringComparer.Ordinal)
                .Select(WikibaseId.Parse).Order().Select(x => x.Value).ToArray();
            _log.V($"{id}: {descendants.Count} subconcepts, at any depth.");
            var subs = await FetchAllAsync(descendants, relatedAsOf, $"subconcept of {id}", ct).ConfigureAwait(false);
            foreach (var sub in subs)
            {
                var own = WikibaseEntity.ToConcept(_cache.TryGetRevision(sub.Id, sub.Revision)!, Configuration.Properties, x => x, _ => { });
                await ResolveRedirectsAsync(own.NegativeConcepts, redirects, ct).ConfigureAwait(false);
                var subNegatives = await FetchAllAsync(own.NegativeConcepts.Select(x => Resolve(redirects, x)).Distinct(StringComparer.Ordinal).ToArray(),
                    relatedAsOf, $"negative concept of {sub.Id}", ct).ConfigureAwait(false);
                subconcepts.Add(new SubconceptRef(sub.Id, sub.Revision, subNegatives));
            }
        }
        return new ConceptSnapshot
        {
            WikibaseId = id,
            Revision = main.Revision,
            Timestamp = main.Timestamp,
            RelatedAsOf = relatedAsOf,
            FetchedAt = now,
            SubconceptLabels = query.IncludeSubconceptLabels,
            Redirects = redirects,
            NegativeConcepts = negatives,
            Descendants = descendants,
            Subconcepts = subconcepts,
        };
    }

    /// <summary>Builds the concept from a snapshot and cached revisions alone; null when a revision is missing.</summary>
    public Concept? Assemble(ConceptSnapshot s)
    {
        var main = _cache.TryGetRevision(s.WikibaseId, s.Revision);
        if (main is null)
        {
            return null;
        }
        Func<string, string> resolve = x => Resolve(s.Redirects, x);
        Concept? Plain(RevisionRef r) => _cache.TryGetRevision(r.Id, r.Revision) is { } rev
            ? WikibaseEntity.ToConcept(rev, Configuration.Properties, resolve, _ => { })
            : null;
        var concept = WikibaseEntity.ToConcept(main, Configuration.Properties, resolve, _log.W);
        var negatives = s.NegativeConcepts.Select(Plain).ToList();
        if (negatives.Any(n => n is null))
        {
            return null;
        }
        concept = WikibaseEntity.WithNegativeConcepts(concept, negatives!);
        if (s.SubconceptLabels)
        {
            var subs = new List<Concept>();
            foreach (var sub in s.Subconcepts)
            {
                var plain = Plain(new RevisionRef(sub.Id, sub.Revision));
                var subNegatives = sub.NegativeConcepts.Select(Plain).ToList();
                if (plain is null || subNegatives.Any(n => n is null))
                {
                    return null;
                }
                subs.Add(WikibaseEntity.WithNegativeConcepts(plain, subNegatives!));
            }
            concept = WikibaseEntity.WithSubconcepts(concept, s.Descendants ?? [], subs);
        }
        return concept;
    }

    private async Task<Concept> WithLabelledPassagesAsync(Concept concept, CancellationToken ct)
    {
        var config = _argilla ?? ArgillaConfiguration.FromEnvironment() ?? throw new KgException("ArgillaNotConfigured", KgErrorKind.InvalidOperation,
            $"Labelled passages come from Argilla: set $env:{ArgillaConfiguration.UrlVariable} and $env:{ArgillaConfiguration.KeyVariable}.", concept.WikibaseId);
        // Beside a given cache folder (tests), else Argilla's own folder under the home folder.
        var folder = _cacheFolderGiven is null ? config.CacheFolder : Path.Combine(_cacheFolderGiven, "argilla");
        var file = Path.Combine(folder, concept.WikibaseId + ".jsonl");
        IReadOnlyList<LabelledPassage>? passages;
        try
        {
            using var argilla = new ArgillaClient(config, _handlers(), _log.Debug);
            passages = await argilla.GetLabelledPassagesAsync(concept.WikibaseId!, ct).ConfigureAwait(false);
            if (passages is null)
            {
                _log.W($"Argilla ({config.Url}) has no dataset {concept.WikibaseId} in the workspace '{config.Workspace}': {concept.WikibaseId} has no labelled passages.");
                return concept;
            }
            Directory.CreateDirectory(folder);
            Text.FileText.WriteAtomic(file, string.Concat(passages.Select(p => ConceptJson.WritePassage(p) + "\n")), "cache file");
        }
        catch (KgException e) when (e.Kind is KgErrorKind.ConnectionError or KgErrorKind.ResourceUnavailable && File.Exists(file))
        {
            _log.W($"{e.Message} Using the labelled passages of {concept.WikibaseId} cached on {File.GetLastWriteTimeUtc(file):u}.");
            passages = PassageFile.Read(file);
        }
        _log.V($"{concept.WikibaseId}: {passages.Count} labelled passages from Argilla ({passages.Count(p => p.IsPositive)} positive).");
        return concept.WithLabelledPassages(passages);
    }

    private async Task CheckExistsAsync(string id, EntityInfo info, CancellationToken ct)
    {
        if (info.Type is "property")
        {
            throw new KgException("WikibasePropertyNotItem", KgErrorKind.InvalidArgument, $"{id} is a property, not an item: concepts are items.", id);
        }
        if (!info.Missing && info.PageId is not null)
        {
            return;
        }
        if (await _client.GetDeletionAsync(id, ct).ConfigureAwait(false) is { } deletion)
        {
            throw new KgException("ConceptDeleted", KgErrorKind.ObjectNotFound,
                $"{id} was deleted from {Configuration.Url} on {deletion.Timestamp}{(deletion.User is null ? "" : " by " + deletion.User)}{(string.IsNullOrEmpty(deletion.Comment) ? "" : $" ({deletion.Comment})")}. Read a revision from before (-Revision or -AsOf) only from the cache, if it was fetched then.", id);
        }
        throw new KgException("ConceptNotFound", KgErrorKind.ObjectNotFound, $"There is no item {id} in the Wikibase at {Configuration.Url}.", id);
    }

    private async Task<EntityRevision> RevisionByIdAsync(string id, long revision, CancellationToken ct)
    {
        var found = await _client.GetRevisionByIdAsync(id, revision, ct).ConfigureAwait(false)
            ?? throw new KgException("RevisionNotFound", KgErrorKind.ObjectNotFound, $"The Wikibase at {Configuration.Url} has no revision {revision}.", revision);
        if (found.Title != _client.TitleOf(id))
        {
            throw new KgException("RevisionOfAnotherItem", KgErrorKind.InvalidArgument,
                $"Revision {revision} is a revision of '{found.Title}', not of {id}.", revision);
        }
        CheckNotRedirect(found.Revision);
        return found.Revision;
    }

    private async Task<EntityRevision?> RevisionAtAsync(string id, long pageId, DateTimeOffset? asOf, CancellationToken ct)
    {
        var r = await _client.GetRevisionAsync(id, pageId, asOf, ct).ConfigureAwait(false);
        if (r is not null)
        {
            CheckNotRedirect(r);
        }
        return r;
    }

    private static void CheckNotRedirect(EntityRevision r)
    {
        if (WikibaseEntity.RedirectTarget(r.Content) is { } target)
        {
            throw new KgException("RevisionIsRedirect", KgErrorKind.InvalidArgument,
                $"Revision {r.Revision} of {r.WikibaseId} is a redirect to {target}, not a concept: read {target}.", r.Revision);
        }
    }

    /// <summary>Fetches each concept at the time, caching its revision; one that cannot be read is a warning, as in the
    /// original, which skips concepts it cannot read.</summary>
    private async Task<IReadOnlyList<RevisionRef>> FetchAllAsync(IReadOnlyList<string> ids, DateTimeOffset asOf, string role, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return [];
        }
        var infos = await _client.GetEntityInfoAsync(ids, ct).ConfigureAwait(false);
        using var gate = new SemaphoreSlim(Parallel);
        var tasks = ids.Select(async id =>
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                var info = infos[id];
                if (info.Missing || info.PageId is null)
                {
                    _log.W($"{id} ({role}) does not exist in the Wikibase; its labels are left out.");
                    return null;
                }
                var rev = await _client.GetRevisionAsync(id, info.PageId.Value, asOf, ct).ConfigureAwait(false);
                if (rev is null || WikibaseEntity.RedirectTarget(rev.Content) is not null)
                {
                    _log.W($"{id} ({role}) has no revision at {asOf:u}; its labels are left out.");
                    return null;
                }
                WikibaseEntity.ToConcept(rev, Configuration.Properties, x => x, _ => { }); // readable, or a warning below
                _cache.PutRevision(rev);
                return new RevisionRef(id, rev.Revision);
            }
            catch (KgException e) when (e.Kind is KgErrorKind.InvalidData or KgErrorKind.InvalidArgument or KgErrorKind.ObjectNotFound)
            {
                _log.W($"{id} ({role}) cannot be read ({e.Message}); its labels are left out.");
                return null;
            }
            finally
            {
                gate.Release();
            }
        });
        return (await Task.WhenAll(tasks).ConfigureAwait(false)).OfType<RevisionRef>().ToArray();
    }

    private async Task ResolveRedirectsAsync(IEnumerable<string> ids, Dictionary<string, string> redirects, CancellationToken ct)
    {
        var unknown = ids.Where(x => !redirects.ContainsKey(x)).Distinct(StringComparer.Ordinal).ToArray();
        if (unknown.Length == 0)
        {
            return;
        }
        foreach (var (from, info) in await _client.GetEntityInfoAsync(unknown, ct).ConfigureAwait(false))
        {
            if (info.RedirectTo is { } to)
            {
                redirects[from] = to;
                _log.V($"{from} redirects to {to}.");
            }
        }
    }

    private static string Resolve(IReadOnlyDictionary<string, string> redirects, string id) =>
        redirects.TryGetValue(id, out var to) ? to : id;

    public void Dispose() => _client.Dispose();
}
