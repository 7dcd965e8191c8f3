using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace KnowledgeGraph.Corpus;

/// <summary>A passage of unlabelled text from a user's corpus. Never a gold label: it is a candidate negative, a text to
/// measure a flag rate on, or a line of a review sample.</summary>
public sealed record CorpusPassage(string Id, string Text, string DocumentId);

/// <summary>A line (or item) of a corpus file that could not be read; reported, then skipped.</summary>
public sealed record CorpusProblem(string File, long Line, string Reason)
{
    public override string ToString() => $"{File}:{Line}: {Reason}";
}

/// <summary>One file of a corpus as read: its path, its size and the SHA-256 of its bytes as stored (compressed or not).</summary>
public sealed record CorpusFile(string Path, long Bytes, string Sha256);

/// <summary>Reads a corpus of unlabelled passages, streaming: one passage at a time, whatever the size of the files, so
/// memory does not grow with the corpus. Formats, chosen by extension (each also gzipped, <c>.gz</c>):
/// <list type="bullet">
/// <item><c>.jsonl</c>/<c>.ndjson</c>: one JSON object per line, a passage (<c>text</c>, optionally <c>id</c> and
/// <c>document_id</c>) or a LabelledPassage (its <c>metadata.document_id</c>);</item>
/// <item><c>.json</c>: a JSON array of such objects, or of the original's search-index feed hits (the text in
/// <c>fields.text_block</c>, the document in <c>fields.family_document_ref</c>, as <c>document_passage.json</c>);</item>
/// <item><c>.txt</c>: plain text, one passage per line.</item>
/// </list>
/// A folder is read recursively (files of those types, in ordinal path order). A malformed line is reported through
/// <see cref="Problems"/> (with file and line) and skipped; a file of an unknown type is an error.</summary>
public sealed class CorpusReader
{
    public static readonly IReadOnlyList<string> Extensions = [".jsonl", ".ndjson", ".json", ".txt"];
    private const int MaxProblemsKept = 20;
    private readonly List<CorpusProblem> _problems = [];
    private readonly List<CorpusFile> _files = [];

    /// <summary>The first problems met (at most 20 are kept; <see cref="ProblemCount"/> counts them all).</summary>
    public IReadOnlyList<CorpusProblem> Problems => _problems;
    public long ProblemCount { get; private set; }
    public long EmptyPassages { get; private set; }
    /// <summary>The files read so far, with their SHA-256.</summary>
    public IReadOnlyList<CorpusFile> Files => _files;

    /// <summary>The files a set of corpus paths stands for: files as given, folders expanded. Errors name the path and
    /// what would be valid; nothing is read yet.</summary>
    public static IReadOnlyList<string> ResolveFiles(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                throw new KgException("InvalidCorpusPath", KgErrorKind.InvalidArgument, "A corpus path is empty. Give a file or a folder of corpus files.", path);
            }
            if (Directory.Exists(path))
            {
                var found = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Where(IsCorpusFile)
                    .Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0)
                {
                    throw new KgException("EmptyCorpus", KgErrorKind.InvalidData,
                        $"The corpus folder {path} holds no corpus file ({Accepted}).", path);
                }
                files.AddRange(found);
            }
            else if (File.Exists(path))
            {
                if (!IsCorpusFile(path))
                {
                    throw new KgException("UnsupportedCorpusFile", KgErrorKind.InvalidArgument,
                        $"The corpus file {path} is not of a type this module reads ({Accepted}).", path);
                }
                files.Add(path);
            }
            else
            {
                throw new KgException("CorpusNotFound", KgErrorKind.ObjectNotFound,
                    $"The corpus path {path} does not exist. Give a file ({Accepted}) or a folder of them.", path);
            }
        }
        return files.Distinct(StringComparer.Ordinal).ToArray();
    }

    public static string Accepted => string.Join(", ", Extensions) + ", each optionally gzipped (.gz)";

    private static bool IsCorpusFile(string path)
    {
        var name = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path;
        return Extensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Every passage of the files, in file order. The SHA-256 of each file is known once it has been read.</summary>
    public IEnumerable<CorpusPassage> Read(IReadOnlyList<string> files, CancellationToken cancellationToken = default)
    {
        foreach (var file in files)
        {
            using var raw = OpenRead(file);
            using var hashing = new HashingStream(raw);
            using (var content = file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                ? new GZipStream(hashing, CompressionMode.Decompress, leaveOpen: true) : (Stream)new NonClosingStream(hashing))
            {
                var name = file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? file[..^3] : file;
                var passages = name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? ReadJsonArray(content, file, cancellationToken)
                    : name.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) ? ReadText(content, file, cancellationToken)
                    : ReadJsonLines(content, file, cancellationToken);
                foreach (var p in passages)
                {
                    if (string.IsNullOrWhiteSpace(p.Text))
                    {
                        EmptyPassages++;
                        continue;
                    }
                    yield return p;
                }
            }
            hashing.Drain();
            _files.Add(new CorpusFile(file, hashing.Length, hashing.Sha256()));
        }
    }

    private static FileStream OpenRead(string file)
    {
        try
        {
            return new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new KgException("CorpusNotReadable", KgErrorKind.PermissionDenied, $"The corpus file {file} cannot be read: {e.Message}", file, e);
        }
        catch (IOException e)
        {
            throw new KgException("CorpusNotReadable", KgErrorKind.ReadError, $"The corpus file {file} cannot be read: {e.Message}", file, e);
        }
    }

    private void Problem(string file, long line, string reason)
    {
        ProblemCount++;
        if (_problems.Count < MaxProblemsKept)
        {
            _problems.Add(new CorpusProblem(file, line, reason));
        }
    }

    /// <summary>The lines of a UTF-8 text, numbered from 1; a decoding error is reported and ends the file.</summary>
    private IEnumerable<(long Number, string Line)> Lines(Stream content, string file, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(content, new UTF8Encoding(false, true), detectEncodingFromByteOrderMarks: true);
        long number = 0;
        while (true)
        {
            string? line;
            try
            {
                line = reader.ReadLine();
            }
            catch (DecoderFallbackException)
            {
                Problem(file, number + 1, "the file is not valid UTF-8 from here on");
                yield break;
            }
            if (line is null) yield break;
            number++;
            if ((number & 0xFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            yield return (number, line);
        }
    }

    private IEnumerable<CorpusPassage> ReadText(Stream content, string file, CancellationToken cancellationToken)
    {
        var document = Path.GetFileName(file);
        foreach (var (_, line) in Lines(content, file, cancellationToken))
        {
            var text = line.Trim();
            if (text.Length > 0)
            {
                yield return new CorpusPassage(Identifiers.Identifier.FromText(text), text, document);
            }
        }
    }

    private IEnumerable<CorpusPassage> ReadJsonLines(Stream content, string file, CancellationToken cancellationToken)
    {
        foreach (var (number, line) in Lines(content, file, cancellationToken))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            CorpusPassage? passage;
            string? reason;
            try
            {
                using var doc = JsonDocument.Parse(line);
                (passage, reason) = FromJson(doc.RootElement, file);
            }
            catch (JsonException e)
            {
                (passage, reason) = (null, $"not JSON ({e.Message})");
            }
            if (passage is null)
            {
                Problem(file, number, reason!);
                continue;
            }
            yield return passage;
        }
    }

    private IEnumerable<CorpusPassage> ReadJsonArray(Stream content, string file, CancellationToken cancellationToken)
    {
        // Items are deserialized one at a time from the stream: a large array is never held in memory.
        var items = JsonSerializer.DeserializeAsyncEnumerable(content, CorpusJsonContext.Default.JsonElement, cancellationToken);
        var enumerator = items.GetAsyncEnumerator(cancellationToken);
        long index = 0;
        try
        {
            while (true)
            {
                bool more;
                string? failure = null;
                try
                {
                    more = enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult();
                }
                catch (JsonException e)
                {
                    (more, failure) = (false, $"not a JSON array of passages ({e.Message})");
                }
                if (failure is not null)
                {
                    Problem(file, index + 1, failure + "; the rest of the file is skipped");
                    yield break;
                }
                if (!more) yield break;
                index++;
                var (passage, reason) = FromJson(enumerator.Current, file);
                if (passage is null)
                {
                    Problem(file, index, reason! + " (item number)");
                    continue;
                }
                yield return passage;
            }
        }
        finally
        {
            enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>A passage from one JSON object: a passage or LabelledPassage (<c>text</c>), or a feed hit
    /// (<c>fields.text_block</c>). (null, why) when it is neither.</summary>
    internal static (CorpusPassage? Passage, string? Reason) FromJson(JsonElement e, string file)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return (null, $"a {e.ValueKind.ToString().ToLowerInvariant()}, not a passage object");
        }
        string? text = null, id = null, document = null;
        if (e.TryGetProperty("text", out var t))
        {
            if (t.ValueKind != JsonValueKind.String) return (null, "'text' is not a string");
            text = t.GetString();
            id = Str(e, "id");
            document = Str(e, "document_id")
                ?? (e.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object ? Str(m, "document_id") : null);
        }
        else if (e.TryGetProperty("fields", out var f) && f.ValueKind == JsonValueKind.Object && f.TryGetProperty("text_block", out var tb))
        {
            if (tb.ValueKind != JsonValueKind.String) return (null, "'fields.text_block' is not a string");
            text = tb.GetString();
            id = AfterLastSeparator(Str(e, "id"));
            document = AfterLastSeparator(Str(f, "family_document_ref")) ?? Str(f, "document_id");
        }
        else
        {
            return (null, "no 'text' (a passage) and no 'fields.text_block' (a feed hit)");
        }
        text ??= "";
        return (new CorpusPassage(id ?? Identifiers.Identifier.FromText(text), text, document ?? Path.GetFileName(file)), null);
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;

    /// <summary>"id:doc_search:document_passage::CCLW.executive.1.2.3" → "CCLW.executive.1.2.3".</summary>
    private static string? AfterLastSeparator(string? value)
    {
        if (value is null) return null;
        var i = value.LastIndexOf("::", StringComparison.Ordinal);
        return i >= 0 ? value[(i + 2)..] : value;
    }

    /// <summary>Passes bytes through while hashing them.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _length;

        public string Sha256() => Convert.ToHexStringLower(_hash.GetHashAndReset());

        /// <summary>Reads (and hashes) whatever the decoder left unread, so the hash covers the whole file.</summary>
        public void Drain()
        {
            var buffer = new byte[1 << 16];
            while (Read(buffer, 0, buffer.Length) > 0)
            {
            }
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            _hash.AppendData(buffer, offset, n);
            _length += n;
            return n;
        }

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            _hash.AppendData(buffer[..n]);
            _length += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _hash.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>Lets a reader "close" its stream without closing the hashing stream under it.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
