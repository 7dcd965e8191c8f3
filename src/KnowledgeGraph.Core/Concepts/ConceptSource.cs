using KnowledgeGraph.Configuration;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Concepts;

/// <summary>Finds concepts in the original JSON format: in a folder of <c>&lt;Qid&gt;.json</c> files, or in one file.
/// Every command that needs a concept by ID finds it through this.</summary>
public sealed class ConceptSource
{
    private ConceptSource(string path, string origin)
    {
        Path = path;
        Origin = origin;
    }

    /// <summary>The folder or file concepts are read from.</summary>
    public string Path { get; }

    /// <summary>Where <see cref="Path"/> came from (the parameter, an environment variable or the default).</summary>
    public string Origin { get; }

    public bool IsFile => File.Exists(Path);

    /// <summary>The source for an explicit path (file or folder), else <c>$KG_CONCEPT_PATH</c>, else the default folder.</summary>
    public static ConceptSource Resolve(string? explicitPath)
    {
        var (path, origin) = KgPaths.ConceptPath(explicitPath);
        return new ConceptSource(path, origin);
    }

    public Concept Get(WikibaseId id)
    {
        if (IsFile)
        {
            var concept = ReadFile(Path);
            if (!string.Equals(concept.WikibaseId, id.Value, StringComparison.Ordinal))
            {
                throw new KgException("ConceptNotFound", KgErrorKind.ObjectNotFound,
                    $"The concept file '{Path}' holds {concept.WikibaseId ?? "a concept without a Wikibase ID"}, not {id}.", id.Value);
            }
            return concept;
        }
        if (!Directory.Exists(Path))
        {
            throw new KgException("ConceptFolderNotFound", KgErrorKind.ObjectNotFound,
                $"The concept folder '{Path}' ({Origin}) does not exist. Pass -Path, or set $env:{KgPaths.ConceptPathVariable}, to a folder of <Qid>.json concept files.", Path);
        }
        var file = System.IO.Path.Combine(Path, id.Value + ".json");
        if (!File.Exists(file))
        {
            throw new KgException("ConceptNotFound", KgErrorKind.ObjectNotFound,
                $"There is no concept {id} in '{Path}' ({Origin}): expected the file {id}.json.", id.Value);
        }
        var result = ReadFile(file);
        if (result.WikibaseId is null)
        {
            throw new KgException("InvalidConceptData", KgErrorKind.InvalidData,
                $"The concept file '{file}' has no wikibase_id; add \"wikibase_id\": \"{id}\" to it.", file);
        }
        if (!string.Equals(result.WikibaseId, id.Value, StringComparison.Ordinal))
        {
            throw new KgException("InvalidConceptData", KgErrorKind.InvalidData,
                $"The concept file '{file}' holds {result.WikibaseId}, not {id}.", file);
        }
        return result;
    }

    /// <summary>Every concept: the one in the file, or each <c>&lt;Qid&gt;.json</c> of the folder in numeric order.</summary>
    public IEnumerable<Concept> All()
    {
        if (IsFile)
        {
            yield return ReadFile(Path);
            yield break;
        }
        foreach (var id in ListIds())
        {
            yield return Get(id);
        }
    }

    /// <summary>The Wikibase IDs of the folder's concept files (cheap: file names only).</summary>
    public IReadOnlyList<WikibaseId> ListIds()
    {
        if (IsFile)
        {
            var c = ReadFile(Path);
            return c.WikibaseId is null ? [] : [WikibaseId.Parse(c.WikibaseId)];
        }
        if (!Directory.Exists(Path))
        {
            return [];
        }
        try
        {
            return Directory.EnumerateFiles(Path, "Q*.json")
                .Select(f => System.IO.Path.GetFileNameWithoutExtension(f))
                .Where(WikibaseId.IsValid)
                .Select(WikibaseId.Parse)
                .Order()
                .ToArray();
        }
        catch (UnauthorizedAccessException e)
        {
            throw new KgException("ConceptFolderNotReadable", KgErrorKind.PermissionDenied,
                $"The concept folder '{Path}' ({Origin}) cannot be read: permission denied.", Path, e);
        }
        catch (IOException e)
        {
            throw new KgException("ConceptFolderNotReadable", KgErrorKind.ReadError, $"The concept folder '{Path}' ({Origin}) cannot be read: {e.Message}", Path, e);
        }
    }

    public static Concept ReadFile(string file) => ConceptJson.ReadConcept(FileText.ReadAll(file, "concept file"), file);
}
