using System.Management.Automation;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.PowerShell.Arguments;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Get-KgConcept: reads concepts (with their labelled passages) in the original JSON format, by Wikibase ID
/// (wildcards allowed), by label (wildcards allowed), or from concept files piped from Get-ChildItem.</summary>
[Cmdlet(VerbsCommon.Get, "KgConcept")]
[OutputType(typeof(Concept))]
public sealed class GetKgConceptCommand : KgCmdlet
{
    /// <summary>The concepts to read; all concepts of the folder when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateWikibaseId(AllowWildcards = true)]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    [SupportsWildcards]
    public WikibaseIdInput[]? WikibaseId { get; set; }

    /// <summary>A folder of &lt;Qid&gt;.json files, or one concept file (also bound from files piped by Get-ChildItem).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ConceptPath", "FullName", "PSPath")]
    public string? Path { get; set; }

    /// <summary>Only concepts with a label (preferred or alternative) matching this pattern, in any case.</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? Label { get; set; }

    protected override void Process()
    {
        var ids = WikibaseIdInput.Texts(WikibaseId);
        var source = ConceptSource.Resolve(ResolveOptionalPath(Path));
        ErrorTarget = source.Path;
        var patterns = ids?.Where(WildcardPattern.ContainsWildcardCharacters).Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToArray() ?? [];
        if (ids is null || ids.Length == 0 || patterns.Length > 0)
        {
            if (source.IsFile)
            {
                // One file: its concept, whatever its ID (a concept may have none).
                Write(ConceptSource.ReadFile(source.Path), null);
                return;
            }
            if (!Directory.Exists(source.Path))
            {
                throw Error("ConceptFolderNotFound", KgErrorKind.ObjectNotFound,
                    $"The concept folder '{source.Path}' ({source.Origin}) does not exist. Pass -Path, or set $env:KG_CONCEPT_PATH, to a folder of <Qid>.json concept files.", source.Path);
            }
            var exact = ids?.Where(id => !WildcardPattern.ContainsWildcardCharacters(id)).ToHashSet(StringComparer.Ordinal);
            foreach (var id in source.ListIds().Where(i => ids is null || ids.Length == 0 || exact!.Contains(i.Value) || patterns.Any(p => p.IsMatch(i.Value))))
            {
                Get(source, id);
            }
            return;
        }
        foreach (var text in ids)
        {
            Get(source, Identifiers.WikibaseId.Parse(text));
        }
    }

    private void Get(ConceptSource source, WikibaseId id)
    {
        try
        {
            Write(source.Get(id), id);
        }
        catch (KgException e)
        {
            WriteKgError(e, id.Value);
        }
    }

    private void Write(Concept concept, WikibaseId? id)
    {
        if (Label is { Length: > 0 } && !Label.Select(l => new WildcardPattern(l, WildcardOptions.IgnoreCase)).Any(p => concept.AllLabels.Any(p.IsMatch)))
        {
            return;
        }
        if (concept.HadDuplicateNegativeLabels)
        {
            WriteWarning($"{id?.Value ?? concept.PreferredLabel} lists a negative label more than once; duplicates were dropped.");
        }
        WriteObject(concept);
    }
}
