using System.Diagnostics;

namespace KnowledgeGraph.Storage;

/// <summary>Reports every request to a store (operation, key, size, outcome, time) to a sink: what -Debug shows. Only
/// keys and sizes are reported, never content or credentials.</summary>
public sealed class TracingObjectStore(IObjectStore inner, Action<string> trace) : IObjectStore
{
    public StoreLocation Location => inner.Location;

    public string CredentialSource => inner.CredentialSource;

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken) =>
        Traced($"GET {key}", () => inner.GetAsync(key, cancellationToken), r => r is null ? "not found" : $"{r.Length:N0} bytes");

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        Traced($"PUT {key} ({data.Length:N0} bytes)", async () => { await inner.PutAsync(key, data, cancellationToken).ConfigureAwait(false); return true; }, _ => "stored");

    public Task<bool> TryCreateAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        Traced($"PUT {key} ({data.Length:N0} bytes, create-only)", () => inner.TryCreateAsync(key, data, cancellationToken), r => r ? "created" : "exists already");

    public Task<IReadOnlyList<string>> ListAsync(string prefix, string? startAfter, CancellationToken cancellationToken) =>
        Traced($"LIST {prefix}{(startAfter is null ? "" : $" after {startAfter}")}", () => inner.ListAsync(prefix, startAfter, cancellationToken), r => $"{r.Count} key(s)");

    public Task<IReadOnlyList<StoredObject>> ListObjectsAsync(string prefix, CancellationToken cancellationToken) =>
        Traced($"LIST {prefix}", () => inner.ListObjectsAsync(prefix, cancellationToken), r => $"{r.Count} object(s)");

    public Task<IReadOnlyList<string>> ListFoldersAsync(string prefix, CancellationToken cancellationToken) =>
        Traced($"LIST {prefix} (folders)", () => inner.ListFoldersAsync(prefix, cancellationToken), r => $"{r.Count} folder(s)");

    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        Traced($"DELETE {key}", async () => { await inner.DeleteAsync(key, cancellationToken).ConfigureAwait(false); return true; }, _ => "deleted");

    private async Task<T> Traced<T>(string request, Func<Task<T>> call, Func<T, string> outcome)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var result = await call().ConfigureAwait(false);
            trace($"{inner.Location}: {request} -> {outcome(result)} ({clock.ElapsedMilliseconds} ms)");
            return result;
        }
        catch (Exception e) when (e is KgException or OperationCanceledException)
        {
            trace($"{inner.Location}: {request} -> failed: {(e is KgException k ? k.ErrorId : "cancelled")} ({clock.ElapsedMilliseconds} ms)");
            throw;
        }
    }
}
