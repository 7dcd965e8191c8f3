using System.Text;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Storage;

namespace KnowledgeGraph.Tests;

/// <summary>Environment stores on the local disk for lifecycle tests, each in its own folder under one temporary root.</summary>
public sealed class TestStores : IDisposable
{
    private readonly TempFolder _folder = new();

    public string Root => _folder.Path;

    public EnvironmentStore For(KgEnvironment env, Func<IObjectStore, IObjectStore>? wrap = null)
    {
        var config = new EnvironmentConfiguration { Environment = env, Store = StoreLocation.Local(Path.Combine(_folder.Path, env.Name())), StoreSource = "test" };
        var objects = new FileObjectStore(config.Store.LocalPath);
        return new EnvironmentStore(config, wrap?.Invoke(objects) ?? objects);
    }

    public static Task<StoredModelVersion> AddAsync(EnvironmentStore store, string q, string cid, string content, string? conceptId = "f8at8qv5") =>
        store.Models.AddVersionAsync(new ModelPackage(q, cid,
            new ModelMetadata { AwsEnv = store.Environment.Name(), ClassifierName = "KeywordClassifier", ConceptId = conceptId ?? "" },
            [new ModelPackageFile("model.json", Encoding.UTF8.GetBytes(content))]), null, CancellationToken.None);

    public static async Task<StoredModelVersion> PromotedAsync(EnvironmentStore store, string q, string cid, string profile, string? content = null)
    {
        var v = await AddAsync(store, q, cid, content ?? cid + Guid.NewGuid());
        await ClassifierLifecycle.PublishAsync(store, v, new MetadataChange { AddProfiles = [profile] }, CancellationToken.None);
        return v;
    }

    public void Dispose() => _folder.Dispose();
}

/// <summary>A store that fails chosen requests with a connection error, to test what happens when S3 goes away mid-command.</summary>
public sealed class FaultyStore(IObjectStore inner) : IObjectStore
{
    /// <summary>Called before each request with its kind (GET, PUT, CREATE, LIST, DELETE) and key; true fails it.</summary>
    public Func<string, string, bool> FailBefore { get; set; } = (_, _) => false;
    /// <summary>True fails a create-only write after the object is stored (a response lost on the way back).</summary>
    public Func<string, bool> FailAfterCreate { get; set; } = _ => false;

    public StoreLocation Location => inner.Location;
    public string CredentialSource => inner.CredentialSource;

    private void Check(string kind, string key)
    {
        if (FailBefore(kind, key))
        {
            throw new KgException("StoreUnreachable", KgErrorKind.ConnectionError, $"Cannot reach the store for {kind} {key} (test).", key);
        }
    }

    public Task<byte[]?> GetAsync(string key, CancellationToken ct)
    {
        Check("GET", key);
        return inner.GetAsync(key, ct);
    }

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        Check("PUT", key);
        return inner.PutAsync(key, data, ct);
    }

    public async Task<bool> TryCreateAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        Check("CREATE", key);
        var created = await inner.TryCreateAsync(key, data, ct);
        if (FailAfterCreate(key))
        {
            throw new KgException("StoreUnreachable", KgErrorKind.ConnectionError, $"The connection was reset after CREATE {key} (test).", key);
        }
        return created;
    }

    public Task<IReadOnlyList<string>> ListAsync(string prefix, string? startAfter, CancellationToken ct)
    {
        Check("LIST", prefix);
        return inner.ListAsync(prefix, startAfter, ct);
    }

    public Task<IReadOnlyList<StoredObject>> ListObjectsAsync(string prefix, CancellationToken ct)
    {
        Check("LIST", prefix);
        return inner.ListObjectsAsync(prefix, ct);
    }

    public Task<IReadOnlyList<string>> ListFoldersAsync(string prefix, CancellationToken ct)
    {
        Check("LIST", prefix);
        return inner.ListFoldersAsync(prefix, ct);
    }

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        Check("DELETE", key);
        return inner.DeleteAsync(key, ct);
    }
}
