using System.Text;
using KnowledgeGraph.Environments;

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
    public bool Succeeded => CanList && CanWrite && CanRead && CanDelete;
    public IReadOnlyList<string> Problems { get; init; } = [];
    /// <summary>The ErrorIds of the problems, for scripts.</summary>
    public IReadOnlyList<string> ErrorIds { get; init; } = [];
}

/// <summary>Checks an environment's store: opens it (resolving credentials), lists the registry, writes a probe object
/// with a create-only write, reads it back and deletes it again.</summary>
public static class EnvironmentTester
{
    public static async Task<EnvironmentTestResult> TestAsync(StoreProvider stores, KgEnvironment environment, CancellationToken cancellationToken)
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
        return result with
        {
            Credentials = store.Objects.CredentialSource,
            CanList = canList,
            CanWrite = canWrite,
            CanRead = canRead,
            CanDelete = canDelete,
            Problems = problems,
            ErrorIds = ids,
        };
    }
}
