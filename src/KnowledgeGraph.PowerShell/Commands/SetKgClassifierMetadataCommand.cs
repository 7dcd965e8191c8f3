using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Registry;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Set-KgClassifierMetadata: changes the spec metadata (sources not to run on, GPU requirement, classifiers
/// profile) of the promoted version of a classifier in an environment.</summary>
[Cmdlet(VerbsCommon.Set, "KgClassifierMetadata", SupportsShouldProcess = true, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(ClassifierInfo))]
public sealed class SetKgClassifierMetadataCommand : KgCmdlet
{
    private const string ByIdSet = "ById";
    private const string InputObjectSet = "InputObject";
    private const string Sources = "sabin,cclw,cpr,af,cif,gcf,gef,oep,unfccc,uncdb,iccn";

    [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateWikibaseId]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    public string? WikibaseId { get; set; }

    [Parameter(ParameterSetName = ByIdSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateClassifierId]
    [ArgumentCompleter(typeof(ClassifierIdCompleter))]
    public string? ClassifierId { get; set; }

    [Parameter(ParameterSetName = ByIdSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [KgEnvironmentTransformation]
    public KgEnvironment Environment { get; set; }

    /// <summary>A classifier from Get-KgClassifier; its promoted version in its environment is changed.</summary>
    [Parameter(ParameterSetName = InputObjectSet, Mandatory = true, ValueFromPipeline = true)]
    public ClassifierInfo? InputObject { get; set; }

    [Parameter]
    [ValidateSet("sabin", "cclw", "cpr", "af", "cif", "gcf", "gef", "oep", "unfccc", "uncdb", "iccn")]
    public string[] AddDontRunOn { get; set; } = [];

    [Parameter]
    [ValidateSet("sabin", "cclw", "cpr", "af", "cif", "gcf", "gef", "oep", "unfccc", "uncdb", "iccn")]
    public string[] RemoveDontRunOn { get; set; } = [];

    /// <summary>Empty the list first (with -AddDontRunOn: replace it).</summary>
    [Parameter]
    public SwitchParameter ClearDontRunOn { get; set; }

    [Parameter]
    public SwitchParameter RequireGpu { get; set; }

    [Parameter]
    public SwitchParameter ClearRequireGpu { get; set; }

    [Parameter]
    [ValidateSet("primary", "experimental", "retired")]
    public string[] AddClassifiersProfile { get; set; } = [];

    [Parameter]
    [ValidateSet("primary", "experimental", "retired")]
    public string[] RemoveClassifiersProfile { get; set; } = [];

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    private MetadataChange? _change;

    protected override void BeginProcessing()
    {
        if (RequireGpu && ClearRequireGpu)
        {
            ThrowKgError(Error("ConflictingGpuChange", KgErrorKind.InvalidArgument, "-RequireGpu and -ClearRequireGpu cannot both be given."));
        }
        try
        {
            _change = RegistryRules.Normalise(new MetadataChange
            {
                ClearDontRunOn = ClearDontRunOn,
                AddDontRunOn = AddDontRunOn,
                RemoveDontRunOn = RemoveDontRunOn,
                RequireGpu = RequireGpu ? true : ClearRequireGpu ? false : null,
                AddProfiles = AddClassifiersProfile,
                RemoveProfiles = RemoveClassifiersProfile,
            });
        }
        catch (KgException e)
        {
            ThrowKgError(e);
        }
        if (_change!.IsEmpty)
        {
            ThrowKgError(Error("NoChangeRequested", KgErrorKind.InvalidArgument,
                $"Say what to change: -AddDontRunOn, -RemoveDontRunOn or -ClearDontRunOn (sources: {Sources.Replace(",", ", ", StringComparison.Ordinal)}), -RequireGpu or -ClearRequireGpu, -AddClassifiersProfile or -RemoveClassifiersProfile."));
        }
    }

    protected override void ProcessRecord()
    {
        var (wikibaseId, classifierId, envText) = InputObject is not null
            ? (InputObject.WikibaseId, InputObject.ClassifierId, InputObject.Environment)
            : (WikibaseId!, ClassifierId!, Environment.Name());
        try
        {
            var env = EnvironmentNames.Parse(envText);
            var store = StoreFor(env);
            var what = $"{wikibaseId}/{classifierId} (promoted) in {env.Name()}";
            if (!ShouldProcess(what, $"Set metadata: {_change}") || !ConfirmProduction(env, Force, $"Change the metadata of {what} ({_change})?"))
            {
                return;
            }
            var (classifier, changed) = RunWithProgress($"Updating {what}", (_, ct) => ClassifierLifecycle.SetMetadataAsync(store, wikibaseId, classifierId, _change!, ct));
            if (!changed)
            {
                WriteVerbose($"{what} already has that metadata; nothing changed.");
            }
            if (PassThru)
            {
                WriteObject(classifier);
            }
        }
        catch (KgException e)
        {
            WriteKgError(e, (object?)InputObject ?? $"{wikibaseId}/{classifierId}");
        }
    }
}
