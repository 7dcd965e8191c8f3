using KnowledgeGraph.Specs;

namespace KnowledgeGraph.Inference;

/// <summary>The original's <c>dont_run_on</c> rule (<c>should_skip_doc</c>): a document's source is the first
/// dot-separated part of its file stem, lower-cased (<c>Sabin.document.16944.17490</c> → <c>sabin</c>); a classifier
/// skips the document when that source is a known source (<see cref="DontRunOnSources"/>) and in its list. Unknown
/// sources are never skipped.</summary>
public static class DocumentSource
{
    public static string Of(string documentId)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        var dot = documentId.IndexOf('.', StringComparison.Ordinal);
        return (dot < 0 ? documentId : documentId[..dot]).ToLowerInvariant();
    }

    public static bool IsKnown(string source) => DontRunOnSources.IsValid(source);

    public static bool ShouldSkip(string documentId, IReadOnlyList<string>? dontRunOn)
    {
        if (dontRunOn is not { Count: > 0 })
        {
            return false;
        }
        var source = Of(documentId);
        return IsKnown(source) && dontRunOn.Contains(source, StringComparer.Ordinal);
    }
}
