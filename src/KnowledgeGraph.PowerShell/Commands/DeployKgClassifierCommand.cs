using System.Management.Automation;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Specs;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>A concept's deployment failed: what was done so far, and why it stopped.</summary>
internal sealed class DeployFailure(DeployResult result, KgException inner)
    : KgException(inner.ErrorId, inner.Kind, inner.Message, inner.Target, inner)
{
    public DeployResult Result { get; } = result;
    public KgException Inner { get; } = inner;
}

/// <summary>Deploy-KgClassifier: for each concept, trains a classifier and promotes it with a profile; then updates the
/// environment's spec file once. A failure on one concept never stops the others.</summary>
[Cmdlet(VerbsLifecycle.Deploy, "KgClassifier", SupportsShouldProcess = true)]
[OutputType(typeof(DeployResult))]
public sealed class DeployKgClassifierCommand : KgCmdlet
{
    private readonly List<string> _ids = [];

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateWikibaseId]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    public string[] WikibaseId { get; set; } = [];

    [Parameter(Mandatory = true)]
    [KgEnvironmentTransformation]
    public KgEnvironment Environment { get; set; }

    [Parameter(Mandatory = true)]
    [ValidateSet("primary", "experimental", "retired")]
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

    /// <summary>How many concepts to train at once (learned types train in separate worker processes).</summary>
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

    protected override void ProcessRecord() => _ids.AddRange(WikibaseId);

    protected override void EndProcessing()
    {
        var ids = _ids.Distinct(StringComparer.Ordinal).ToList();
        // Everything that can be checked is checked before anything is trained.
        string? specFolder = null;
        EnvironmentStore store;
        MetadataChange profile;
        IReadOnlyList<string> corpus;
        try
        {
            corpus = TrainingCorpus(CorpusPath, IsBound(nameof(CorpusPath)), ClassifierType);
            profile = RegistryRules.Normalise(new MetadataChange { AddProfiles = [AddClassifiersProfile] });
            if (!NoSpecUpdate)
            {
                specFolder = SpecFolder.Resolve(ResolveOptionalPath(SpecPath), SessionState.Path.CurrentFileSystemLocation.ProviderPath);
            }
            store = StoreFor(Environment);
        }
        catch (KgException e)
        {
            ThrowKgError(e);
            return;
        }
        var approved = ids.Where(id => ShouldProcess($"{id} in {Environment.Name()}", $"Train a {ClassifierType} classifier and promote it as {profile.AddProfiles[0]}")).ToList();
        if (approved.Count == 0 || !ConfirmProduction(Environment, Force, $"Deploy {approved.Count} classifier(s) to production?"))
        {
            return;
        }
        var concepts = ConceptSource.Resolve(ResolveOptionalPath(ConceptPath));
        var options = new LearnedOptions { Device = Device, Seed = Seed };
        var outcomes = RunParallel($"Deploying {approved.Count} classifier(s) to {Environment.Name()}", approved, ThrottleLimit, id => $"Deploying {id}",
            async (id, progress, ct) =>
            {
                var result = new DeployResult { WikibaseId = id, Environment = Environment.Name() };
                try
                {
                    var concept = concepts.Get(Identifiers.WikibaseId.Parse(id));
                    var request = new TrainingRequest { Concept = concept, Type = ClassifierType, Environment = Environment, Options = options, CorpusPaths = corpus };
                    var trained = await Trainers.Service.TrainAsync(request, store, null, progress, ct).ConfigureAwait(false);
                    result = result with { Trained = true, ClassifierId = trained.ClassifierId, Version = trained.Version, SpanF1 = trained.SpanF1 };
                    progress.Report(WorkProgress.Step($"Promoting {trained.ClassifierId} {trained.Version} as {profile.AddProfiles[0]}", 1, 1));
                    var stored = await store.Models.GetRequiredAsync(id, trained.ClassifierId, Identifiers.ModelVersion.Parse(trained.Version), ct).ConfigureAwait(false);
                    var promoted = await ClassifierLifecycle.PublishAsync(store, stored, profile, ct).ConfigureAwait(false);
                    return result with { Promoted = true, RegistryVersion = promoted.RegistryVersion, ClassifiersProfile = promoted.ClassifiersProfile };
                }
                catch (KgException e)
                {
                    // Keep what was done (trained, not promoted) with the error.
                    throw new DeployFailure(result with { Error = e.Message, ErrorId = e.ErrorId }, e);
                }
            });
        var promotedAny = false;
        for (var i = 0; i < approved.Count; i++)
        {
            var (result, error) = outcomes[i];
            if (error is DeployFailure failure)
            {
                WriteKgError(failure.Inner, approved[i]);
                result = failure.Result;
            }
            promotedAny |= result!.Promoted;
            WriteObject(result);
        }
        if (specFolder is not null && promotedAny)
        {
            try
            {
                var plan = RunWithProgress($"Updating the {Environment.Name()} spec", (p, ct) => SpecUpdater.PlanAsync(store, specFolder, p, ct));
                var written = SpecUpdater.Apply(plan);
                WriteVerbose($"{written.Path}: {written.Entries} entries{(written.Changed ? $", +{written.LinesAdded} -{written.LinesRemoved} lines" : ", unchanged")}.");
            }
            catch (KgException e)
            {
                WriteKgError(e, Environment.Name());
            }
        }
    }
}
