using System.Text;
using System.Text.Json;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Concepts;

/// <summary>The on-disk forms of a list of labelled passages.</summary>
public enum PassageFileFormat
{
    /// <summary>One JSON object per line (the original's artifacts and predictions).</summary>
    Jsonl,
    /// <summary>A JSON array of JSON-encoded strings, each a passage (the original's inference outputs).</summary>
    Legacy,
    /// <summary>A plain JSON array of passage objects.</summary>
    JsonArray,
}

/// <summary>Reads and writes files of labelled passages in any of the original system's forms.</summary>
public static class PassageFile
{
    /// <summary>Reads passages from <paramref name="content"/>: JSONL, a JSON array of passage objects, or the legacy
    /// array of JSON strings. <paramref name="source"/> names the input in errors.</summary>
    public static IReadOnlyList<LabelledPassage> Parse(string content, string source)
    {
        var trimmed = content.AsSpan().TrimStart();
        if (trimmed.IsEmpty)
        {
            return [];
        }
        if (trimmed[0] == '[')
        {
            using var doc = JsonValues.Parse(content, source);
            var result = new List<LabelledPassage>();
            var i = 0;
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                var where = $"{source}, item {i++}";
                result.Add(item.ValueKind == JsonValueKind.String
                    ? ConceptJson.ReadPassage(item.GetString()!, where)
                    : ConceptJson.ReadPassage(item, where));
            }
            return result;
        }
        var passages = new List<LabelledPassage>();
        var lineNumber = 0;
        foreach (var line in content.Split('\n'))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            passages.Add(ConceptJson.ReadPassage(line, $"{source}, line {lineNumber}"));
        }
        return passages;
    }

    public static IReadOnlyList<LabelledPassage> Read(string path) => Stream(path).ToArray();

    /// <summary>Reads passages one at a time, in file order, so that memory stays flat in the file's size: JSONL line by
    /// line, and a JSON array (of passages, or the legacy JSON strings) element by element. Errors name the file and
    /// the line or item.</summary>
    public static IEnumerable<LabelledPassage> Stream(string path)
    {
        bool isArray;
        using (var probe = FileText.OpenRead(path, "passage file"))
        {
            isArray = FirstSignificantByte(probe) == '[';
        }
        return isArray ? ArrayItems(path) : Lines(path);
    }

    private static int FirstSignificantByte(Stream stream)
    {
        int b;
        while ((b = stream.ReadByte()) is ' ' or '\t' or '\r' or '\n' or 0xEF or 0xBB or 0xBF)
        {
        }
        return b;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static IEnumerable<LabelledPassage> Lines(string path)
    {
        using var stream = FileText.OpenRead(path, "passage file");
        using var reader = new StreamReader(stream, StrictUtf8, detectEncodingFromByteOrderMarks: false, bufferSize: 65536);
        var lineNumber = 0;
        while (true)
        {
            string? line;
            try
            {
                line = reader.ReadLine();
            }
            catch (DecoderFallbackException e)
            {
                throw new KgException("InvalidEncoding", KgErrorKind.InvalidData,
                    $"The passage file '{path}' is not valid UTF-8 (at or after line {lineNumber + 1}). Save it as UTF-8.", path, e);
            }
            if (line is null)
            {
                yield break;
            }
            lineNumber++;
            if (lineNumber == 1 && line.StartsWith('\uFEFF'))
            {
                line = line[1..];
            }
            if (!string.IsNullOrWhiteSpace(line))
            {
                yield return ConceptJson.ReadPassage(line, $"{path}, line {lineNumber}");
            }
        }
    }

    private static IEnumerable<LabelledPassage> ArrayItems(string path)
    {
        using var stream = FileText.OpenRead(path, "passage file");
        using var items = JsonSerializer.DeserializeAsyncEnumerable(stream, KgJson.Strict.JsonElement).ToBlockingEnumerable().GetEnumerator();
        var index = 0;
        while (true)
        {
            JsonElement item;
            try
            {
                if (!items.MoveNext())
                {
                    yield break;
                }
                item = items.Current;
            }
            catch (JsonException e)
            {
                throw new KgException("InvalidJson", KgErrorKind.InvalidData,
                    $"{path} is not valid JSON (line {(e.LineNumber ?? 0) + 1}, position {(e.BytePositionInLine ?? 0) + 1}, after item {index}): {e.Message.Split(" Path:")[0]}", path, e);
            }
            catch (InvalidOperationException e)
            {
                throw new KgException("InvalidEncoding", KgErrorKind.InvalidData, $"The passage file '{path}' is not valid UTF-8 JSON (after item {index}): {e.Message}", path, e);
            }
            var where = $"{path}, item {index++}";
            yield return item.ValueKind == JsonValueKind.String
                ? ConceptJson.ReadPassage(item.GetString()!, where)
                : ConceptJson.ReadPassage(item, where);
        }
    }

    public static string Format(IEnumerable<LabelledPassage> passages, PassageFileFormat format)
    {
        var sb = new StringBuilder();
        switch (format)
        {
            case PassageFileFormat.Jsonl:
                foreach (var p in passages)
                {
                    sb.Append(ConceptJson.WritePassage(p)).Append('\n');
                }
                break;
            case PassageFileFormat.Legacy:
                sb.Append(ConceptJson.WriteToString(w =>
                {
                    w.WriteStartArray();
                    foreach (var p in passages)
                    {
                        w.WriteStringValue(ConceptJson.WritePassage(p));
                    }
                    w.WriteEndArray();
                }, indented: false));
                break;
            case PassageFileFormat.JsonArray:
                sb.Append(ConceptJson.WriteToString(w =>
                {
                    w.WriteStartArray();
                    foreach (var p in passages)
                    {
                        ConceptJson.WritePassage(w, p);
                    }
                    w.WriteEndArray();
                }, indented: true)).Append('\n');
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, null);
        }
        return sb.ToString();
    }
}
