using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Specs;

namespace KnowledgeGraph.WandB;

/// <summary>An environment whose registry of record is W&amp;B, in the original's scheme: a promoted version is an
/// artifact version of project <c>&lt;Qid&gt;</c> (collection: the classifier ID) linked into the organization's registry
/// <c>wandb-registry-model</c>, collection <c>&lt;Qid&gt;</c> (the link's version is the registry version), tagged with the
/// environment's name, with <c>classifiers_profiles</c>, <c>dont_run_on</c> and <c>compute_environment</c> in the
/// artifact's metadata (<c>aws_env</c> says which environment the artifact belongs to). Demotion removes the tag and the
/// profiles; the link stays.
///
/// The lifecycle's rules (<see cref="RegistryRules"/>) decide every change on the state read from W&amp;B, as for our own
/// registry. W&amp;B has no compare-and-swap, so a change is written only if the artifacts it touches still have the
/// metadata and tags it was decided on (read again just before writing; otherwise it is decided again), and the state
/// is read once more after writing: when another writer's change landed on top of it, the command says so
/// (ConcurrentRegistryChange) instead of reporting success.</summary>
public sealed partial class WandBRegistry : IClassifierRegistry
{
    /// <summary>How long to wait before reading the state back after a write, so that a concurrent writer's change that
    /// lands just after ours is seen ($env:KG_WANDB_SETTLE_MS overrides it; tests shorten it).</summary>
    public TimeSpan SettleDelay { get; init; } = DefaultSettleDelay;

    private static TimeSpan DefaultSettleDelay =>
        int.TryParse(System.Environment.GetEnvironmentVariable("KG_WANDB_SETTLE_MS"), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? TimeSpan.FromMilliseconds(ms) : TimeSpan.FromSeconds(1);

    private const int MaxAttempts = 5;
    private readonly EnvironmentStore _store;
    private readonly WandBApi _api;
    private readonly string _entity;
    private readonly SemaphoreSlim _orgLock = new(1, 1);
    private WandBOrganization? _org;
    private (DateTime At, Dictionary<string, List<WandBMembership>> ByConcept)? _listing;

    public WandBRegistry(EnvironmentStore store, WandBApi api, string entity)
    {
        _store = store;
        _api = api;
        _entity = entity;
    }

    /// <summary>The W&amp;B registry of an environment's configuration (its entity, server and the user's API key).</summary>
    public static WandBRegistry Open(EnvironmentStore store, Action<string>? trace)
    {
        var c = store.Configuration;
        return new WandBRegistry(store, new WandBApi(new WandBClient(c.WandBBaseUrl, new Lazy<WandBApiKey>(() => WandBApiKey.Require(c.WandBBaseUrl)), trace)), c.WandBEntity!);
    }

    public RegistryKind Kind => RegistryKind.WandB;

    public KgEnvironment Environment => _store.Environment;

    public string Location => $"W&B {_api.Client.BaseUrl}, entity {_entity}, registry {WandBConfiguration.RegistryProject}";

    public WandBApi Api => _api;

    public string Entity => _entity;

    private string EnvName => _store.Environment.For(EnvironmentUse.ModelMetadata);

    /// <summary>The tags that mean "promoted here": the name, and for production also the value <c>prod</c> the original
    /// tagged with before it switched to names (such versions were invisible to it; here they count).</summary>
    private IReadOnlyList<string> EnvTags => new[] { EnvName, _store.Environment.Value() }.Distinct().ToArray();

    public async Task<WandBOrganization> OrganizationAsync(CancellationToken ct)
    {
        await _orgLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return _org ??= await _api.OrganizationAsync(_entity, ct).ConfigureAwait(false);
        }
        finally
        {
            _orgLock.Release();
        }
    }

    /// <summary>The concepts with a version of this environment in the registry: one paged query of every registry
    /// version of every concept collection, kept for a few seconds for the reads of each concept that usually follow
    /// (a spec update, a listing).</summary>
    public async Task<IReadOnlyList<string>> ListConceptsAsync(CancellationToken cancellationToken)
    {
        var org = await OrganizationAsync(cancellationToken).ConfigureAwait(false);
        var all = await _api.RegistryVersionsAsync(org, WandBConfiguration.RegistryProject,
            new JsonObject { ["name"] = new JsonObject { ["$regex"] = "^Q[1-9][0-9]*$" } }, null, cancellationToken).ConfigureAwait(false);
        var byConcept = all.Where(m => WikibaseId.IsValid(m.Collection)).GroupBy(m => m.Collection)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        _listing = (DateTime.UtcNow, byConcept);
        return byConcept.Where(g => g.Value.Any(m => BelongsHere(m.Artifact))).Select(g => g.Key).Order(WikibaseId.NumericStringComparer).ToArray();
    }

    public async Task<ConceptRegistry> GetAsync(string wikibaseId, CancellationToken cancellationToken)
    {
        if (_listing is { } listing && DateTime.UtcNow - listing.At < TimeSpan.FromSeconds(30))
        {
            return await BuildAsync(wikibaseId, listing.ByConcept.GetValueOrDefault(wikibaseId) ?? [], cancellationToken).ConfigureAwait(false);
        }
        return (await ReadAsync(wikibaseId, cancellationToken).ConfigureAwait(false)).State;
    }

    public Task<IReadOnlyList<RegistryRecord>> GetHistoryAsync(string wikibaseId, CancellationToken cancellationToken) =>
        throw new KgException("HistoryNotKept", KgErrorKind.NotImplemented,
            $"The registry of {Environment.Name()} is W&B ({Location}), which keeps no change log KgTools can read: see the history of the artifacts of project {_entity}/{wikibaseId} and of collection {WandBConfiguration.RegistryProject}/{wikibaseId} in W&B. (Import-KgRegistry -From WandB moves the registry into the store's own log, which keeps one.)",
            wikibaseId);

    public async Task<(ConceptRegistry? State, IReadOnlyList<string> Problems)> VerifyAsync(string wikibaseId, CancellationToken cancellationToken)
    {
        var (state, memberships) = await ReadAsync(wikibaseId, cancellationToken).ConfigureAwait(false);
        var problems = memberships.Where(m => BelongsHere(m.Artifact) && m.Artifact.Metadata["classifiers_profiles"] is JsonArray { Count: > 1 })
            .Select(m => $"{wikibaseId}: registry v{m.VersionIndex} ({m.Artifact.Path}) has more than one classifiers profile.").ToList();
        return (state, problems);
    }

    /// <summary>The state of a concept, and the registry memberships it was built from, read now.</summary>
    private async Task<(ConceptRegistry State, IReadOnlyList<WandBMembership> Memberships)> ReadAsync(string wikibaseId, CancellationToken ct)
    {
        var org = await OrganizationAsync(ct).ConfigureAwait(false);
        var memberships = await _api.RegistryVersionsAsync(org, WandBConfiguration.RegistryProject,
            new JsonObject { ["name"] = wikibaseId }, null, ct).ConfigureAwait(false);
        var own = memberships.Where(m => m.Collection == wikibaseId).ToList();
        return (await BuildAsync(wikibaseId, own, ct).ConfigureAwait(false), own);
    }

    /// <summary>An artifact belongs to this environment when its <c>aws_env</c> names it (the legacy value <c>prod</c>
    /// counts as production) and it is of the current data model (it has a <c>classifier_name</c>).</summary>
    private bool BelongsHere(WandBArtifact a) =>
        a.Metadata["aws_env"] is JsonValue env && env.TryGetValue<string>(out var e) && EnvironmentNames.TryParse(e, out var parsed)
        && parsed == _store.Environment
        && a.Metadata["classifier_name"] is JsonValue name && name.TryGetValue<string>(out var n) && n.Length > 0;

    private async Task<ConceptRegistry> BuildAsync(string wikibaseId, IReadOnlyList<WandBMembership> memberships, CancellationToken ct)
    {
        var entries = new List<RegistryEntry>();
        foreach (var m in memberships.Where(m => BelongsHere(m.Artifact) && m.VersionIndex >= 0))
        {
            entries.Add(await EntryAsync(wikibaseId, m, ct).ConfigureAwait(false));
        }
        return new ConceptRegistry(wikibaseId, 0, entries.OrderBy(e => e.RegistryVersion).ToArray())
        {
            VersionsNumbered = memberships.Count == 0 ? 0 : memberships.Max(m => m.VersionIndex) + 1,
        };
    }

    private async Task<RegistryEntry> EntryAsync(string wikibaseId, WandBMembership m, CancellationToken ct)
    {
        var a = m.Artifact;
        var md = a.Metadata;
        var (version, sha) = StoreVersionOf(a);
        var manifestSha = sha ?? RegistryEntry.ExternalPrefix + a.Path;
        if (sha is null && version is { } v)
        {
            // Not logged by KgTools: it is ours only if the store has this version (then it names the manifest to check).
            var stored = await _store.Models.GetAsync(wikibaseId, a.Collection, v, ct).ConfigureAwait(false);
            manifestSha = stored?.ManifestSha256 ?? manifestSha;
        }
        var profiles = Strings(md["classifiers_profiles"]);
        return new RegistryEntry
        {
            RegistryVersion = new ModelVersion(m.VersionIndex),
            ClassifierId = a.Collection,
            ModelVersion = version ?? new ModelVersion(a.VersionIndex ?? 0),
            ManifestSha256 = manifestSha,
            ConceptId = md["concept_id"] is JsonValue c && c.TryGetValue<string>(out var cid) ? cid : null,
            ClassifierName = md["classifier_name"]!.GetValue<string>(),
            Promoted = a.Tags.Any(t => EnvTags.Contains(t, StringComparer.Ordinal)),
            Profile = profiles.FirstOrDefault(),
            DontRunOn = DontRunOnSources.Normalise(Strings(md["dont_run_on"]).Select(s => s.ToLowerInvariant())),
            RequireGpu = md["compute_environment"]?["gpu"] is JsonValue g && g.TryGetValue<bool>(out var gpu) && gpu,
            UpdatedAt = DateTimeOffset.TryParse(a.UpdatedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : default,
            LastSequence = 0,
        };
    }

    private static IReadOnlyList<string> Strings(JsonNode? node) => node switch
    {
        JsonArray array => array.Select(x => x is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>().ToArray(),
        JsonValue value when value.TryGetValue<string>(out var s) => [s],
        _ => [],
    };

    /// <summary>The store version an artifact logged by KgTools stands for, from its description; the artifact's own
    /// version for one logged by another system.</summary>
    public static (ModelVersion? Version, string? ManifestSha256) StoreVersionOf(WandBArtifact artifact)
    {
        var match = artifact.Description is null ? null : DescriptionPattern().Match(artifact.Description);
        if (match is { Success: true } && ModelVersion.TryParse(match.Groups["version"].Value, out var v))
        {
            return (v, match.Groups["sha"].Value);
        }
        return (artifact.VersionIndex is { } i ? new ModelVersion(i) : null, null);
    }

    /// <summary>The description KgTools gives the artifact of a store version: which version, and its manifest's SHA-256.</summary>
    public static string Describe(StoredModelVersion version) =>
        $"KgTools model {version.Manifest.WikibaseId}/{version.Manifest.ClassifierId} {version.Manifest.Version} in {version.Store}; manifest SHA-256 {version.ManifestSha256}";

    [GeneratedRegex(@"^KgTools model \S+ (?<version>v[0-9]+) in .*; manifest SHA-256 (?<sha>[0-9a-f]{64})\z")]
    private static partial Regex DescriptionPattern();
}
