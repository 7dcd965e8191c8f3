using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Copy-KgClassifier: copies a model version from one environment's store to another's as a new version there.</summary>
[Cmdlet(VerbsCommon.Copy, "KgClassifier", SupportsShouldProcess = true, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(ClassifierInfo))]
public sealed class CopyKgClassifierCommand : KgCmdlet
{
    private const string ByIdSet = "ById";
    private const string InputObjectSet = "InputObject";

    [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateWikibaseId]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    public string? WikibaseId { get; set; }

    [Parameter(ParameterSetName = ByIdSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateClassifierId]
    [ArgumentCompleter(typeof(ClassifierIdCompleter))]
    public string? ClassifierId { get; set; }

    /// <summary>The version to copy (vN); the newest in the source environment when omitted.</summary>
    [Parameter(ParameterSetName = ByIdSet, ValueFromPipelineByPropertyName = true)]
    public string? Version { get; set; }

    [Parameter(ParameterSetName = ByIdSet, Mandatory = true)]
    [KgEnvironmentTransformation]
    public KgEnvironment SourceEnvironment { get; set; }

    /// <summary>A version from Get-KgClassifier; its own environment is the source.</summary>
    [Parameter(ParameterSetName = InputObjectSet, Mandatory = true, ValueFromPipeline = true)]
    public ClassifierInfo? InputObject { get; set; }

    /// <summary>The environment to copy to.</summary>
    [Parameter(Mandatory = true)]
    [KgEnvironmentTransformation]
    public KgEnvironment Environment { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var (wikibaseId, classifierId, version, source) = InputObject is not null
                ? (InputObject.WikibaseId, InputObject.ClassifierId, (ModelVersion?)ModelVersion.Parse(InputObject.Version), EnvironmentNames.Parse(InputObject.Environment))
                : (WikibaseId!, ClassifierId!, Version is null ? null : ModelVersion.Parse(Version), SourceEnvironment);
            var what = $"{wikibaseId}/{classifierId} {(version?.ToString() ?? "(newest)")} from {source.Name()} to {Environment.Name()}";
            if (!ShouldProcess(what, "Copy the model version") || !ConfirmProduction(Environment, Force, $"Copy {what}?"))
            {
                return;
            }
            var from = StoreFor(source);
            var to = StoreFor(Environment);
            var copy = RunWithProgress($"Copying {what}", (p, ct) => ClassifierLifecycle.CopyAsync(from, to, wikibaseId, classifierId, version, p, ct));
            WriteVerbose($"Copied to {copy.WikibaseId}/{copy.ClassifierId} {copy.Version} in {copy.Environment}.");
            if (PassThru)
            {
                WriteObject(copy);
            }
        }
        catch (KgException e)
        {
            WriteKgError(e, (object?)InputObject ?? $"{WikibaseId}/{ClassifierId}");
        }
    }
}
