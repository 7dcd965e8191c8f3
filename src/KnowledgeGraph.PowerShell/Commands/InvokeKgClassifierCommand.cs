using System.Management.Automation;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Invoke-KgClassifier: runs a classifier on text and outputs the passages with their predicted spans.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "KgClassifier", DefaultParameterSetName = ConceptSet)]
[OutputType(typeof(LabelledPassage))]
public sealed class InvokeKgClassifierCommand : KgCmdlet
{
    private const string ConceptSet = "Concept";
    private const string ConceptPassageSet = "ConceptPassage";
    private const string WikibaseIdSet = "WikibaseId";
    private const string ClassifierSet = "Classifier";
    private const string ClassifierPassageSet = "ClassifierPassage";
    private const int BatchSize = 256;

    private readonly List<LabelledPassage> _batch = [];
    private IClassifier? _batchClassifier;
    private ClassifierResolver? _resolver;

    /// <summary>The concept to classify for (piped from Get-KgConcept).</summary>
    [Parameter(ParameterSetName = ConceptSet, Mandatory = true, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = ConceptPassageSet, Mandatory = true)]
    public Concept? Concept { get; set; }

    /// <summary>A stored classifier version, piped from Get-KgClassifier.</summary>
    [Parameter(ParameterSetName = ClassifierSet, Mandatory = true, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = ClassifierPassageSet, Mandatory = true)]
    public ClassifierInfo? Classifier { get; set; }

    /// <summary>The concept to classify for, by Wikibase ID (read from the concept folder).</summary>
    [Parameter(ParameterSetName = WikibaseIdSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateWikibaseId]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    public string? WikibaseId { get; set; }

    /// <summary>The concept folder or file for -WikibaseId (default: $env:KG_CONCEPT_PATH, else the home folder's concepts).</summary>
    [Parameter(ParameterSetName = WikibaseIdSet)]
    public string? ConceptPath { get; set; }

    /// <summary>The kind of classifier to build for the concept.</summary>
    [Parameter(ParameterSetName = ConceptSet)]
    [Parameter(ParameterSetName = ConceptPassageSet)]
    [Parameter(ParameterSetName = WikibaseIdSet)]
    [ValidateSet(typeof(ClassifierTypeNames))]
    public ClassifierType ClassifierType { get; set; } = ClassifierType.Keyword;

    /// <summary>Texts to classify.</summary>
    [Parameter(ParameterSetName = ConceptSet)]
    [Parameter(ParameterSetName = WikibaseIdSet)]
    [Parameter(ParameterSetName = ClassifierSet)]
    public string[]? Text { get; set; }

    /// <summary>A file of passages to classify: JSONL, a JSON array, or the legacy array of JSON strings.</summary>
    [Parameter(ParameterSetName = ConceptSet)]
    [Parameter(ParameterSetName = WikibaseIdSet)]
    [Parameter(ParameterSetName = ClassifierSet)]
    public string? InputPath { get; set; }

    /// <summary>Passages (or strings) to classify, from the pipeline; their IDs and metadata are kept.</summary>
    [Parameter(ParameterSetName = ConceptPassageSet, Mandatory = true, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = ClassifierPassageSet, Mandatory = true, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = WikibaseIdSet, ValueFromPipeline = true)]
    public LabelledPassage[]? InputObject { get; set; }

    protected override void Begin() => _resolver = new ClassifierResolver(() => Stores);

    protected override void StopProcessing()
    {
        base.StopProcessing();
        _resolver?.Dispose();
    }

    protected override void Process()
    {
        ErrorTarget = (object?)WikibaseId ?? (object?)Concept?.WikibaseId ?? Classifier;
        var classifier = Classifier is not null
            ? _resolver!.Resolve(Classifier, StopToken)
            : _resolver!.Resolve(Concept, WikibaseId, ResolveOptionalPath(ConceptPath), ClassifierType);

        if (InputObject is { Length: > 0 })
        {
            foreach (var passage in InputObject)
            {
                Buffer(classifier, passage);
            }
            return;
        }
        if (Text is null && InputPath is null)
        {
            ThrowKgError(Error("NoInput", KgErrorKind.InvalidArgument,
                "Give the text to classify: -Text, -InputPath (a JSONL or JSON file of passages), or passages (or strings) piped in."));
        }
        foreach (var text in Text ?? [])
        {
            Buffer(classifier, new LabelledPassage(text));
        }
        if (InputPath is not null)
        {
            // Streamed: passages are read, classified and written a batch at a time, in file order, so memory stays
            // flat however large the file is.
            var path = ResolvePath(InputPath);
            var activity = $"Classifying {path}";
            var read = 0;
            foreach (var passage in PassageFile.Stream(path))
            {
                Buffer(classifier, passage);
                if (++read % BatchSize == 0)
                {
                    WriteProgress(new ProgressRecord(2, activity, $"{read:N0} passages"));
                }
            }
            Flush();
            if (read >= BatchSize)
            {
                WriteProgress(new ProgressRecord(2, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
        else
        {
            Flush();
        }
    }

    protected override void End()
    {
        try
        {
            Flush();
        }
        finally
        {
            _resolver?.Dispose();
        }
    }

    private void Buffer(IClassifier classifier, LabelledPassage passage)
    {
        if (_batchClassifier is not null && !ReferenceEquals(_batchClassifier, classifier))
        {
            Flush();
        }
        _batchClassifier = classifier;
        _batch.Add(passage);
        if (_batch.Count >= BatchSize)
        {
            Flush();
        }
    }

    private void Flush()
    {
        if (_batch.Count > 0 && _batchClassifier is not null)
        {
            var predictions = _batchClassifier.Predict(_batch.Select(p => p.Text).ToArray());
            for (var i = 0; i < _batch.Count; i++)
            {
                WriteObject(_batch[i].WithSpans(predictions[i]));
            }
        }
        _batch.Clear();
    }
}
