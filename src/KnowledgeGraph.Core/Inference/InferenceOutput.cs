using System.Collections.Concurrent;
using KnowledgeGraph.Storage;

namespace KnowledgeGraph.Inference;

/// <summary>Where inference results live, in an environment's store or an output folder:
/// <c>labelled_passages/&lt;Qid&gt;/&lt;classifier id&gt;/&lt;document id&gt;.json</c> (the original's layout: one file per
/// classifier and document) and <c>aggregated/&lt;document id&gt;.json</c> (one per document).</summary>
public static class InferenceLayout
{
    public const string PassagesPrefix = "labelled_passages/";
    public const string AggregatedPrefix = "aggregated/";

    public static string PassagesKey(string wikibaseId, string classifierId, string documentId) =>
        $"{PassagesPrefix}{wikibaseId}/{classifierId}/{documentId}.json";

    public static string AggregatedKey(string documentId) => $"{AggregatedPrefix}{documentId}.json";

    /// <summary>The document ID of an aggregated file's key, or null for any other key.</summary>
    public static string? DocumentIdOf(string aggregatedKey) =>
        aggregatedKey.StartsWith(AggregatedPrefix, StringComparison.Ordinal) && aggregatedKey.EndsWith(".json", StringComparison.Ordinal)
            && aggregatedKey.IndexOf('/', AggregatedPrefix.Length) < 0
            ? aggregatedKey[AggregatedPrefix.Length..^5]
            : null;
}

/// <summary>Reads and writes inference results. Every write replaces its object atomically: a reader sees the old
/// object or the new one, never a part. Writes may complete later; <see cref="FlushAsync"/> waits for all of them
/// and reports the first failure, so a caller can order "these files, then the record that they are done".</summary>
public interface IInferenceOutput
{
    string Location { get; }

    /// <summary>How many requests to run at once: 1 where requests are local (the CPU decides), more for a remote store.</summary>
    int Parallelism { get; }

    Task<byte[]?> ReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Starts writing <paramref name="data"/> (copied if the write completes later).</summary>
    ValueTask WriteAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    Task FlushAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken);
}

/// <summary>Results in a local folder (an output folder, or an embedded store's folder). A write goes to a temporary
/// file beside its target, then is renamed over it. Unlike the model store it does not fsync each file: results can
/// always be computed again, a killed process still leaves only complete files (the kernel keeps what was written),
/// and on this project's test machines an fsync per file costs more than classifying the file.</summary>
public sealed class FolderInferenceOutput : IInferenceOutput
{
    private const string TempSuffix = ".kgtmp";
    private readonly string _root;
    private readonly TimeSpan _delay;
    private readonly ConcurrentDictionary<string, bool> _folders = new(StringComparer.Ordinal);
    private long _counter;

    /// <param name="root">The folder.</param>
    /// <param name="writeDelay">A test hook: every write waits this long first (<see cref="DelayedObjectStore"/>).</param>
    public FolderInferenceOutput(string root, TimeSpan writeDelay = default)
    {
        _root = Path.GetFullPath(root);
        _delay = writeDelay;
    }

    /// <summary>An output folder honouring <c>$env:KG_TEST_WRITE_DELAY_MS</c>, as the stores do.</summary>
    public static FolderInferenceOutput WithTestDelay(string root) =>
        new(root, int.TryParse(Environment.GetEnvironmentVariable(DelayedObjectStore.Variable), out var ms) && ms > 0 ? TimeSpan.FromMilliseconds(ms) : default);

    public string Location => _root;

    public int Parallelism => 1;

    public Task<byte[]?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult<byte[]?>(File.ReadAllBytes(PathOf(key)));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<byte[]?>(null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KgException("ResultReadFailed", e is UnauthorizedAccessException ? KgErrorKind.PermissionDenied : KgErrorKind.ReadError,
                $"Cannot read '{key}' in {_root}: {e.Message}", key, e);
        }
    }

    public async ValueTask WriteAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (_delay > TimeSpan.Zero)
        {
            await Task.Delay(_delay, cancellationToken).ConfigureAwait(false);
        }
        var path = PathOf(key);
        var folder = Path.GetDirectoryName(path)!;
        var temp = $"{path}.{Environment.ProcessId}.{Interlocked.Increment(ref _counter)}{TempSuffix}";
        try
        {
            if (!_folders.ContainsKey(folder))
            {
                Directory.CreateDirectory(folder);
                _folders[folder] = true;
            }
            if (PosixFiles.Supported)
            {
                PosixFiles.WriteNew(temp, data.Span);
                PosixFiles.Rename(temp, path);
            }
            else
            {
                using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    RandomAccess.Write(handle, data.Span, 0);
                }
                File.Move(temp, path, overwrite: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new KgException("ResultWriteFailed", e is UnauthorizedAccessException ? KgErrorKind.PermissionDenied : KgErrorKind.WriteError,
                $"Cannot write '{key}' in {_root}: {e.Message}", key, e);
        }
    }

    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(_root, prefix.TrimEnd('/').Replace('/', Path.DirectorySeparatorChar));
        IReadOnlyList<string> keys = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => !f.EndsWith(TempSuffix, StringComparison.Ordinal))
                .Select(f => Path.GetRelativePath(_root, f).Replace(Path.DirectorySeparatorChar, '/'))
                .Order(StringComparer.Ordinal)
                .ToArray()
            : [];
        return Task.FromResult(keys);
    }

    private string PathOf(string key) => Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar));

    // Best effort: readers ignore temporary files anyway.
    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Results in an environment's object store (S3): writes run in the background, at most the store's
/// parallelism at once, and <see cref="FlushAsync"/> waits for them.</summary>
public sealed class StoreInferenceOutput(IObjectStore store, int parallelism) : IInferenceOutput
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, parallelism));
    private readonly List<Task> _pending = [];

    public string Location => store.Location.ToString();

    public int Parallelism => Math.Max(1, parallelism);

    public Task<byte[]?> ReadAsync(string key, CancellationToken cancellationToken) => store.GetAsync(key, cancellationToken);

    public async ValueTask WriteAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var copy = data.ToArray();
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        var put = Put(key, copy, cancellationToken);
        lock (_pending)
        {
            _pending.Add(put);
        }
    }

    private async Task Put(string key, byte[] data, CancellationToken cancellationToken)
    {
        try
        {
            await store.PutAsync(key, data, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        Task[] pending;
        lock (_pending)
        {
            pending = [.. _pending];
            _pending.Clear();
        }
        await Task.WhenAll(pending).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken) => store.ListAsync(prefix, null, cancellationToken);
}
