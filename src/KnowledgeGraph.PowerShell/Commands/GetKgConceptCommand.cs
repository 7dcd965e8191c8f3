using System.Management.Automation;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.PowerShell.Arguments;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Get-KgConcept: reads concepts (with their labelled passages) in the original JSON format.</summary>
[Cmdlet(VerbsCommon.Get, "KgConcept")]
[OutputType(typeof(Concept))]
public sealed class GetKgConceptCommand : KgCmdlet
{
    /// <summary>The concepts to read; all concepts of the folder when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateWikibaseId]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    public string[]? WikibaseId { get; set; }

    /// <summary>A folder of &lt;Qid&gt;.json files, or one concept file.</summary>
    [Parameter]
    [Alias("ConceptPath")]
    public string? Path { get; set; }

    protected override void ProcessRecord()
    {
        var source = ConceptSource.Resolve(ResolveOptionalPath(Path));
        if (WikibaseId is null || WikibaseId.Length == 0)
        {
            if (!source.IsFile && !Directory.Exists(source.Path))
            {
                ThrowKgError(Error("ConceptFolderNotFound", KgErrorKind.ObjectNotFound,
                    $"The concept folder '{source.Path}' ({source.Origin}) does not exist. Pass -Path, or set $env:KG_CONCEPT_PATH, to a folder of <Qid>.json concept files.", source.Path));
            }
            foreach (var id in source.ListIds())
            {
                WriteConcept(source, id);
            }
            return;
        }
        foreach (var text in WikibaseId)
        {
            WriteConcept(source, Identifiers.WikibaseId.Parse(text));
        }
    }

    private void WriteConcept(ConceptSource source, WikibaseId id)
    {
        try
        {
            var concept = source.Get(id);
            if (concept.HadDuplicateNegativeLabels)
            {
                WriteWarning($"{id} lists a negative label more than once; duplicates were dropped.");
            }
            WriteObject(concept);
        }
        catch (KgException e)
        {
            WriteKgError(e, id.Value);
        }
    }
}
