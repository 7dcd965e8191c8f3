using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Copy-KgClassifier: copies a model version from one environment's store to another's as a new version there,
/// carrying its registry metadata (profile, dont_run_on) for when it is promoted there; when the target already has the
/// same model, nothing is copied and that version is returned.</summary>
[Cmdlet(VerbsCommon.Copy, "KgClassifier", SupportsShouldProcess = true, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(ClassifierInfo))]
public sealed class CopyKgClassifierCommand : ClassifierCmdlet
{
    /// <summary>The environment to copy to.</summary>
    [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = InputObjectSet, Mandatory = true)]
    [KgEnvironmentTransformation]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public override EnvironmentName? Environment { get; set; }

    /// <summary>The version to copy (vN); the newest in the source environment when omitted.</summary>
    [Parameter(ParameterSetName = ByIdSet, ValueFromPipelineByPropertyName = true)]
    [ModelVersionTransformation]
    [ArgumentCompleter(typeof(ModelVersionCompleter))]
    public ModelVersion? Version { get; set; }

    [Parameter(ParameterSetName = ByIdSet, Mandatory = true)]
    [KgEnvironmentTransformation]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public EnvironmentName? SourceEnvironment { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override ModelVersion? VersionById => Version;

    protected override KgEnvironment EnvironmentById => SourceEnvironment!.Value;

    protected override bool EnvironmentMayDifferFromInput => true;

    protected override void Act(ClassifierTarget target)
    {
        var destination = Environment!.Value;
        var from = StoreFor(target.Environment);
        var to = StoreFor(destination);
        var stored = StoredVersion(from, target);
        var what = $"{target.WikibaseId}/{target.ClassifierId} {stored.Manifest.Version} from {target.Environment.Name()} to {destination.Name()}";
        if (!Confirm(destination, what, "Copy the model version"))
        {
            return;
        }
        var copy = RunWithProgress($"Copying {what}", (p, ct) => ClassifierLifecycle.CopyAsync(from, to, stored, p, ct));
        WriteVerbose(copy.Created
            ? $"Copied to {copy.Classifier.WikibaseId}/{copy.Classifier.ClassifierId} {copy.Classifier.Version} in {destination.Name()}."
            : $"{destination.Name()} already has the same model as {copy.Classifier.Version}; nothing was copied.");
        if (PassThru)
        {
            WriteObject(copy.Classifier);
        }
    }
}
