using System.Management.Automation;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Test-KgClassifier: evaluates a classifier against human-labelled passages and outputs one row per level
/// (Passage, Span@0, Span@0.5, Span@0.9, Span@0.99, Character) with precision, recall, F1 and the counts. With a corpus
/// it adds how much the classifier flags there, can write a stratified sample of it for a person to review, estimates
/// precision and recall on the corpus from a reviewed sample, and writes an HTML report.</summary>
[Cmdlet(VerbsDiagnostic.Test, "KgClassifier", DefaultParameterSetName = ConceptSet, SupportsShouldProcess = true)]
[OutputType(typeof(ClassifierEvaluation))]
public sealed class TestKgClassifierCommand : KgCmdlet
{
    private const string ConceptSet = "Concept";
    private const string WikibaseIdSet = "WikibaseId";
    private const string ClassifierSet = "Classifier";
    private ClassifierResolver? _resolver;
    private int _classifiers;

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
    [ValidateSet(typeof(ClassifierTypeNames))]
    public ClassifierType ClassifierType { get; set; } = ClassifierType.Keyword;

    /// <summary>Human-labelled passages to evaluate against instead of the concept's own (JSONL or JSON).</summary>
    [Parameter]
    public string? InputPath { get; set; }

    /// <summary>Metadata columns to report per value as well (equity strata), e.g. translated, world_bank_region.</summary>
    [Parameter]
    public string[]? GroupBy { get; set; }

    /// <summary>Unlabelled passages the classifier will meet (files or folders): adds a row with how much it flags there.</summary>
    [Parameter]
    public string[]? CorpusPath { get; set; }

    /// <summary>Writes a sample of the corpus, stratified by the prediction, for a person to label (JSON lines; set "label" to 1 or 0).</summary>
    [Parameter]
    public string? ReviewSamplePath { get; set; }

    /// <summary>How many corpus passages the review sample holds (half flagged, half not, as far as there are).</summary>
    [Parameter]
    [ValidateRange(2, 100000)]
    public int ReviewSampleSize { get; set; } = CorpusEvaluation.DefaultSampleSize;

    /// <summary>A review sample whose lines a person labelled: adds precision and recall on the corpus, estimated, with 95% intervals.</summary>
    [Parameter]
    public string? ReviewedPath { get; set; }

    /// <summary>Writes a self-contained HTML report: metrics, precision-recall curve, flag rate, highlighted passages.</summary>
    [Parameter]
    public string? ReportPath { get; set; }

    /// <summary>The seed of the review sample (the same corpus, classifier and seed give the same sample).</summary>
    [Parameter]
    public int Seed { get; set; }

    /// <summary>Overwrite an existing review sample or report file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Begin()
    {
        _resolver = new ClassifierResolver(() => Stores);
        try
        {
            if (ReviewSamplePath is not null && CorpusPath is null) throw Error("CorpusRequired", KgErrorKind.InvalidArgument, "-ReviewSamplePath draws from a corpus: give -CorpusPath too.", ReviewSamplePath);
            if (ReviewedPath is not null && CorpusPath is null) throw Error("CorpusRequired", KgErrorKind.InvalidArgument, "-ReviewedPath estimates precision and recall on the corpus the sample came from: give that -CorpusPath too.", ReviewedPath);
            if (ReviewSamplePath is not null && ReviewedPath is not null && ResolvePath(ReviewSamplePath) == ResolvePath(ReviewedPath))
            {
                throw Error("ReviewFileConflict", KgErrorKind.InvalidArgument, $"-ReviewSamplePath and -ReviewedPath are the same file ({ReviewedPath}): a new sample would replace the labels.", ReviewedPath);
            }
            if (CorpusPath is not null) Corpus.CorpusReader.ResolveFiles(CorpusPath.Select(ResolvePath).ToArray());
        }
        catch (KgException e)
        {
            ThrowKgError(e);
        }
    }

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
            _classifiers++;
            var rows = gold.Count > 0 ? ClassifierEvaluator.Evaluate(classifier, gold, GroupBy).ToList() : [];
            foreach (var row in rows)
            {
                WriteObject(row);
            }
            if (CorpusPath is null && ReportPath is null)
            {
                return;
            }
            var (corpusRows, scan, reviewed, estimate) = CorpusPath is null ? ([], null, null, null) : EvaluateOnCorpus(classifier);
            rows.AddRange(corpusRows);
            if (ReportPath is not null)
            {
                WriteReport(classifier, gold, rows, scan, reviewed, estimate);
            }
        }
        catch (KgException e)
        {
            WriteKgError(e, (object?)WikibaseId ?? Concept?.WikibaseId ?? Classifier?.ClassifierId);
        }
    }

    protected override void End() => _resolver?.Dispose();

    private (List<ClassifierEvaluation> Rows, CorpusScanResult Scan, IReadOnlyList<ReviewLine>? Reviewed, ReviewEstimate? Estimate) EvaluateOnCorpus(IClassifier classifier)
    {
        var paths = CorpusPath!.Select(ResolvePath).ToArray();
        var reviewed = ReviewedPath is null ? null : CorpusEvaluation.ReadReviewed(ResolvePath(ReviewedPath));
        var scan = RunWithProgress($"Classifying the corpus with {classifier.Name} {classifier.Id}", (p, ct) => Task.Run(() =>
            CorpusEvaluation.Scan(classifier, paths, ReviewSampleSize, Seed, reviewed?.Select(l => l.Text).ToArray(), p, ct), ct));
        if (scan.MalformedLines > 0)
        {
            WriteWarning($"The corpus has {scan.MalformedLines} malformed lines, skipped; the first: {scan.FirstProblems.FirstOrDefault()}");
        }
        var rows = new List<ClassifierEvaluation> { ClassifierEvaluation.ForCorpus(scan, classifier.Concept.WikibaseId, classifier.Id, classifier.Name) };
        WriteObject(rows[0]);
        ReviewEstimate? estimate = null;
        if (reviewed is not null)
        {
            foreach (var line in reviewed)
            {
                if (!scan.Found.Contains(line.Text))
                {
                    throw Error("ReviewNotFromCorpus", KgErrorKind.InvalidData,
                        $"The reviewed line {line.Id} of {ReviewedPath} is not a passage of the corpus ({string.Join(", ", paths)}): estimate with the corpus the sample was drawn from.", line.Id);
                }
                if (line.CorpusSha256.Length > 0 && line.CorpusSha256 != scan.CorpusSha256)
                {
                    throw Error("ReviewNotFromCorpus", KgErrorKind.InvalidData,
                        $"{ReviewedPath} was drawn from a corpus with SHA-256 {line.CorpusSha256}; this corpus has {scan.CorpusSha256}, so its stratum sizes do not apply. Estimate with the same corpus files.", line.Id);
                }
            }
            var (spans, _) = ClassifierScores.Score(classifier, reviewed.Select(l => l.Text).ToArray());
            estimate = CorpusEvaluation.Estimate(reviewed, spans.Select(s => s.Count > 0).ToArray());
            foreach (var note in estimate.Notes)
            {
                WriteWarning($"{ReviewedPath}: {note}.");
            }
            rows.Add(ClassifierEvaluation.ForReview(estimate, scan, classifier.Concept.WikibaseId, classifier.Id, classifier.Name));
            WriteObject(rows[^1]);
        }
        if (ReviewSamplePath is not null)
        {
            var path = PathFor(ResolvePath(ReviewSamplePath), classifier);
            if (File.Exists(path) && !Force)
            {
                throw Error("ReviewSampleExists", KgErrorKind.ResourceExists, $"{path} exists (perhaps with labels): use -Force to replace it, or another -ReviewSamplePath.", path);
            }
            if (ShouldProcess(path, $"Write a review sample of {scan.Sample.Count} corpus passages"))
            {
                FileText.WriteAtomic(path, CorpusEvaluation.ToJsonLines(scan.Sample), "review sample");
                WriteVerbose($"Wrote {scan.Sample.Count} passages to review ({scan.Sample.Count(l => l.Prediction)} flagged, {scan.Sample.Count(l => !l.Prediction)} not) to {path}: set \"label\" to 1 or 0 on each line.");
            }
        }
        return (rows, scan, reviewed, estimate);
    }

    private void WriteReport(IClassifier classifier, IReadOnlyList<LabelledPassage> gold, IReadOnlyList<ClassifierEvaluation> rows,
        CorpusScanResult? scan, IReadOnlyList<ReviewLine>? reviewed, ReviewEstimate? estimate)
    {
        var path = PathFor(ResolvePath(ReportPath!), classifier);
        if (File.Exists(path) && !Force)
        {
            throw Error("ReportExists", KgErrorKind.ResourceExists, $"{path} exists: use -Force to replace it, or another -ReportPath.", path);
        }
        IReadOnlyList<CurvePoint> curve;
        string source;
        if (reviewed is not null)
        {
            var (_, scores) = ClassifierScores.Score(classifier, reviewed.Select(l => l.Text).ToArray());
            var weights = reviewed.GroupBy(l => l.Stratum).ToDictionary(g => g.Key, g => g.First().StratumSize / (double)g.Count());
            curve = reviewed.Select((l, i) => new CurvePoint(scores[i], l.Label == 1, weights[l.Stratum])).ToArray();
            source = $"the {reviewed.Count} reviewed corpus passages, each weighted by its stratum";
        }
        else
        {
            var merged = Evaluator.GoldStandard(gold);
            var (_, scores) = ClassifierScores.Score(classifier, merged.Select(p => p.Text).ToArray());
            curve = merged.Select((p, i) => new CurvePoint(scores[i], p.IsPositive, 1)).ToArray();
            source = $"the concept's {merged.Count} labelled passages ({merged.Count(p => !p.IsPositive)} without the concept; review a corpus sample for a realistic curve)";
        }
        var labels = reviewed?.ToDictionary(l => l.Text, l => l.Label) ?? [];
        var examples = (scan?.Sample ?? []).Select(l => new ReportExample(l.Id, l.Text, l.Spans, l.Probability, l.Prediction, labels.GetValueOrDefault(l.Text))).ToArray();
        var html = EvaluationReport.Html(new EvaluationReportData
        {
            WikibaseId = classifier.Concept.WikibaseId,
            ConceptLabel = classifier.Concept.PreferredLabel,
            ClassifierName = classifier.Name,
            ClassifierId = classifier.Id,
            Threshold = ClassifierScores.Threshold(classifier),
            Rows = rows,
            Curve = curve,
            CurveSource = source,
            Corpus = scan,
            Review = estimate,
            Examples = examples,
        });
        if (ShouldProcess(path, "Write an evaluation report"))
        {
            FileText.WriteAtomic(path, html, "report");
            WriteVerbose($"Wrote the report to {path}.");
        }
    }

    /// <summary>The path for this classifier's file: as given for the first classifier, with "-&lt;classifier id&gt;"
    /// before the extension for the ones piped after it (so that one pipeline never writes a file twice).</summary>
    private string PathFor(string path, IClassifier classifier) => _classifiers <= 1 ? path
        : Path.Combine(Path.GetDirectoryName(path)!, $"{Path.GetFileNameWithoutExtension(path)}-{classifier.Id}{Path.GetExtension(path)}");

    private IReadOnlyList<LabelledPassage> GoldPassages(Concept concept)
    {
        if (InputPath is not null)
        {
            return PassageFile.Read(ResolvePath(InputPath));
        }
        if (concept.LabelledPassages.Count == 0)
        {
            if (CorpusPath is not null)
            {
                WriteWarning($"{concept.WikibaseId} has no labelled passages: only the corpus is evaluated.");
                return [];
            }
            throw Error("NoLabelledPassages", KgErrorKind.InvalidData,
                $"{concept.WikibaseId} has no labelled passages to evaluate against. Pass -InputPath with a JSONL file of human-labelled passages, or -CorpusPath to measure how much it flags.",
                concept.WikibaseId);
        }
        return concept.LabelledPassages;
    }
}
