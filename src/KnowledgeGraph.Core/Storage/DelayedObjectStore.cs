namespace KnowledgeGraph.Storage;

/// <summary>A test hook: with <c>$env:KG_TEST_WRITE_DELAY_MS</c> set, every write to a store waits that long first, so that
/// reliability tests can kill a process or stop a server in the middle of an upload or a publish.</summary>
public sealed class DelayedObjectStore(IObjectStore inner, TimeSpan delay) : IObjectStore
{
    public const string Variable = "KG_TEST_WRITE_DELAY_MS";

    public StoreLocation Location => inner.Location;

    public string CredentialSource => inner.CredentialSource;

    public static IObjectStore WrapIfRequested(IObjectStore store) =>
        int.TryParse(Environment.GetEnvironmentVariable(Variable), out var ms) && ms > 0
            ? new DelayedObjectStore(store, TimeSpan.FromMilliseconds(ms))
            : store;

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

    public async Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        await inner.PutAsync(key, data, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> TryCreateAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        return await inner.TryCreateAsync(key, data, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<string>> ListAsync(string prefix, string? startAfter, CancellationToken cancellationToken) =>
        inner.ListAsync(prefix, startAfter, cancellationToken);

    public Task<IReadOnlyList<StoredObject>> ListObjectsAsync(string prefix, CancellationToken cancellationToken) =>
        inner.ListObjectsAsync(prefix, cancellationToken);

    public Task<IReadOnlyList<string>> ListFoldersAsync(string prefix, CancellationToken cancellationToken) =>
        inner.ListFoldersAsync(prefix, cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);
}
