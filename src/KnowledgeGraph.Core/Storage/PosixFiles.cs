using System.Runtime.InteropServices;

namespace KnowledgeGraph.Storage;

/// <summary>Writing many small new files with the fewest system calls, on Linux: open(O_CREAT|O_EXCL), write or
/// writev (a file gathered from several buffers without copying them together), close (.NET's FileStream and
/// File.OpenHandle add flock twice, lseek and, for File.Move, lstat: twice the calls per file, which inference at
/// corpus scale, 20,000 files a run, pays for). Elsewhere <see cref="Supported"/> is false and callers use .NET's file
/// API.</summary>
internal static class PosixFiles
{
    // open(2) is variadic: passing the mode as a third int argument is the platform ABI on Linux x64 and arm64 alike
    // (not on macOS arm64, which is why this is Linux only).
    public static bool Supported { get; } = OperatingSystem.IsLinux();

    private const int OWronly = 0x1, OCreat = 0x40, OExcl = 0x80, OCloexec = 0x80000;
    private const int EIntr = 4;
    private const int IovMax = 1024; // Linux's UIO_MAXIOV: the most vectors one writev takes

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct IoVector(nint start, nint length)
    {
        public readonly nint Start = start;
        public readonly nint Length = length;
    }

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
            WriteAll(fd, path, data);
        }
        finally
        {
            Close(fd);
        }
    }

    private static void WriteAll(int fd, string path, ReadOnlySpan<byte> data)
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

    /// <summary>Creates <paramref name="path"/> (it must not exist) holding the <paramref name="segments"/> one after the
    /// other, written from where they are with writev(2): no copy into one buffer first. Every segment must be backed by
    /// an array.</summary>
    public static void WriteNew(string path, IReadOnlyList<ReadOnlyMemory<byte>> segments)
    {
        var fd = Open(path, OWronly | OCreat | OExcl | OCloexec, Convert.ToInt32("666", 8));
        if (fd < 0)
        {
            throw Failed("open", path);
        }
        try
        {
            for (var first = 0; first < segments.Count; first += IovMax)
            {
                WriteGathered(fd, path, segments, first, Math.Min(IovMax, segments.Count - first));
            }
        }
        finally
        {
            Close(fd);
        }
    }

    private static void WriteGathered(int fd, string path, IReadOnlyList<ReadOnlyMemory<byte>> segments, int first, int count)
    {
        var vectors = new IoVector[count];
        var pins = new GCHandle[count];
        long total = 0;
        try
        {
            for (var i = 0; i < count; i++)
            {
                if (!MemoryMarshal.TryGetArray(segments[first + i], out var array) || array.Array is null)
                {
                    throw new ArgumentException("A segment to write is not backed by an array.", nameof(segments));
                }
                pins[i] = GCHandle.Alloc(array.Array, GCHandleType.Pinned);
                vectors[i] = new IoVector(array.Count == 0 ? 0 : Marshal.UnsafeAddrOfPinnedArrayElement(array.Array, array.Offset), array.Count);
                total += array.Count;
            }
            long written;
            do
            {
                written = WriteVector(fd, vectors, count);
            }
            while (written < 0 && Marshal.GetLastPInvokeError() == EIntr);
            if (written < 0)
            {
                throw Failed("writev", path);
            }
            if (written < total)
            {
                // A short write (rare for a regular file): the rest, segment by segment.
                var skip = written;
                for (var i = 0; i < count; i++)
                {
                    var segment = segments[first + i].Span;
                    if (skip >= segment.Length)
                    {
                        skip -= segment.Length;
                        continue;
                    }
                    WriteAll(fd, path, segment[(int)skip..]);
                    skip = 0;
                }
            }
        }
        finally
        {
            foreach (var pin in pins)
            {
                if (pin.IsAllocated)
                {
                    pin.Free();
                }
            }
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

    [DllImport("libc", EntryPoint = "writev", SetLastError = true)]
    private static extern nint WriteVector(int fd, [In] IoVector[] vectors, int count);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int RenameFile([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);
}
