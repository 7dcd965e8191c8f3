using System.Collections.Concurrent;
using System.Numerics;
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

    /// <summary>The first <paramref name="length"/> bytes of the object (all of it when shorter; here, the whole object
    /// unless an output reads less), or null when there is none.</summary>
    Task<byte[]?> ReadPrefixAsync(string key, int length, CancellationToken cancellationToken) => ReadAsync(key, cancellationToken);

    /// <summary>Starts writing <paramref name="data"/> (copied if the write completes later).</summary>
    ValueTask WriteAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Starts writing the <paramref name="segments"/> one after the other as one object. They may be written
    /// from where they are, so they must not change until <see cref="FlushAsync"/> returns.</summary>
    ValueTask WriteAsync(string key, IReadOnlyList<ReadOnlyMemory<byte>> segments, CancellationToken cancellationToken)
    {
        var data = new byte[segments.Sum(s => s.Length)];
        var at = 0;
        foreach (var segment in segments)
        {
            segment.CopyTo(data.AsMemory(at));
            at += segment.Length;
        }
        return WriteAsync(key, data, cancellationToken);
    }

    Task FlushAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken);
}

/// <summary>Results in a local folder (an output folder, or an embedded store's folder). A write goes to a temporary
/// file beside its target, then is renamed over it. Unlike the model store it does not fsync each file: results can
/// always be computed again, a killed process still leaves only complete files (the kernel keeps what was written),
/// and on this project's test machines an fsync per file costs more than classifying the file.
/// <para>Writes are queued and done by background threads (<c>writers</c>, one by default; each takes the writes of
/// its share of the keys, in order), so that creating files (kernel time, as much as all the classifying on this project's machines)
/// overlaps the caller's work instead of adding to it. At most <see cref="QueuedWrites"/> per writer wait, so memory
/// stays bounded.</para></summary>
public sealed class FolderInferenceOutput : IInferenceOutput
{
    private const string TempSuffix = ".kgtmp";
    private const int QueuedWrites = 64;
    private readonly string _root;
    private readonly TimeSpan _delay;
    private readonly ConcurrentDictionary<string, bool> _folders = new(StringComparer.Ordinal);
    private readonly ConcurrentStack<byte[]>[] _buffers = Enumerable.Range(0, 32).Select(_ => new ConcurrentStack<byte[]>()).ToArray();
    private readonly WriteLane[] _lanes;
    private readonly SemaphoreSlim _slots;
    private KgException? _failed;
    private long _counter;

    /// <param name="root">The folder.</param>
    /// <param name="writeDelay">A test hook: every write waits this long first (<see cref="DelayedObjectStore"/>).</param>
    /// <param name="writers">How many threads write.</param>
    public FolderInferenceOutput(string root, TimeSpan writeDelay = default, int writers = 1)
    {
        _root = Path.GetFullPath(root);
        _delay = writeDelay;
        _lanes = Enumerable.Range(0, Math.Max(1, writers)).Select(_ => new WriteLane(this)).ToArray();
        _slots = new SemaphoreSlim(QueuedWrites * _lanes.Length);
    }

    /// <summary>An output folder honouring <c>$env:KG_TEST_WRITE_DELAY_MS</c>, as the stores do.</summary>
    public static FolderInferenceOutput WithTestDelay(string root, int writers = 1) =>
        new(root, int.TryParse(Environment.GetEnvironmentVariable(DelayedObjectStore.Variable), out var ms) && ms > 0 ? TimeSpan.FromMilliseconds(ms) : default, writers);

    public string Location => _root;

    public int Parallelism => 1;

    public Task<byte[]?> ReadAsync(string key, CancellationToken cancellationToken) => Task.FromResult(Read(key, int.MaxValue));

    public Task<byte[]?> ReadPrefixAsync(string key, int length, CancellationToken cancellationToken) => Task.FromResult(Read(key, length));

    /// <summary>The file's first <paramref name="length"/> bytes (all of it when shorter), or null when there is none.</summary>
    private byte[]? Read(string key, int length)
    {
        try
        {
            using var handle = File.OpenHandle(PathOf(key));
            var buffer = new byte[Math.Min(length, RandomAccess.GetLength(handle))];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = RandomAccess.Read(handle, buffer.AsSpan(read), read);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            return read == buffer.Length ? buffer : buffer[..read];
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KgException("ResultReadFailed", e is UnauthorizedAccessException ? KgErrorKind.PermissionDenied : KgErrorKind.ReadError,
                $"Cannot read '{key}' in {_root}: {e.Message}", key, e);
        }
    }

    public async ValueTask WriteAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        byte[] copy;
        try
        {
            copy = RentBuffer(data.Length);
            data.CopyTo(copy);
        }
        catch
        {
            _slots.Release();
            throw;
        }
        Enqueue(new QueuedWrite(key, copy, data.Length, null, null, cancellationToken));
    }

    /// <summary>Written with one writev from the segments themselves (where the platform has it), not copied.</summary>
    public async ValueTask WriteAsync(string key, IReadOnlyList<ReadOnlyMemory<byte>> segments, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        Enqueue(new QueuedWrite(key, null, 0, segments, null, cancellationToken));
    }

    /// <summary>Waits for the writes queued so far (each writer's queue is in order, so a marker reached in every one
    /// means all before them are done) and throws the first that failed.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var markers = new Task[_lanes.Length];
        for (var i = 0; i < _lanes.Length; i++)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _lanes[i].Enqueue(new QueuedWrite(null, null, 0, null, done, cancellationToken));
            markers[i] = done.Task;
        }
        await Task.WhenAll(markers).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (Volatile.Read(ref _failed) is { } failed)
        {
            throw failed;
        }
        // Writes whose run was cancelled were skipped: the flush did not store them.
        cancellationToken.ThrowIfCancellationRequested();
    }

    // By key: writes of one key stay in order, in one writer's queue.
    private void Enqueue(QueuedWrite write) => _lanes[(int)((uint)StringComparer.Ordinal.GetHashCode(write.Key!) % (uint)_lanes.Length)].Enqueue(write);

    /// <summary>One write, on a writer's thread.</summary>
    private void Process(QueuedWrite write)
    {
        if (write.Flushed is { } flushed)
        {
            flushed.TrySetResult();
            return;
        }
        try
        {
            // After a failure or a cancellation nothing more is written: the run is stopping.
            if (Volatile.Read(ref _failed) is null && !write.CancellationToken.IsCancellationRequested)
            {
                WriteNow(write);
            }
        }
        catch (Exception e)
        {
            // Any failure, expected or not, is the flush's to report; the writer thread goes on (to release the slots).
            var failure = e as KgException ?? new KgException("ResultWriteFailed", KgErrorKind.WriteError, $"Cannot write '{write.Key}' in {_root}: {e.Message}", write.Key, e);
            Interlocked.CompareExchange(ref _failed, failure, null);
        }
        finally
        {
            if (write.Data is { } buffer)
            {
                ReturnBuffer(buffer);
            }
            _slots.Release();
        }
    }

    /// <summary>A writer: a queue, and a thread-pool thread draining it while it has work.</summary>
    private sealed class WriteLane(FolderInferenceOutput output)
    {
        private readonly ConcurrentQueue<QueuedWrite> _queue = new();
        private int _draining;

        public void Enqueue(QueuedWrite write)
        {
            _queue.Enqueue(write);
            if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
            {
                _ = Task.Run(Drain);
            }
        }

        private void Drain()
        {
            while (true)
            {
                while (_queue.TryDequeue(out var write))
                {
                    output.Process(write);
                }
                // A full fence (not a volatile write): the queue must be looked at only after the cleared flag is
                // visible, or a write queued meanwhile could find the drain running and be left behind.
                Interlocked.Exchange(ref _draining, 0);
                // A write queued after the last TryDequeue but before the flag was cleared found the drain running: take it.
                if (_queue.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
                {
                    return;
                }
            }
        }
    }

    /// <summary>A buffer of at least <paramref name="length"/> bytes, by powers of two, from those the queue has used.
    /// Not the shared array pool: it keeps only a few arrays per size, and a queue returns many at once on another
    /// thread, so most would be dropped and allocated again.</summary>
    private byte[] RentBuffer(int length)
    {
        if (length > 1 << 30)
        {
            return new byte[length]; // not pooled: its power of two is not an int
        }
        var size = Math.Max(4096, (int)BitOperations.RoundUpToPowerOf2((uint)length));
        return _buffers[BitOperations.Log2((uint)size)].TryPop(out var buffer) ? buffer : new byte[size];
    }

    // At most one buffer per slot exists, so the pool never holds more than there are slots.
    private void ReturnBuffer(byte[] buffer)
    {
        if (BitOperations.IsPow2(buffer.Length))
        {
            _buffers[BitOperations.Log2((uint)buffer.Length)].Push(buffer);
        }
    }

    private void WriteNow(QueuedWrite write)
    {
        var key = write.Key!;
        if (_delay > TimeSpan.Zero)
        {
            Thread.Sleep(_delay);
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
                if (write.Segments is { } segments)
                {
                    PosixFiles.WriteNew(temp, segments);
                }
                else
                {
                    PosixFiles.WriteNew(temp, write.Data.AsSpan(0, write.Length));
                }
                PosixFiles.Rename(temp, path);
            }
            else
            {
                using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    if (write.Segments is { } segments)
                    {
                        RandomAccess.Write(handle, segments, 0);
                    }
                    else
                    {
                        RandomAccess.Write(handle, write.Data.AsSpan(0, write.Length), 0);
                    }
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
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>A file to write (<see cref="Key"/>: the first <see cref="Length"/> bytes of a pooled <see cref="Data"/>,
    /// or the caller's <see cref="Segments"/>), or a flush's marker (<see cref="Flushed"/>).</summary>
    private sealed record QueuedWrite(string? Key, byte[]? Data, int Length, IReadOnlyList<ReadOnlyMemory<byte>>? Segments,
        TaskCompletionSource? Flushed, CancellationToken CancellationToken);

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
