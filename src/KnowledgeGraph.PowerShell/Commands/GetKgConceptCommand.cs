using System.Management.Automation;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Wikibase;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Get-KgConcept: reads concepts (with their labelled passages) in the original JSON format, by Wikibase ID
/// (wildcards allowed), by label (wildcards allowed), or from concept files piped from Get-ChildItem; or from the team's
/// Wikibase (-Source Wikibase, or when it is the configured source), at a revision or a time, with the labels of the
/// subconcepts and the labelled passages from Argilla when asked.</summary>
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

    /// <summary>Where to read from: Files or Wikibase; the configured source when omitted.</summary>
    [Parameter]
    public ConceptSourceKind? Source { get; set; }

    /// <summary>The Wikibase revision (MediaWiki revid) of the concept to read.</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long? Revision { get; set; }

    /// <summary>Read the concept as it was at this time (its latest revision at or before it).</summary>
    [Parameter]
    public DateTime? AsOf { get; set; }

    /// <summary>Add the labels of every subconcept, at any depth (P1, through SPARQL), as the original does for training.</summary>
    [Parameter]
    public SwitchParameter IncludeSubconceptLabels { get; set; }

    /// <summary>Add the concept's human-labelled passages from Argilla ($env:ARGILLA_API_URL, $env:ARGILLA_API_KEY).</summary>
    [Parameter]
    public SwitchParameter IncludeLabelledPassages { get; set; }

    private ConceptSource? _wikibase;

    protected override void Process()
    {
        var ids = WikibaseIdInput.Texts(WikibaseId);
        var source = ResolveSource();
        ErrorTarget = source.Path;
        var query = Query();
        var patterns = ids?.Where(WildcardPattern.ContainsWildcardCharacters).Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToArray() ?? [];
        if (source.Kind == ConceptSourceKind.Wikibase)
        {
            var wanted = ids is null || ids.Length == 0 || patterns.Length > 0
                ? Fetch("Listing the Wikibase's items", () => source.ListIds())
                    .Where(i => ids is null || ids.Length == 0 || ids.Contains(i.Value, StringComparer.Ordinal) || patterns.Any(p => p.IsMatch(i.Value)))
                    .ToArray()
                : ids.Select(Identifiers.WikibaseId.Parse).ToArray();
            foreach (var id in wanted)
            {
                Get(source, id, query);
            }
            return;
        }
        if (query != new ConceptQuery())
        {
            throw Error("NotAWikibaseSource", KgErrorKind.InvalidArgument,
                $"-Revision, -AsOf, -IncludeSubconceptLabels and -IncludeLabelledPassages read from the Wikibase, but concepts come from files here ({source.Path}, {source.Origin}). Add -Source Wikibase.", source.Path);
        }
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
                Get(source, id, query);
            }
            return;
        }
        foreach (var text in ids)
        {
            Get(source, Identifiers.WikibaseId.Parse(text), query);
        }
    }

    /// <summary>The source: -Path, else -Source, else the configured one. A Wikibase source is kept for the whole
    /// pipeline, so that it logs in once.</summary>
    private ConceptSource ResolveSource()
    {
        if (Source == ConceptSourceKind.Wikibase && !string.IsNullOrWhiteSpace(Path))
        {
            throw Error("PathAndWikibase", KgErrorKind.InvalidArgument,
                $"Give -Path ({Path}) or -Source Wikibase, not both: -Path reads concept files.", Path);
        }
        var source = ConceptSource.Resolve(ResolveOptionalPath(Path), Source);
        if (source.Kind != ConceptSourceKind.Wikibase)
        {
            return source;
        }
        if (_wikibase is null)
        {
            _wikibase = source;
            WriteVerbose($"Concepts from the Wikibase {source.Path} ({source.Origin}).");
        }
        return _wikibase;
    }

    private ConceptQuery Query()
    {
        if (Revision is not null && AsOf is not null)
        {
            throw Error("RevisionAndAsOf", KgErrorKind.InvalidArgument,
                $"Give -Revision ({Revision}) or -AsOf ({AsOf:u}), not both: a revision is already a point in time.", Revision);
        }
        // A time without a zone is local, as PowerShell's dates are.
        DateTimeOffset? asOf = AsOf is { } t ? (t.Kind == DateTimeKind.Utc ? new DateTimeOffset(t) : new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Local))) : null;
        return new ConceptQuery
        {
            Revision = Revision,
            AsOf = asOf,
            IncludeSubconceptLabels = IncludeSubconceptLabels,
            IncludeLabelledPassages = IncludeLabelledPassages,
        };
    }

    private void Get(ConceptSource source, WikibaseId id, ConceptQuery query)
    {
        try
        {
            Write(source.Kind == ConceptSourceKind.Wikibase ? Fetch($"Reading {id} from the Wikibase", () => source.Get(id, query)) : source.Get(id), id);
        }
        catch (KgException e)
        {
            WriteKgError(e, id.Value);
        }
    }

    /// <summary>Network work runs off the pipeline thread, so that Ctrl+C stops it and its messages are written as they come.</summary>
    private T Fetch<T>(string activity, Func<T> work) => RunWithProgress(activity, (_, _) => Task.Run(work));

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
