using System.Runtime.InteropServices;

namespace KnowledgeGraph.Storage;

/// <summary>The embedded store: objects are files under a folder. Writes go to a temporary file in the target's folder
/// first and are then renamed (replace) or hard-linked (create-only, which fails atomically when the target exists), so
/// a reader or a crashed writer never leaves a partial object behind.</summary>
public sealed class FileObjectStore : IObjectStore
{
    private const string TempSuffix = ".kgtmp";
    private readonly string _root;

    public FileObjectStore(string root)
    {
        _root = Path.GetFullPath(root);
        Location = StoreLocation.Local(_root);
    }

    public StoreLocation Location { get; }

    public string CredentialSource => $"the local user '{Environment.UserName}' (file system permissions)";

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (UnauthorizedAccessException e)
        {
            throw Denied("read", key, e);
        }
        catch (IOException e)
        {
            throw new KgException("StoreReadFailed", KgErrorKind.ReadError, $"Cannot read '{key}' from the store {_root}: {e.Message}", key, e);
        }
    }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        var temp = await WriteTempAsync(path, key, data, cancellationToken).ConfigureAwait(false);
        try
        {
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw WriteFailed(key, e);
        }
    }

    public async Task<bool> TryCreateAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        if (File.Exists(path))
        {
            return false;
        }
        var temp = await WriteTempAsync(path, key, data, cancellationToken).ConfigureAwait(false);
        try
        {
            return CreateExclusive(temp, path, key);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    public Task<IReadOnlyList<string>> ListAsync(string prefix, string? startAfter, CancellationToken cancellationToken)
    {
        var folder = FolderOf(prefix);
        IReadOnlyList<string> result = [];
        if (Directory.Exists(folder))
        {
            try
            {
                result = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                    .Where(f => !f.EndsWith(TempSuffix, StringComparison.Ordinal))
                    .Select(f => Path.GetRelativePath(_root, f).Replace('\\', '/'))
                    .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && (startAfter is null || string.CompareOrdinal(k, startAfter) > 0))
                    .Order(StringComparer.Ordinal)
                    .ToArray();
            }
            catch (UnauthorizedAccessException e)
            {
                throw Denied("list", prefix, e);
            }
        }
        return Task.FromResult(result);
    }

    public Task<IReadOnlyList<StoredObject>> ListObjectsAsync(string prefix, CancellationToken cancellationToken)
    {
        var folder = FolderOf(prefix);
        IReadOnlyList<StoredObject> result = [];
        if (Directory.Exists(folder))
        {
            try
            {
                result = new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories)
                    .Where(f => !f.Name.EndsWith(TempSuffix, StringComparison.Ordinal))
                    .Select(f => new StoredObject(Path.GetRelativePath(_root, f.FullName).Replace('\\', '/'), f.Length, f.LastWriteTimeUtc))
                    .Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal))
                    .OrderBy(o => o.Key, StringComparer.Ordinal)
                    .ToArray();
            }
            catch (UnauthorizedAccessException e)
            {
                throw Denied("list", prefix, e);
            }
        }
        return Task.FromResult(result);
    }

    public Task<IReadOnlyList<string>> ListFoldersAsync(string prefix, CancellationToken cancellationToken)
    {
        var folder = FolderOf(prefix);
        IReadOnlyList<string> result = [];
        if (Directory.Exists(folder))
        {
            try
            {
                result = Directory.EnumerateDirectories(folder).Select(Path.GetFileName).OfType<string>()
                    .Order(StringComparer.Ordinal).ToArray();
            }
            catch (UnauthorizedAccessException e)
            {
                throw Denied("list", prefix, e);
            }
        }
        return Task.FromResult(result);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            File.Delete(PathOf(key));
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw WriteFailed(key, e);
        }
        return Task.CompletedTask;
    }

    private string PathOf(string key)
    {
        StoreKeys.Check(key);
        return Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar));
    }

    private string FolderOf(string prefix) =>
        Path.Combine(_root, prefix.TrimEnd('/').Replace('/', Path.DirectorySeparatorChar));

    private async Task<string> WriteTempAsync(string path, string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}{TempSuffix}";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
            await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
            return temp;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw e is UnauthorizedAccessException ? Denied("write", key, e) : WriteFailed(key, e);
        }
    }

    private bool CreateExclusive(string temp, string path, string key)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                File.Move(temp, path, overwrite: false); // MoveFileEx without REPLACE_EXISTING: atomic, fails if it exists
                return true;
            }
            catch (IOException) when (File.Exists(path))
            {
                return false;
            }
        }
        // link(2) fails with EEXIST when the target exists: an atomic create-only publish of a complete file.
        // (File.Move(overwrite: false) checks then renames on Unix, which is not atomic.)
        if (Link(temp, path) == 0)
        {
            return true;
        }
        var errno = Marshal.GetLastPInvokeError();
        if (errno == EExist)
        {
            return false;
        }
        throw WriteFailed(key, new IOException($"link failed with errno {errno}"));
    }

    private const int EExist = 17;

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private KgException Denied(string what, string key, Exception e) =>
        new("StoreAccessDenied", KgErrorKind.PermissionDenied, $"Permission denied to {what} '{key}' in the store {_root}.", key, e);

    private KgException WriteFailed(string key, Exception e) =>
        new("StoreWriteFailed", KgErrorKind.WriteError, $"Cannot write '{key}' to the store {_root}: {e.Message}", key, e);
}
