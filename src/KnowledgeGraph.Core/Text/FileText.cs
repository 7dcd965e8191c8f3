using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Win32.SafeHandles;

namespace KnowledgeGraph.Text;

/// <summary>Reading and atomically replacing text files, with errors that name the file. Reads accept only regular
/// files in valid UTF-8: a folder, a pipe or a device (which would block forever) and invalid bytes are clear errors.</summary>
public static partial class FileText
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string ReadAll(string path, string what)
    {
        var bytes = ReadAllBytes(path, what);
        return Decode(bytes, path, what);
    }

    /// <summary>Decodes UTF-8 (a leading BOM is skipped); invalid bytes are an error naming the file and the offset.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, string path, string what)
    {
        var start = bytes.StartsWith("\uFEFF"u8) ? 3 : 0;
        try
        {
            return StrictUtf8.GetString(bytes[start..]);
        }
        catch (DecoderFallbackException e)
        {
            throw new KgException("InvalidEncoding", KgErrorKind.InvalidData,
                $"The {what} '{path}' is not valid UTF-8 (invalid bytes at offset {start + Math.Max(0, e.Index)}). Save it as UTF-8.", path, e);
        }
    }

    public static byte[] ReadAllBytes(string path, string what)
    {
        using var stream = OpenRead(path, what);
        using var buffer = new MemoryStream();
        try
        {
            stream.CopyTo(buffer);
        }
        catch (IOException e)
        {
            throw new KgException("FileNotReadable", KgErrorKind.ReadError, $"The {what} '{path}' cannot be read: {e.Message}", path, e);
        }
        return buffer.ToArray();
    }

    /// <summary>Opens a regular file for reading, with the module's errors: missing, a folder, not a regular file (a
    /// pipe or a device, opened without blocking so that it cannot hang), or unreadable.</summary>
    public static FileStream OpenRead(string path, string what)
    {
        if (Directory.Exists(path))
        {
            throw new KgException("PathIsFolder", KgErrorKind.InvalidArgument, $"The {what} '{path}' is a folder; give a file.", path);
        }
        try
        {
            var stream = OperatingSystem.IsWindows()
                ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 65536)
                : new FileStream(OpenNonBlocking(path), FileAccess.Read, 65536);
            if (!stream.CanSeek)
            {
                stream.Dispose();
                throw new KgException("NotARegularFile", KgErrorKind.InvalidArgument,
                    $"The {what} '{path}' is not a regular file (a pipe, socket or device); give a file.", path);
            }
            return stream;
        }
        catch (FileNotFoundException e)
        {
            throw new KgException("FileNotFound", KgErrorKind.ObjectNotFound, $"The {what} '{path}' does not exist.", path, e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new KgException("FileNotFound", KgErrorKind.ObjectNotFound, $"The {what} '{path}' does not exist (its folder is missing).", path, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new KgException("FileNotReadable", KgErrorKind.PermissionDenied, $"The {what} '{path}' cannot be read: permission denied.", path, e);
        }
        catch (IOException e)
        {
            throw new KgException("FileNotReadable", KgErrorKind.ReadError, $"The {what} '{path}' cannot be read: {e.Message}", path, e);
        }
    }

    // open(2) with O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever. On regular files the
    // flag changes nothing.
    private static SafeFileHandle OpenNonBlocking(string path)
    {
        var flags = OperatingSystem.IsMacOS() ? 0x4 | 0x1000000 : 0x800 | 0x80000; // O_RDONLY | O_NONBLOCK | O_CLOEXEC
        var fd = Open(path, flags);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                2 => new FileNotFoundException($"Could not find file '{path}'.", path),
                13 or 1 => new UnauthorizedAccessException($"Access to the path '{path}' is denied."),
                20 => new DirectoryNotFoundException($"A folder in the path '{path}' is missing."),
                _ => new IOException($"open failed with errno {errno}"),
            };
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/> (UTF-8, no BOM) atomically: the text
    /// is written to a temporary file in the same folder, flushed, then renamed over the target. Readers see the old
    /// file or the new one, never a partial one; on failure the target is untouched. Temporary files that writers
    /// killed before their rename left behind (their process is gone) are removed first.</summary>
    public static void WriteAtomic(string path, string content, string what)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        RemoveStaleTemporaryFiles(full);
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var bytes = Utf8NoBom.GetBytes(content);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            var kind = e is UnauthorizedAccessException ? KgErrorKind.PermissionDenied : KgErrorKind.WriteError;
            var reason = e is UnauthorizedAccessException ? "permission denied" : e.Message;
            throw new KgException("FileNotWritable", kind, $"The {what} '{path}' cannot be written: {reason}. Nothing was changed.", path, e);
        }
    }

    /// <summary>Deletes <c>.&lt;name&gt;.&lt;pid&gt;.&lt;guid&gt;.tmp</c> files beside <paramref name="path"/> whose process no
    /// longer runs (a writer killed between writing and renaming). Files of live processes are left alone.</summary>
    public static int RemoveStaleTemporaryFiles(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var name = Path.GetFileName(path);
        if (!Directory.Exists(folder))
        {
            return 0;
        }
        var removed = 0;
        try
        {
            foreach (var file in Directory.EnumerateFiles(folder, $".{name}.*.tmp"))
            {
                var m = TempName().Match(Path.GetFileName(file));
                if (m.Success && m.Groups["name"].Value == name && int.TryParse(m.Groups["pid"].Value, out var pid) && !IsRunning(pid))
                {
                    removed += TryDelete(file) ? 1 : 0;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Cleaning up is best effort; the write itself reports real problems.
        }
        return removed;
    }

    internal static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^\.(?<name>.+)\.(?<pid>[0-9]+)\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex TempName();

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return false;
    }
}
