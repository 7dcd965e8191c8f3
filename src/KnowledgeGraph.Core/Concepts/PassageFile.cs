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

    public static IReadOnlyList<LabelledPassage> Read(string path)
    {
        var content = FileText.ReadAll(path, "passage file");
        return Parse(content, path);
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
