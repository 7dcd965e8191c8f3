using System.Runtime.InteropServices;

namespace KnowledgeGraph.Storage;

/// <summary>Writing many small new files with the fewest system calls, on Linux: open(O_CREAT|O_EXCL), write, close
/// (.NET's FileStream and File.OpenHandle add flock twice, lseek and, for File.Move, lstat: twice the calls per file,
/// which inference at corpus scale, 20,000 files a run, pays for). Elsewhere <see cref="Supported"/> is false and
/// callers use .NET's file API.</summary>
internal static class PosixFiles
{
    // open(2) is variadic: passing the mode as a third int argument is the platform ABI on Linux x64 and arm64 alike
    // (not on macOS arm64, which is why this is Linux only).
    public static bool Supported { get; } = OperatingSystem.IsLinux();

    private const int OWronly = 0x1, OCreat = 0x40, OExcl = 0x80, OCloexec = 0x80000;
    private const int EIntr = 4;

    /// <summary>Creates <paramref name="path"/> (it must not exist) holding <paramref name="data"/>.</summary>
    public static void WriteNew(string path, ReadOnlySpan<byte> data)
    {
        var fd = Open(path, OWronly | OCreat | OExcl | OCloexec, Convert.ToInt32("666", 8));
        if (fd < 0)
        {
            throw Failed("open", path);
        }
        try
        {
            while (data.Length > 0)
            {
                var written = Write(fd, ref MemoryMarshal.GetReference(data), data.Length);
                if (written < 0)
                {
                    if (Marshal.GetLastPInvokeError() == EIntr)
                    {
                        continue;
                    }
                    throw Failed("write", path);
                }
                data = data[(int)written..];
            }
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>rename(2): replaces <paramref name="to"/> atomically.</summary>
    public static void Rename(string from, string to)
    {
        if (RenameFile(from, to) != 0)
        {
            throw Failed("rename", to);
        }
    }

    private static Exception Failed(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        var message = $"{call} '{path}' failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
        return errno is 13 or 1 ? new UnauthorizedAccessException(message) : new IOException(message, errno);
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    private static extern nint Write(int fd, ref byte buffer, nint count);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int RenameFile([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);
}
