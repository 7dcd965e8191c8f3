using System.Management.Automation;
using KnowledgeGraph.Batches;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Deploy-KgClassifier: for each concept, trains a classifier and promotes it with a profile; then updates the
/// environment's spec file once. The core plans the batch (every concept read, the profile checked), the command
/// confirms it, then applies it. A failure on one concept never stops the others, and errors are written only after the
/// spec update, so -ErrorAction Stop cannot cut a batch off between its promotions and its spec.</summary>
[Cmdlet(VerbsLifecycle.Deploy, "KgClassifier", SupportsShouldProcess = true)]
[OutputType(typeof(DeployResult), typeof(Jobs.KgBatchJob))]
public sealed class DeployKgClassifierCommand : ScheduledTrainingCmdlet
{
    private readonly List<string> _ids = [];

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateWikibaseId]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    public WikibaseIdInput[] WikibaseId { get; set; } = [];

    [Parameter(Mandatory = true, Position = 1)]
    [KgEnvironmentTransformation]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public EnvironmentName Environment { get; set; }

    [Parameter(Mandatory = true)]
    [ValidateSet(typeof(ClassifiersProfileValues))]
    public string AddClassifiersProfile { get; set; } = "";

    [Parameter]
    [ValidateSet(typeof(ClassifierTypeNames))]
    public ClassifierType ClassifierType { get; set; } = ClassifierType.Keyword;

    /// <summary>Unlabelled passages of the kind the classifiers will run on, to draw negatives from (learned types).
    /// Default: $env:KG_CORPUS_PATH, else Set-KgEnvironment -CorpusPath; an empty value trains without a corpus.</summary>
    [Parameter]
    [AllowEmptyCollection]
    [AllowEmptyString]
    public string[]? CorpusPath { get; set; }

    [Parameter]
    public string? ConceptPath { get; set; }

    /// <summary>The classifier_specs folder to update (see Update-KgInferenceSpec).</summary>
    [Parameter]
    public string? SpecPath { get; set; }

    /// <summary>Do not update the spec file afterwards.</summary>
    [Parameter]
    public SwitchParameter NoSpecUpdate { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>How many concepts to train at once (learned types train in separate worker processes); with -Scheduler,
    /// how many tasks of the batch run at once on the cluster (all it can fit when omitted).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 1;

    /// <summary>Where learned classifiers train: Auto, Cpu or Cuda.</summary>
    [Parameter]
    [ValidateSet("Auto", "Cpu", "Cuda")]
    public string Device { get; set; } = "Auto";

    /// <summary>The random seed of learned classifiers.</summary>
    [Parameter]
    public int Seed { get; set; } = 42;

    protected override void Begin() => CheckSchedulerParameters();

    protected override void Process() => _ids.AddRange(WikibaseIdInput.Texts(WikibaseId)!);

    /// <summary>How each concept is trained (one object, passed through to every training of the batch).</summary>
    private DeployTraining Training => new()
    {
        Type = ClassifierType,
        Options = new LearnedOptions { Device = Device, Seed = Seed },
        CorpusPaths = TrainingCorpus(CorpusPath, IsBound(nameof(CorpusPath)), ClassifierType),
    };

    protected override void End()
    {
        // Everything that can be checked is checked before anything is trained.
        DeployPlan plan;
        string? specFolder = null;
        try
        {
            if (!NoSpecUpdate)
            {
                specFolder = LocateSpecFolder(SpecPath);
            }
            plan = Deployment.Plan(StoreFor(Environment), _ids, ConceptSource.Resolve(ResolveOptionalPath(ConceptPath)), AddClassifiersProfile, Training);
        }
        catch (KgException e)
        {
            ThrowKgError(e);
            return;
        }
        var profile = plan.Profile.AddProfiles[0];
        var approved = plan.Items.Where(i => ShouldProcess($"{i.WikibaseId} in {Environment.Name()}", $"Train a {ClassifierType} classifier and promote it as {profile}")).ToList();
        if (approved.Count == 0 || !ShouldChange(Environment, $"{approved.Count} classifier(s)", "Deploy", Force))
        {
            return;
        }
        if (OnCluster)
        {
            // The job promotes and updates the spec when every task has ended; what was confirmed here holds for it.
            SubmitBatch(plan.Store, approved, new BatchTraining { Type = plan.Training.Type, Options = plan.Training.Options, CorpusPaths = plan.Training.CorpusPaths },
                IsBound(nameof(ThrottleLimit)) ? ThrottleLimit : null, new Jobs.DeployCompletion(plan, specFolder));
            return;
        }
        var outcomes = RunParallel($"Deploying {approved.Count} classifier(s) to {Environment.Name()}", approved, ThrottleLimit, i => $"Deploying {i.WikibaseId}",
            (item, progress, ct) => Deployment.DeployAsync(plan, item, Trainers.Service, progress, ct));
        var results = new List<DeployResult>();
        var errors = new List<(KgException Error, string Target)>();
        for (var i = 0; i < approved.Count; i++)
        {
            var (result, error) = outcomes[i];
            if (error is DeployFailure failure)
            {
                errors.Add((failure.Inner, approved[i].WikibaseId));
                result = failure.Result;
            }
            else if (error is not null)
            {
                errors.Add((error, approved[i].WikibaseId));
                result = new DeployResult { WikibaseId = approved[i].WikibaseId, Environment = Environment, Error = error.Message, ErrorId = error.ErrorId };
            }
            results.Add(result!);
        }
        // The spec first: whatever was promoted is listed before any error can stop the command.
        if (specFolder is not null && results.Any(r => r.Promoted))
        {
            try
            {
                UpdateSpec(plan.Store, specFolder, confirmed: true, Force);
            }
            catch (KgException e)
            {
                errors.Add((e, Environment.Name()));
            }
        }
        WriteObject(results, enumerateCollection: true);
        foreach (var (error, target) in errors)
        {
            WriteKgError(error, target);
        }
    }
}
