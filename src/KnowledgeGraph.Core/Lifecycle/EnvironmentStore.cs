using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Storage;

namespace KnowledgeGraph.Lifecycle;

/// <summary>An environment's store, with its model versions and its registry.</summary>
public sealed class EnvironmentStore
{
    public EnvironmentStore(EnvironmentConfiguration configuration, IObjectStore objects)
    {
        Configuration = configuration;
        Objects = objects;
        Models = new ModelStore(objects, configuration.Environment);
        Registry = new ClassifierRegistry(objects, configuration.Environment);
    }

    public EnvironmentConfiguration Configuration { get; }
    public KgEnvironment Environment => Configuration.Environment;
    public IObjectStore Objects { get; }
    public ModelStore Models { get; }
    public ClassifierRegistry Registry { get; }

    /// <summary>How many requests to run at once against this store.</summary>
    public int Parallelism => Configuration.Store.Kind == StoreKind.S3 ? 32 : 8;
}

/// <summary>Opens each environment's store once, from the settings: local stores in the core, S3 stores through the
/// infrastructure (loaded only when an S3 store is used).</summary>
public sealed class StoreProvider(KgSettings settings, Func<IObjectStoreFactory> s3, Action<string>? trace = null)
{
    private readonly Dictionary<KgEnvironment, EnvironmentStore> _open = [];

    public KgSettings Settings => settings;

    public EnvironmentStore For(KgEnvironment environment)
    {
        lock (_open)
        {
            if (!_open.TryGetValue(environment, out var store))
            {
                var configuration = EnvironmentConfiguration.Resolve(environment, settings);
                var objects = configuration.Store.Kind == StoreKind.S3
                    ? s3().Open(configuration)
                    : new FileObjectStore(configuration.Store.LocalPath);
                var wrapped = DelayedObjectStore.WrapIfRequested(objects);
                _open[environment] = store = new EnvironmentStore(configuration, trace is null ? wrapped : new TracingObjectStore(wrapped, trace));
            }
            return store;
        }
    }
}

/// <summary>Runs work items with bounded parallelism and returns the results in input order.</summary>
public static class ParallelWork
{
    public static async Task<TResult[]> MapAsync<TItem, TResult>(IReadOnlyList<TItem> items, int degree,
        Func<TItem, CancellationToken, Task<TResult>> work, CancellationToken cancellationToken)
    {
        var results = new TResult[items.Count];
        await System.Threading.Tasks.Parallel.ForEachAsync(Enumerable.Range(0, items.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, degree), CancellationToken = cancellationToken },
            async (i, ct) => results[i] = await work(items[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        return results;
    }
}
