using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Registry;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Publish-KgClassifier (promote): links a stored model version into the environment's registry and promotes
/// it with a classifiers profile, so that the next Update-KgInferenceSpec lists it. With -SourceEnvironment it promotes
/// a version of another environment in one step: copy (unless the same model is already there), promote, update the
/// spec.</summary>
[Cmdlet(VerbsData.Publish, "KgClassifier", SupportsShouldProcess = true, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(PromotionResult))]
public sealed class PublishKgClassifierCommand : ClassifierCmdlet
{
    /// <summary>The model version (vN); the newest when omitted.</summary>
    [Parameter(ParameterSetName = ByIdSet, ValueFromPipelineByPropertyName = true)]
    [ModelVersionTransformation]
    [ArgumentCompleter(typeof(ModelVersionCompleter))]
    public ModelVersion? Version { get; set; }

    [Parameter]
    [ValidateSet(typeof(ClassifiersProfileValues))]
    public string[] AddClassifiersProfile { get; set; } = [];

    [Parameter]
    [ValidateSet(typeof(ClassifiersProfileValues))]
    public string[] RemoveClassifiersProfile { get; set; } = [];

    /// <summary>Promote a version of this environment into -Environment: copy, promote and update the spec in one step.</summary>
    [Parameter]
    [KgEnvironmentTransformation]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public EnvironmentName? SourceEnvironment { get; set; }

    /// <summary>With -SourceEnvironment: the classifier_specs folder to update (see Update-KgInferenceSpec).</summary>
    [Parameter]
    public string? SpecPath { get; set; }

    /// <summary>With -SourceEnvironment: do not update the spec file.</summary>
    [Parameter]
    public SwitchParameter NoSpecUpdate { get; set; }

    protected override ModelVersion? VersionById => Version;

    protected override KgEnvironment EnvironmentById => SourceEnvironment ?? Environment!.Value;

    protected override bool EnvironmentMayDifferFromInput => SourceEnvironment is not null;

    protected override void Act(ClassifierTarget target)
    {
        var change = RegistryRules.Normalise(new MetadataChange { AddProfiles = AddClassifiersProfile, RemoveProfiles = RemoveClassifiersProfile });
        if (SourceEnvironment is { } source)
        {
            if (target.Input is not null && target.Environment != source)
            {
                throw Error("VersionEnvironmentMismatch", KgErrorKind.InvalidOperation,
                    $"{target.Input} is a version of {target.Environment.Name()}, not of -SourceEnvironment {source.Name()}.", target.Input);
            }
            PromoteFrom(target, Environment ?? throw Error("MissingEnvironment", KgErrorKind.InvalidArgument,
                "Say which environment to promote into with -Environment."), change);
            return;
        }
        var store = StoreFor(target.Environment);
        var stored = StoredVersion(store, target);
        var what = $"{target.WikibaseId}/{target.ClassifierId} {stored.Manifest.Version} in {target.Environment.Name()}";
        var profile = change.AddProfiles.Count > 0 ? $" as {string.Join(", ", change.AddProfiles)}" : "";
        if (!Confirm(target.Environment, what, "Promote" + profile))
        {
            return;
        }
        var result = RunWithProgress($"Promoting {what}", (_, ct) => ClassifierLifecycle.PublishAsync(store, stored, change, ct));
        if (!result.Changed)
        {
            WriteVerbose($"{what} is already promoted as {result.ClassifiersProfile} (registry {result.RegistryVersion}); nothing changed.");
        }
        WriteObject(result);
    }

    private void PromoteFrom(ClassifierTarget target, KgEnvironment destination, MetadataChange change)
    {
        var from = StoreFor(target.Environment);
        var to = StoreFor(destination);
        var stored = StoredVersion(from, target);
        var specFolder = NoSpecUpdate ? null : LocateSpecFolder(SpecPath);
        // Everything is decided (and the target's registry rules checked) before anything is written.
        var plan = RunWithProgress($"Planning {target}", (_, ct) => CrossEnvironmentPromotion.PlanAsync(from, to, stored, change, ct));
        var copyStep = plan.ExistingCopy is { } existing
            ? ShouldProcess($"{plan.Describe()}: {destination.Name()} already has the same model as {existing.Manifest.Version}", "Reuse the model version")
            : ShouldProcess(plan.Describe(), "Copy the model version");
        var after = plan.TargetAfter.Promoted.FirstOrDefault(e => e.ClassifierId == stored.Manifest.ClassifierId);
        var promoteStep = Confirm(destination, $"{plan.WikibaseId}/{stored.Manifest.ClassifierId} in {destination.Name()}",
            plan.Promotion is null ? "Keep the promotion (already promoted like this)" : $"Promote as {after?.Profile} (registry {after?.RegistryVersion}, dont_run_on: {string.Join(", ", after?.DontRunOn ?? [])})");
        if (IsWhatIf && specFolder is not null)
        {
            // Show the spec change this promotion would make, computed from the registry as it would be.
            var preview = RunWithProgress($"Planning the {destination.Name()} spec", (p, ct) =>
                SpecUpdater.PlanAsync(to, specFolder, p, ct, new Dictionary<string, Registry.ConceptRegistry> { [plan.WikibaseId] = plan.TargetAfter }));
            ShouldProcess($"{preview.Path} (+{preview.LinesAdded} -{preview.LinesRemoved} lines):{System.Environment.NewLine}{preview.Diff}", "Update the inference spec");
        }
        if (!copyStep || !promoteStep)
        {
            return;
        }
        var result = RunWithProgress($"Promoting {plan.Describe()}", (p, ct) => CrossEnvironmentPromotion.ApplyAsync(plan, p, ct));
        WriteVerbose(result.Copied == true ? $"Copied to {destination.Name()} as {result.Version}." : $"{destination.Name()} already had the same model as {result.Version}; no copy was made.");
        if (specFolder is not null)
        {
            UpdateSpec(to, specFolder, confirmed: true, Force);
        }
        WriteObject(result);
    }
}
