using System.Text;

namespace KnowledgeGraph.Text;

/// <summary>Reading and atomically replacing text files, with errors that name the file.</summary>
public static class FileText
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    public static string ReadAll(string path, string what)
    {
        try
        {
            return File.ReadAllText(path, Encoding.UTF8);
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

    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/> (UTF-8, no BOM) atomically: the text
    /// is written to a temporary file in the same folder, flushed, then renamed over the target. Readers see the old
    /// file or the new one, never a partial one; on failure the target is untouched.</summary>
    public static void WriteAtomic(string path, string content, string what)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
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
