using System.Globalization;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Specs;

/// <summary>An exclusive lock on one spec file for the whole read-registry, compute, replace cycle, so that a slow update
/// that read the registry earlier can never overwrite the file written by a later one with an older list. The lock is
/// a file beside the spec (<c>.&lt;name&gt;.lock</c>) created exclusively; a lock whose process is gone is taken over,
/// a live one is waited for up to a timeout.</summary>
public sealed class SpecFileLock : IDisposable
{
    private readonly string _path;

    private SpecFileLock(string path) => _path = path;

    public static string LockPathOf(string specFile) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(specFile))!, "." + Path.GetFileName(specFile) + ".lock");

    public static SpecFileLock Acquire(string specFile, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var path = LockPathOf(specFile);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KgException("FileNotWritable", KgErrorKind.WriteError, $"The spec folder of '{specFile}' cannot be created: {e.Message}. Nothing was changed.", specFile, e);
        }
        var deadline = DateTime.UtcNow + timeout;
        var owner = $"{Environment.ProcessId} {Environment.MachineName} {DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)}";
        while (true)
        {
            try
            {
                using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read))
                {
                    stream.Write(System.Text.Encoding.UTF8.GetBytes(owner));
                }
                return new SpecFileLock(path);
            }
            catch (IOException) when (File.Exists(path))
            {
                var holder = ReadHolder(path);
                if (holder is { } h && string.Equals(h.Machine, Environment.MachineName, StringComparison.Ordinal) && !FileText.IsRunning(h.Pid))
                {
                    TryDelete(path); // its process was killed: take it over
                    continue;
                }
                if (DateTime.UtcNow > deadline)
                {
                    throw new KgException("SpecFileLocked", KgErrorKind.ResourceUnavailable,
                        $"'{specFile}' is being updated by another command ({(holder is { } x ? $"process {x.Pid} on {x.Machine} since {x.Since}" : "unknown process")}); waited {timeout.TotalSeconds:0} s. Try again; if that process is gone, delete {path}.",
                        specFile);
                }
                cancellationToken.WaitHandle.WaitOne(50);
                cancellationToken.ThrowIfCancellationRequested();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new KgException("FileNotWritable", e is UnauthorizedAccessException ? KgErrorKind.PermissionDenied : KgErrorKind.WriteError,
                    $"The spec file '{specFile}' cannot be locked for writing: {e.Message}. Nothing was changed.", specFile, e);
            }
        }
    }

    private static (int Pid, string Machine, string Since)? ReadHolder(string path)
    {
        try
        {
            var parts = File.ReadAllText(path).Split(' ', 3);
            return parts.Length == 3 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? (pid, parts[1], parts[2]) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose() => TryDelete(_path);

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
}
