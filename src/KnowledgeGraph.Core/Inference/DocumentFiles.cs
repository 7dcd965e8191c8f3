namespace KnowledgeGraph.Inference;

/// <summary>The document files a run reads: files as given, and in folders every <c>.json</c>, <c>.jsonl</c>,
/// <c>.json.gz</c> and <c>.jsonl.gz</c> file (in subfolders too with <c>recurse</c>), in ordinal order of document ID.
/// Two files with the same document ID would write the same results, so only the first is used.</summary>
public static class DocumentFiles
{
    private static readonly string[] Extensions = [".json", ".jsonl", ".json.gz", ".jsonl.gz"];

    public static bool IsDocumentFile(string path) => Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>The documents under <paramref name="paths"/> (existing files or folders), and an error for each
    /// duplicate document ID and each path that holds no document.</summary>
    public static (IReadOnlyList<DocumentFile> Files, IReadOnlyList<KgException> Errors) Expand(IEnumerable<string> paths, bool recurse)
    {
        var errors = new List<KgException>();
        var byId = new Dictionary<string, DocumentFile>(StringComparer.Ordinal);
        var seenPaths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            IEnumerable<string> found;
            if (Directory.Exists(path))
            {
                found = Directory.EnumerateFiles(path, "*", recurse ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
                    .Where(IsDocumentFile).Order(StringComparer.Ordinal).ToArray();
                if (!found.Any())
                {
                    errors.Add(new KgException("NoDocuments", KgErrorKind.ObjectNotFound,
                        $"The folder '{path}' has no document files (.json, .jsonl, .json.gz, .jsonl.gz){(recurse ? "" : "; -Recurse also reads its subfolders")}.", path));
                }
            }
            else if (File.Exists(path))
            {
                found = [path];
            }
            else
            {
                errors.Add(new KgException("DocumentNotFound", KgErrorKind.ObjectNotFound, $"The document file or folder '{path}' does not exist.", path));
                continue;
            }
            foreach (var file in found)
            {
                DocumentFile document;
                try
                {
                    document = DocumentFile.Of(file);
                }
                catch (KgException e)
                {
                    errors.Add(e);
                    continue;
                }
                if (!seenPaths.Add(document.Path))
                {
                    continue; // the same file named twice
                }
                if (byId.TryGetValue(document.Id, out var first))
                {
                    errors.Add(new KgException("DuplicateDocumentId", KgErrorKind.InvalidArgument,
                        $"'{document.Path}' and '{first.Path}' are both document {document.Id} (a document's ID is its file name without .json, .jsonl and .gz), so they would write the same results; only the first is read.",
                        document.Path));
                    continue;
                }
                byId[document.Id] = document;
            }
        }
        return (byId.Values.OrderBy(d => d.Id, StringComparer.Ordinal).ToArray(), errors);
    }
}
