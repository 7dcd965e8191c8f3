using System.Management.Automation;
using KnowledgeGraph.Batches;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Invoke-KgTraining: trains a classifier for a concept, evaluates it on the concept's labelled passages and
/// stores it (model, run record, evaluation) as a new version in the environment's store; with -Scheduler, the concepts
/// train as one batch on a cluster and the command returns its job.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "KgTraining", SupportsShouldProcess = true)]
[OutputType(typeof(TrainingResult), typeof(Jobs.KgBatchJob))]
public sealed class InvokeKgTrainingCommand : ScheduledTrainingCmdlet
{
    private readonly List<DeployItem> _batch = [];

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateWikibaseId]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    public string[] WikibaseId { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [KgEnvironmentTransformation]
    public KgEnvironment Environment { get; set; }

    [Parameter]
    [ValidateSet(typeof(ClassifierTypeNames))]
    public ClassifierType ClassifierType { get; set; } = ClassifierType.Keyword;

    [Parameter]
    public SwitchParameter NoEvaluate { get; set; }

    /// <summary>Keep the model in a local folder (-OutputPath) instead of the environment's store.</summary>
    [Parameter]
    public SwitchParameter LocalOnly { get; set; }

    [Parameter]
    public string? OutputPath { get; set; }

    [Parameter]
    public string? ConceptPath { get; set; }

    /// <summary>Where a learned classifier trains: Auto (CUDA when there is a GPU), Cpu or Cuda.</summary>
    [Parameter]
    [ValidateSet("Auto", "Cpu", "Cuda")]
    public string Device { get; set; } = "Auto";

    /// <summary>The random seed of a learned classifier (the same seed on the CPU gives the same model).</summary>
    [Parameter]
    public int Seed { get; set; } = 42;

    /// <summary>CPU threads for a learned classifier; libtorch's default when 0.</summary>
    [Parameter]
    [ValidateRange(0, 1024)]
    public int ThreadCount { get; set; }

    /// <summary>At most this many epochs (learned types).</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int? MaxEpochs { get; set; }

    /// <summary>JSONL (or JSON) files of labelled passages to learn from besides the concept's own, or reviewed samples.</summary>
    [Parameter]
    public string[]? TrainingDataPath { get; set; }

    /// <summary>Unlabelled passages of the kind the classifier will run on (files or folders), to draw negatives from.
    /// Default: $env:KG_CORPUS_PATH, else Set-KgEnvironment -CorpusPath; an empty value trains without a corpus.</summary>
    [Parameter]
    [AllowEmptyCollection]
    [AllowEmptyString]
    public string[]? CorpusPath { get; set; }

    protected override void Begin() => CheckSchedulerParameters(nameof(LocalOnly), nameof(OutputPath));

    protected override void Process()
    {
        var service = Trainers.Service;
        IReadOnlyList<LabelledPassage> extra;
        IReadOnlyList<string> corpus;
        try
        {
            extra = (TrainingDataPath ?? []).SelectMany(p => TrainingDataFile.Read(ResolvePath(p))).ToArray();
            corpus = TrainingCorpus(CorpusPath, IsBound(nameof(CorpusPath)), ClassifierType);
        }
        catch (KgException e)
        {
            ThrowKgError(e);
            return;
        }
        foreach (var text in WikibaseId)
        {
            var id = Identifiers.WikibaseId.Parse(text);
            if (OnCluster)
            {
                Collect(id, extra, corpus);
                continue;
            }
            try
            {
                var concept = ConceptSource.Resolve(ResolveOptionalPath(ConceptPath)).Get(id);
                var request = new TrainingRequest
                {
                    Concept = concept,
                    Type = ClassifierType,
                    Environment = Environment,
                    Evaluate = !NoEvaluate,
                    ExtraTrainingData = extra,
                    Options = new LearnedOptions { Device = Device, Seed = Seed, Threads = ThreadCount, Epochs = MaxEpochs },
                    CorpusPaths = corpus,
                };
                if (LocalOnly)
                {
                    var folder = ResolveOptionalPath(OutputPath) ?? Path.Combine(KgPaths.Home, "local-models");
                    if (ShouldProcess($"{id} ({ClassifierType}) in the local folder {folder}", "Train and store without registering"))
                    {
                        WriteObject(RunWithProgress($"Training {id}", (p, ct) => service.TrainAsync(request, null, folder, p, ct)));
                    }
                    continue;
                }
                var store = StoreFor(Environment);
                if (ShouldProcess($"{id} ({ClassifierType}) in {Environment.Name()} ({store.Objects.Location})", "Train and store a new version"))
                {
                    WriteObject(RunWithProgress($"Training {id}", (p, ct) => service.TrainAsync(request, store, null, p, ct)));
                }
            }
            catch (KgException e)
            {
                WriteKgError(e, text);
            }
        }
    }

    private BatchTraining? _training;
    private KgEnvironment? _batchEnvironment;

    /// <summary>A concept for the batch: read now (a missing one is refused with its error) and confirmed one by one.</summary>
    private void Collect(Identifiers.WikibaseId id, IReadOnlyList<LabelledPassage> extra, IReadOnlyList<string> corpus)
    {
        _training ??= new BatchTraining
        {
            Type = ClassifierType,
            Options = new LearnedOptions { Device = Device, Seed = Seed, Threads = ThreadCount, Epochs = MaxEpochs },
            Evaluate = !NoEvaluate,
            CorpusPaths = corpus,
            ExtraTrainingData = extra,
        };
        _batchEnvironment ??= Environment;
        if (_batchEnvironment != Environment)
        {
            WriteKgError(Error("MixedBatchEnvironments", KgErrorKind.InvalidArgument,
                $"{id} is for {Environment.Name()}, but this batch trains for {_batchEnvironment.Value.Name()}: a batch is for one environment. Submit {Environment.Name()}'s concepts in a command of their own.", id.Value));
            return;
        }
        if (_batch.Any(i => i.WikibaseId == id.Value)
            || !ShouldProcess($"{id} ({ClassifierType}) in {Environment.Name()}", $"Train on {Scheduler} and store a new version"))
        {
            return;
        }
        try
        {
            _batch.Add(new DeployItem(id.Value, ConceptSource.Resolve(ResolveOptionalPath(ConceptPath)).Get(id), null));
        }
        catch (KgException e)
        {
            _batch.Add(new DeployItem(id.Value, null, e));
        }
    }

    protected override void End()
    {
        if (OnCluster && _batch.Count > 0 && _training is not null)
        {
            SubmitBatch(StoreFor(_batchEnvironment!.Value), _batch, _training, null, new Jobs.TrainingCompletion());
        }
    }
}
