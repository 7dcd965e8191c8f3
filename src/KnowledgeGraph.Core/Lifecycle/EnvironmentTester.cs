using System.Text;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Lifecycle;

/// <summary>What Test-KgEnvironment found for one environment.</summary>
public sealed record EnvironmentTestResult
{
    public required string Environment { get; init; }
    public required string Store { get; init; }
    public required string StoreKind { get; init; }
    public string? Credentials { get; init; }
    public bool CanList { get; init; }
    public bool CanWrite { get; init; }
    public bool CanRead { get; init; }
    public bool CanDelete { get; init; }
    /// <summary>Whether the store's content was checked as well (-Deep): registry hash chains and snapshots, promoted
    /// entries against their model versions, manifests and the blobs of promoted versions.</summary>
    public bool Deep { get; init; }
    public bool Succeeded => CanList && CanWrite && CanRead && CanDelete && Problems.Count == 0;
    public IReadOnlyList<string> Problems { get; init; } = ValueList<string>.Empty;
    /// <summary>The ErrorIds of the problems, for scripts.</summary>
    public IReadOnlyList<string> ErrorIds { get; init; } = ValueList<string>.Empty;

    public override string ToString() => $"{Environment}: {(Succeeded ? "OK" : string.Join(", ", ErrorIds.Distinct()))} ({Store})";
}

/// <summary>Checks an environment's store: opens it (resolving credentials), lists the registry, writes a probe object
/// with a create-only write, reads it back and deletes it again.</summary>
public static class EnvironmentTester
{
    public static async Task<EnvironmentTestResult> TestAsync(StoreProvider stores, KgEnvironment environment, bool deep, CancellationToken cancellationToken)
    {
        var configuration = Configuration.EnvironmentConfiguration.Resolve(environment, stores.Settings);
        var problems = new List<string>();
        var ids = new List<string>();
        var result = new EnvironmentTestResult
        {
            Environment = environment.Name(),
            Store = configuration.Store.ToString(),
            StoreKind = configuration.Store.Kind.ToString(),
        };
        EnvironmentStore store;
        try
        {
            store = stores.For(environment);
        }
        catch (KgException e)
        {
            return result with { Problems = [e.Message], ErrorIds = [e.ErrorId] };
        }
        async Task<bool> Check(Func<Task<bool>> step)
        {
            try
            {
                return await step().ConfigureAwait(false);
            }
            catch (KgException e)
            {
                problems.Add(e.Message);
                ids.Add(e.ErrorId);
                return false;
            }
        }
        var key = $".kgtools-probe/{System.Environment.MachineName}-{System.Environment.ProcessId}-{Guid.NewGuid():N}";
        var content = Encoding.UTF8.GetBytes($"KnowledgeGraph store probe {DateTimeOffset.UtcNow:O}");
        var canList = await Check(async () => { await store.Registry.ListConceptsAsync(cancellationToken).ConfigureAwait(false); return true; }).ConfigureAwait(false);
        var canWrite = await Check(() => store.Objects.TryCreateAsync(key, content, cancellationToken)).ConfigureAwait(false);
        var canRead = canWrite && await Check(async () =>
            (await store.Objects.GetAsync(key, cancellationToken).ConfigureAwait(false))?.SequenceEqual(content) == true).ConfigureAwait(false);
        var canDelete = canWrite && await Check(async () =>
        {
            await store.Objects.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            return await store.Objects.GetAsync(key, cancellationToken).ConfigureAwait(false) is null;
        }).ConfigureAwait(false);
        if (deep && canList)
        {
            foreach (var (id, problem) in await CheckContentAsync(store, cancellationToken).ConfigureAwait(false))
            {
                problems.Add(problem);
                ids.Add(id);
            }
        }
        return result with
        {
            Credentials = store.Objects.CredentialSource,
            CanList = canList,
            CanWrite = canWrite,
            CanRead = canRead,
            CanDelete = canDelete,
            Deep = deep,
            Problems = ValueList.Of(problems),
            ErrorIds = ValueList.Of(ids),
        };
    }

    /// <summary>What a full check of a store's content finds, as (ErrorId, message) pairs.</summary>
    public static async Task<IReadOnlyList<(string ErrorId, string Message)>> CheckContentAsync(EnvironmentStore store, CancellationToken cancellationToken)
    {
        var found = new List<(string, string)>();
        foreach (var q in await store.Registry.ListConceptsAsync(cancellationToken).ConfigureAwait(false))
        {
            var (state, problems) = await store.Registry.VerifyAsync(q, cancellationToken).ConfigureAwait(false);
            found.AddRange(problems.Select(p => (state is null ? "TamperedRegistry" : p.Contains("snapshot", StringComparison.Ordinal) ? "SnapshotMismatch" : "UnchainedRegistry", p)));
            foreach (var e in state?.Promoted ?? [])
            {
                var what = $"{q} registry {e.RegistryVersion} ({e.ClassifierId} {e.ModelVersion}, promoted)";
                try
                {
                    var version = await store.Models.GetAsync(q, e.ClassifierId, e.ModelVersion, cancellationToken).ConfigureAwait(false);
                    if (version is null)
                    {
                        found.Add(("ModelMissing", $"{what}: the model version does not exist."));
                    }
                    else if (version.ManifestSha256 != e.ManifestSha256)
                    {
                        found.Add(("ManifestChanged", $"{what}: the manifest was changed after the promotion."));
                    }
                    else
                    {
                        foreach (var f in version.Manifest.Files)
                        {
                            await store.Models.ReadFileAsync(version, f.Name, cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
                catch (KgException x)
                {
                    found.Add((x.ErrorId, $"{what}: {x.Message}"));
                }
            }
        }
        foreach (var (q, c, v) in await store.Models.ListAsync(null, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await store.Models.GetAsync(q, c, v, cancellationToken).ConfigureAwait(false);
            }
            catch (KgException x)
            {
                found.Add((x.ErrorId, x.Message));
            }
        }
        return found;
    }
}
