using System.Management.Automation;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Test-KgClassifier: evaluates a classifier against human-labelled passages and outputs one row per level
/// (Passage, Span@0, Span@0.5, Span@0.9, Span@0.99, Character) with precision, recall, F1 and the counts.</summary>
[Cmdlet(VerbsDiagnostic.Test, "KgClassifier", DefaultParameterSetName = ConceptSet)]
[OutputType(typeof(ClassifierEvaluation))]
public sealed class TestKgClassifierCommand : KgCmdlet
{
    private const string ConceptSet = "Concept";
    private const string WikibaseIdSet = "WikibaseId";
    private const string ClassifierSet = "Classifier";
    private ClassifierResolver? _resolver;

    /// <summary>The concept whose classifier to evaluate (piped from Get-KgConcept).</summary>
    [Parameter(ParameterSetName = ConceptSet, Mandatory = true, ValueFromPipeline = true)]
    public Concept? Concept { get; set; }

    /// <summary>A stored classifier version, piped from Get-KgClassifier; evaluated on its concept's labelled passages.</summary>
    [Parameter(ParameterSetName = ClassifierSet, Mandatory = true, ValueFromPipeline = true)]
    public ClassifierInfo? Classifier { get; set; }

    /// <summary>The concept, by Wikibase ID (read from the concept folder).</summary>
    [Parameter(ParameterSetName = WikibaseIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateWikibaseId]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    public string? WikibaseId { get; set; }

    /// <summary>The concept folder or file for -WikibaseId (and for the labelled passages of a stored classifier).</summary>
    [Parameter(ParameterSetName = WikibaseIdSet)]
    [Parameter(ParameterSetName = ClassifierSet)]
    public string? ConceptPath { get; set; }

    /// <summary>The kind of classifier to build for the concept.</summary>
    [Parameter(ParameterSetName = ConceptSet)]
    [Parameter(ParameterSetName = WikibaseIdSet)]
    public ClassifierType ClassifierType { get; set; } = ClassifierType.Keyword;

    /// <summary>Human-labelled passages to evaluate against instead of the concept's own (JSONL or JSON).</summary>
    [Parameter]
    public string? InputPath { get; set; }

    /// <summary>Metadata columns to report per value as well (equity strata), e.g. translated, world_bank_region.</summary>
    [Parameter]
    public string[]? GroupBy { get; set; }

    protected override void Begin() => _resolver = new ClassifierResolver(() => Stores);

    protected override void StopProcessing()
    {
        base.StopProcessing();
        _resolver?.Dispose();
    }

    protected override void Process()
    {
        try
        {
            IClassifier classifier;
            IReadOnlyList<LabelledPassage> gold;
            if (Classifier is not null)
            {
                classifier = _resolver!.Resolve(Classifier, StopToken);
                // A stored model carries its concept's labels, not the labelled passages: read those from the concept folder.
                gold = InputPath is not null
                    ? PassageFile.Read(ResolvePath(InputPath))
                    : GoldPassages(ConceptSource.Resolve(ResolveOptionalPath(ConceptPath)).Get(Identifiers.WikibaseId.Parse(Classifier.WikibaseId)));
            }
            else
            {
                classifier = _resolver!.Resolve(Concept, WikibaseId, ResolveOptionalPath(ConceptPath), ClassifierType);
                gold = GoldPassages(classifier.Concept);
            }
            foreach (var row in ClassifierEvaluator.Evaluate(classifier, gold, GroupBy))
            {
                WriteObject(row);
            }
        }
        catch (KgException e)
        {
            WriteKgError(e, (object?)WikibaseId ?? Concept?.WikibaseId);
        }
    }

    protected override void End() => _resolver?.Dispose();

    private IReadOnlyList<LabelledPassage> GoldPassages(Concept concept)
    {
        if (InputPath is not null)
        {
            return PassageFile.Read(ResolvePath(InputPath));
        }
        if (concept.LabelledPassages.Count == 0)
        {
            throw Error("NoLabelledPassages", KgErrorKind.InvalidData,
                $"{concept.WikibaseId} has no labelled passages to evaluate against. Pass -InputPath with a JSONL file of human-labelled passages.",
                concept.WikibaseId);
        }
        return concept.LabelledPassages;
    }
}
