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

    protected override void BeginProcessing() => _resolver = new ClassifierResolver(() => Stores);

    protected override void StopProcessing()
    {
        base.StopProcessing();
        _resolver?.Dispose();
    }

    protected override void ProcessRecord()
    {
        IClassifier classifier;
        try
        {
            classifier = Classifier is not null
                ? _resolver!.Resolve(Classifier, StopToken)
                : _resolver!.Resolve(Concept, WikibaseId, ResolveOptionalPath(ConceptPath), ClassifierType);
        }
        catch (KgException e)
        {
            WriteKgError(e, (object?)WikibaseId ?? Concept?.WikibaseId);
            return;
        }

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
        var passages = new List<LabelledPassage>();
        if (Text is not null)
        {
            passages.AddRange(Text.Select(t => new LabelledPassage(t)));
        }
        if (InputPath is not null)
        {
            try
            {
                passages.AddRange(PassageFile.Read(ResolvePath(InputPath)));
            }
            catch (KgException e)
            {
                ThrowKgError(e);
            }
        }
        Classify(classifier, passages, showProgress: passages.Count > BatchSize);
    }

    protected override void EndProcessing()
    {
        Flush();
        _resolver?.Dispose();
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
            Classify(_batchClassifier, [.. _batch], showProgress: false);
        }
        _batch.Clear();
    }

    private void Classify(IClassifier classifier, IReadOnlyList<LabelledPassage> passages, bool showProgress)
    {
        var activity = $"Classifying passages for {classifier.Concept.WikibaseId} with {classifier.Name} {classifier.Id}";
        for (var start = 0; start < passages.Count; start += BatchSize)
        {
            var chunk = passages.Skip(start).Take(BatchSize).ToArray();
            if (showProgress)
            {
                WriteProgress(new ProgressRecord(2, activity, $"{start} of {passages.Count} passages")
                {
                    PercentComplete = 100 * start / passages.Count,
                });
            }
            IReadOnlyList<IReadOnlyList<Span>> predictions;
            try
            {
                predictions = classifier.Predict(chunk.Select(p => p.Text).ToArray());
            }
            catch (KgException e)
            {
                ThrowKgError(e);
                return;
            }
            for (var i = 0; i < chunk.Length; i++)
            {
                WriteObject(chunk[i].WithSpans(predictions[i]));
            }
        }
        if (showProgress)
        {
            WriteProgress(new ProgressRecord(2, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
