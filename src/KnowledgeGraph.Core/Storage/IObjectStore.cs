namespace KnowledgeGraph.Storage;

/// <summary>A flat key-value store of immutable-ish objects, keyed by '/'-separated paths relative to the store's root:
/// a local folder or an S3 bucket (and prefix). The operations are the ones S3 offers natively, so that the model
/// store and the registry behave identically on both.</summary>
public interface IObjectStore
{
    StoreLocation Location { get; }

    /// <summary>Whose access the store uses and where that came from (an AWS profile, environment variables, the
    /// local user), for diagnostics and error messages.</summary>
    string CredentialSource { get; }

    /// <summary>The object's bytes, or null when there is no such key.</summary>
    Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Writes (or replaces) an object. Readers see the old or the new object, never a partial one.</summary>
    Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Writes an object only if the key does not exist yet (S3 <c>If-None-Match: *</c>, an exclusive create on
    /// disk): true if this call created it, false if the key already existed. Exactly one of several concurrent
    /// creators of a key wins.</summary>
    Task<bool> TryCreateAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Keys under <paramref name="prefix"/> (which should end in '/'), in ordinal order, optionally only those
    /// after <paramref name="startAfter"/>.</summary>
    Task<IReadOnlyList<string>> ListAsync(string prefix, string? startAfter, CancellationToken cancellationToken);

    /// <summary>Objects under <paramref name="prefix"/> with their size and last-modified time, in ordinal key order
    /// (what garbage collection needs to leave young objects of an upload in progress alone).</summary>
    Task<IReadOnlyList<StoredObject>> ListObjectsAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>The names of the "folders" directly below <paramref name="prefix"/> (keys split at '/'), in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListFoldersAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Removes an object; removing a missing key is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>An object in a store: its key, size and when it was last written.</summary>
public sealed record StoredObject(string Key, long Size, DateTimeOffset LastModified);

/// <summary>Opens the store of an environment. The core opens local stores itself; S3 stores come from the
/// infrastructure (they need AWSSDK).</summary>
public interface IObjectStoreFactory
{
    IObjectStore Open(Configuration.EnvironmentConfiguration configuration);
}
