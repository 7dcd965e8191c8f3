using System.Collections;
using System.Management.Automation;
using System.Text.Json;
using KnowledgeGraph.Batches;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Training;
using KnowledgeGraph.WandB;

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

    /// <summary>Hyper-parameters of a learned type to change from its defaults, such as @{ BatchSize = 32;
    /// AccumulationSteps = 2 } for a TransformerClassifier on a GPU. They enter the classifier ID; a name the type does
    /// not have is an error that lists the ones it has.</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable? Setting { get; set; }

    /// <summary>Log the training to W&amp;B as the original's <c>train --track</c> does: a run in project &lt;Qid&gt; with the
    /// config, metrics and tables, and a model artifact that refers to the stored model in S3.</summary>
    [Parameter]
    public SwitchParameter Track { get; set; }

    protected override void Begin() => CheckSchedulerParameters(nameof(LocalOnly), nameof(OutputPath));

    protected override void Process()
    {
        var service = Trainers.Service;
        IReadOnlyList<LabelledPassage> extra;
        IReadOnlyList<string> corpus;
        JsonElement? settings;
        try
        {
            extra = (TrainingDataPath ?? []).SelectMany(p => TrainingDataFile.Read(ResolvePath(p))).ToArray();
            corpus = TrainingCorpus(CorpusPath, IsBound(nameof(CorpusPath)), ClassifierType);
            settings = LearnedSettings(Setting, ClassifierType);
        }
        catch (KgException e)
        {
            ThrowKgError(e);
            return;
        }
        if (Track && OnCluster)
        {
            ThrowKgError(Error("TrackNeedsLocalRun", KgErrorKind.InvalidArgument,
                $"-Track logs from the session that trains; with -Scheduler {Scheduler} the training runs on the cluster. Train without -Scheduler to track it, or log the stored versions later."));
        }
        if (Track && LocalOnly)
        {
            ThrowKgError(Error("TrackNeedsStore", KgErrorKind.InvalidArgument,
                "-Track logs a model artifact that refers to the model in the environment's store; it cannot be combined with -LocalOnly."));
        }
        foreach (var text in WikibaseId)
        {
            var id = Identifiers.WikibaseId.Parse(text);
            if (OnCluster)
            {
                Collect(id, extra, corpus, settings);
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
                    Options = new LearnedOptions { Device = Device, Seed = Seed, Threads = ThreadCount, Epochs = MaxEpochs, Settings = settings },
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
                (string Entity, WandBApi Api)? tracking = Track ? Tracking(store) : null;
                if (ShouldProcess($"{id} ({ClassifierType}) in {Environment.Name()} ({store.Objects.Location}){(Track ? $", tracked in W&B {store.Configuration.WandBEntity}/{id}" : "")}", "Train and store a new version"))
                {
                    if (tracking is null)
                    {
                        WriteObject(RunWithProgress($"Training {id}", (p, ct) => service.TrainAsync(request, store, null, p, ct)));
                        continue;
                    }
                    var (entity, api) = tracking.Value;
                    var result = RunWithProgress($"Training {id}", (p, ct) => service.TrainAsync(request, store, null, p, ct,
                        (cid, c) => WandBTracker.NextVersionAsync(api, entity, id.Value, cid, c)));
                    WriteObject(TrackTraining(store, request, result, entity, api));
                }
            }
            catch (KgException e)
            {
                WriteKgError(e, text);
            }
        }
    }

    /// <summary>Everything -Track needs, checked before anything is trained: an entity, a key, an S3 store.</summary>
    private (string Entity, WandBApi Api) Tracking(Lifecycle.EnvironmentStore store)
    {
        var c = store.Configuration;
        if (c.WandBEntity is not { } entity)
        {
            throw Error("WandBEntityMissing", KgErrorKind.InvalidArgument,
                $"-Track logs to W&B, but no W&B entity is set for {c.Environment.Name()}: Set-KgEnvironment {c.Environment.Name()} -WandBEntity <team>.", c.Environment.Name());
        }
        if (c.Store.Kind != Storage.StoreKind.S3)
        {
            throw Error("WandBNeedsS3Store", KgErrorKind.InvalidOperation,
                $"-Track logs a model artifact that refers to the model's objects in S3, as the original's do, but the store of {c.Environment.Name()} is the local folder {c.Store}. Point it at S3 (Set-KgEnvironment {c.Environment.Name()} -Store s3://bucket/prefix).", c.Environment.Name());
        }
        var client = new WandBClient(c.WandBBaseUrl, WandBApiKey.Require(c.WandBBaseUrl), Stores.Trace);
        WriteVerbose($"W&B: {c.WandBBaseUrl}, entity {entity}, {client.Key}.");
        return (entity, new WandBApi(client));
    }

    /// <summary>Logs a stored version to W&amp;B. When that fails, the version stays stored: it is output, and the failure
    /// is a non-terminating error that says so.</summary>
    private TrainingResult TrackTraining(Lifecycle.EnvironmentStore store, TrainingRequest request, TrainingResult result, string entity, WandBApi api)
    {
        try
        {
            return RunWithProgress($"Tracking {result.WikibaseId} in W&B", (p, ct) => TrackAsync(store, request, result, entity, api, p, ct));
        }
        catch (KgException e)
        {
            WriteKgError(new KgException(e.ErrorId, e.Kind,
                $"{result.WikibaseId}/{result.ClassifierId} {result.Version} is stored in {store.Environment.Name()}, but logging it to W&B failed: {e.Message}", e.Target, e), result.ToString());
            return result;
        }
    }

    private async Task<TrainingResult> TrackAsync(Lifecycle.EnvironmentStore store, TrainingRequest request, TrainingResult result, string entity, WandBApi api,
        IProgress<WorkProgress> progress, CancellationToken ct)
    {
        var stored = await store.Models.GetRequiredAsync(result.WikibaseId!, result.ClassifierId, Identifiers.ModelVersion.Parse(result.Version), ct).ConfigureAwait(false);
        var evaluation = !request.Evaluate ? []
            : ClassifierTypes.IsLearned(request.Type) ? LearnedTrainer.Split(request).Evaluation : request.Concept.LabelledPassages;
        IReadOnlyList<LabelledPassage>? predictions = null;
        if (evaluation.Count > 0)
        {
            using var resolver = new ClassifierResolver(() => Stores);
            var classifier = resolver.Resolve(Lifecycle.ClassifierInfo.From(stored, null), ct);
            var spans = classifier.Predict(evaluation.Select(p => p.Text).ToArray());
            predictions = evaluation.Zip(spans, (p, s) => p.WithSpans(s)).ToArray();
        }
        var tracking = await WandBTracker.TrackAsync(api, entity, store, request, result, stored, evaluation, predictions, progress, ct).ConfigureAwait(false);
        return result with { WandB = tracking };
    }

    private BatchTraining? _training;
    private KgEnvironment? _batchEnvironment;

    /// <summary>A concept for the batch: read now (a missing one is refused with its error) and confirmed one by one.</summary>
    private void Collect(Identifiers.WikibaseId id, IReadOnlyList<LabelledPassage> extra, IReadOnlyList<string> corpus, JsonElement? settings)
    {
        _training ??= new BatchTraining
        {
            Type = ClassifierType,
            Options = new LearnedOptions { Device = Device, Seed = Seed, Threads = ThreadCount, Epochs = MaxEpochs, Settings = settings },
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
