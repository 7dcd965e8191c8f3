using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Inference;

/// <summary>A passage to classify: a parser text block (its <c>text_block_id</c> and joined text) or a passage of a
/// passage file (its ID and text).</summary>
public sealed record InferencePassage(string Id, string Text);

/// <summary>How a document file was read.</summary>
public enum DocumentFormat
{
    /// <summary>The original's parser output: <c>html_data</c> or <c>pdf_data</c> with <c>text_blocks</c>.</summary>
    ParserOutput,
    /// <summary>A file of labelled passages (JSONL, a JSON array, or the legacy array of JSON strings).</summary>
    Passages,
}

/// <summary>A document file on disk: its path and its document ID, the file name without <c>.gz</c> and
/// <c>.json</c>/<c>.jsonl</c> (the original's "document stem", which names the output files and gives the source).</summary>
public sealed record DocumentFile(string Path, string Id)
{
    public static DocumentFile Of(string path)
    {
        var name = System.IO.Path.GetFileName(path);
        if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) name = name[..^3];
        foreach (var extension in (ReadOnlySpan<string>)[".jsonl", ".json"])
        {
            if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                name = name[..^extension.Length];
                break;
            }
        }
        if (name.Length == 0 || name.Any(char.IsControl))
        {
            throw new KgException("InvalidDocumentName", KgErrorKind.InvalidArgument,
                $"'{path}' cannot be a document: its file name gives no document ID (the ID is the name without .json, .jsonl and .gz).", path);
        }
        return new DocumentFile(System.IO.Path.GetFullPath(path), name);
    }
}

/// <summary>A document read for inference. <see cref="NoOpReason"/> is set for documents the original does not run
/// classifiers on (not English-only, no text, HTML without valid text); they have no passages.</summary>
public sealed record InferenceDocument
{
    public required string Id { get; init; }
    public required string Path { get; init; }
    public required DocumentFormat Format { get; init; }
    /// <summary>The <c>document_id</c> inside a parser output file (it can differ from the file's stem).</summary>
    public string? DeclaredId { get; init; }
    public required IReadOnlyList<InferencePassage> Passages { get; init; }
    public string? NoOpReason { get; init; }
    public string Source => DocumentSource.Of(Id);
}

/// <summary>Reads document files: parser output or passage files, optionally gzip-compressed.</summary>
public static class DocumentReader
{
    private static readonly HashSet<string> ExcludedBlockTypes = new(["pageNumber", "Table", "Figure"], StringComparer.OrdinalIgnoreCase);

    /// <summary>The file's content, decompressed when it is a <c>.gz</c> file.</summary>
    public static byte[] ReadContent(string path)
    {
        try
        {
            var raw = File.ReadAllBytes(path);
            if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            {
                return raw;
            }
            using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var content = new MemoryStream(raw.Length * 4);
            gzip.CopyTo(content);
            return content.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw Invalid(path, $"it is not a valid gzip file ({e.Message})", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KgException("DocumentNotReadable", e is UnauthorizedAccessException ? KgErrorKind.PermissionDenied : KgErrorKind.ReadError,
                $"The document '{path}' cannot be read: {e.Message}", path, e);
        }
    }

    /// <summary>The SHA-256 of a document's content: with the classifier version, the key of a done inference.</summary>
    public static string ContentSha256(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static InferenceDocument Read(DocumentFile file) => Parse(file, ReadContent(file.Path));

    /// <summary>Parses a document's content: a JSON object with <c>html_data</c> or <c>pdf_data</c> is parser output;
    /// anything else must be a passage file.</summary>
    public static InferenceDocument Parse(DocumentFile file, ReadOnlyMemory<byte> content)
    {
        var span = content.Span;
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            span = span[3..];
            content = content[3..];
        }
        var first = FirstNonSpace(span);
        if (first == '{' && TryParseParserOutput(file, content, out var document))
        {
            return document;
        }
        if (first is not ('{' or '['))
        {
            throw Invalid(file.Path, first < 0 ? "it is empty" : "it is not JSON (parser output or labelled passages were expected)");
        }
        IReadOnlyList<LabelledPassage> passages;
        try
        {
            passages = PassageFile.Parse(Encoding.UTF8.GetString(span), file.Path);
        }
        catch (KgException e)
        {
            throw Invalid(file.Path, $"it is neither parser output (an object with html_data or pdf_data) nor labelled passages: {e.Message}", e);
        }
        return new InferenceDocument
        {
            Id = file.Id,
            Path = file.Path,
            Format = DocumentFormat.Passages,
            Passages = passages.Select(p => new InferencePassage(p.Id, p.Text)).ToArray(),
        };
    }

    private static bool TryParseParserOutput(DocumentFile file, ReadOnlyMemory<byte> content, out InferenceDocument document)
    {
        document = null!;
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(content, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException)
        {
            return false; // maybe JSONL of passages; the passage reader reports what is wrong
        }
        using (json)
        {
            var root = json.RootElement;
            var hasHtml = root.TryGetProperty("html_data", out var html);
            var hasPdf = root.TryGetProperty("pdf_data", out var pdf);
            if (!hasHtml && !hasPdf)
            {
                return false;
            }
            try
            {
                document = ReadParserOutput(file, root, hasHtml ? html : default, hasPdf ? pdf : default);
                return true;
            }
            catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException)
            {
                throw Invalid(file.Path, $"its parser output is malformed ({e.Message})", e);
            }
        }
    }

    // The original's rules (flows/inference.py, cpr_sdk BaseParserOutput.text_blocks): html_data's blocks if it is
    // set, else pdf_data's; HTML without valid text, and documents without data or languages, are no-ops.
    private static InferenceDocument ReadParserOutput(DocumentFile file, JsonElement root, JsonElement html, JsonElement pdf)
    {
        var htmlSet = html.ValueKind == JsonValueKind.Object;
        var pdfSet = pdf.ValueKind == JsonValueKind.Object;
        var languages = root.TryGetProperty("languages", out var l) && l.ValueKind == JsonValueKind.Array
            ? l.EnumerateArray().Select(x => x.GetString() ?? "").ToArray()
            : null;
        string? noOp = null;
        if (!htmlSet && !pdfSet)
        {
            noOp = "it has neither html_data nor pdf_data (no text)";
        }
        else if (htmlSet && html.TryGetProperty("has_valid_text", out var valid) && valid.ValueKind == JsonValueKind.False)
        {
            noOp = "its html_data has no valid text (has_valid_text is false)";
        }
        else if (languages is { Length: > 0 } && !(languages.Length == 1 && languages[0] == "en"))
        {
            noOp = $"its languages are [{string.Join(", ", languages)}], not English only";
        }
        var passages = new List<InferencePassage>();
        if (noOp is null)
        {
            var data = htmlSet ? html : pdf;
            if (data.TryGetProperty("text_blocks", out var blocks) && blocks.ValueKind == JsonValueKind.Array)
            {
                foreach (var block in blocks.EnumerateArray())
                {
                    if (block.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && ExcludedBlockTypes.Contains(type.GetString()!))
                    {
                        continue;
                    }
                    var id = block.GetProperty("text_block_id").GetString()
                        ?? throw new InvalidOperationException("a text block has a null text_block_id");
                    passages.Add(new InferencePassage(id, JoinLines(block.GetProperty("text"))));
                }
            }
        }
        return new InferenceDocument
        {
            Id = file.Id,
            Path = file.Path,
            Format = DocumentFormat.ParserOutput,
            DeclaredId = root.TryGetProperty("document_id", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null,
            Passages = passages,
            NoOpReason = noOp,
        };
    }

    /// <summary>A block's text: its lines, each stripped as Python's <c>str.strip()</c>, joined by one space.</summary>
    private static string JoinLines(JsonElement lines)
    {
        if (lines.ValueKind == JsonValueKind.String)
        {
            return CodePoints.PythonStrip(lines.GetString()!);
        }
        var count = lines.GetArrayLength();
        if (count == 1)
        {
            return CodePoints.PythonStrip(lines[0].GetString() ?? "");
        }
        var sb = new StringBuilder();
        var i = 0;
        foreach (var line in lines.EnumerateArray())
        {
            if (i++ > 0) sb.Append(' ');
            sb.Append(CodePoints.PythonStrip(line.GetString() ?? ""));
        }
        return sb.ToString();
    }

    private static int FirstNonSpace(ReadOnlySpan<byte> content)
    {
        foreach (var b in content)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return b;
            }
        }
        return -1;
    }

    private static KgException Invalid(string path, string why, Exception? inner = null) =>
        new("InvalidDocument", KgErrorKind.InvalidData, $"The document '{path}' cannot be read: {why}.", path, inner);
}
