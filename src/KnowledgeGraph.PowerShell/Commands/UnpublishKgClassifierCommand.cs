using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Registry;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Unpublish-KgClassifier (demote): stops a promoted registry version from being used in an environment. When
/// the target is ambiguous it refuses and lists the candidates.</summary>
[Cmdlet(VerbsData.Unpublish, "KgClassifier", SupportsShouldProcess = true, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(PromotionResult))]
public sealed class UnpublishKgClassifierCommand : KgCmdlet
{
    private const string ByIdSet = "ById";
    private const string InputObjectSet = "InputObject";

    [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateWikibaseId]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    public string? WikibaseId { get; set; }

    [Parameter(ParameterSetName = ByIdSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [KgEnvironmentTransformation]
    public KgEnvironment Environment { get; set; }

    /// <summary>The registry version to demote (vN, as in the spec file's wandb_registry_version).</summary>
    [Parameter(ParameterSetName = ByIdSet, ValueFromPipelineByPropertyName = true)]
    public string? RegistryVersion { get; set; }

    [Parameter(ParameterSetName = ByIdSet, ValueFromPipelineByPropertyName = true)]
    [ValidateClassifierId]
    [ArgumentCompleter(typeof(ClassifierIdCompleter))]
    public string? ClassifierId { get; set; }

    [Parameter(ParameterSetName = ByIdSet)]
    [ValidateSet("primary", "experimental", "retired")]
    public string? ClassifiersProfile { get; set; }

    /// <summary>A promoted classifier from Get-KgClassifier -Promoted.</summary>
    [Parameter(ParameterSetName = InputObjectSet, Mandatory = true, ValueFromPipeline = true)]
    public ClassifierInfo? InputObject { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            string wikibaseId;
            KgEnvironment env;
            DemotionTarget target;
            if (InputObject is not null)
            {
                if (InputObject.RegistryVersion is null || !InputObject.Promoted)
                {
                    throw Error("NotPromoted", KgErrorKind.InvalidOperation,
                        $"{InputObject.WikibaseId}/{InputObject.ClassifierId} {InputObject.Version} is not promoted in {InputObject.Environment}.", InputObject);
                }
                (wikibaseId, env) = (InputObject.WikibaseId, EnvironmentNames.Parse(InputObject.Environment));
                target = new DemotionTarget(ModelVersion.Parse(InputObject.RegistryVersion, "registry version"));
            }
            else
            {
                (wikibaseId, env) = (WikibaseId!, Environment);
                target = new DemotionTarget(RegistryVersion is null ? null : ModelVersion.Parse(RegistryVersion, "registry version"), ClassifierId, ClassifiersProfile);
            }
            var store = StoreFor(env);
            // Resolve the target now (refusing when ambiguous), then demote exactly that registry version.
            var state = RunWithProgress($"Reading the registry of {wikibaseId}", (_, ct) => store.Registry.GetAsync(wikibaseId, ct));
            var record = RegistryRules.Demote(state, env, target);
            var entry = state.Find(record.RegistryVersion)!;
            var what = $"{wikibaseId} registry {entry.RegistryVersion} ({entry.ClassifierId} {entry.ModelVersion}, {entry.Profile}) in {env.Name()}";
            if (!ShouldProcess(what, "Demote") || !ConfirmProduction(env, Force, $"Demote {what}?"))
            {
                return;
            }
            WriteObject(RunWithProgress($"Demoting {what}", (_, ct) =>
                ClassifierLifecycle.UnpublishAsync(store, wikibaseId, new DemotionTarget(entry.RegistryVersion), ct)));
        }
        catch (KgException e)
        {
            WriteKgError(e, (object?)InputObject ?? WikibaseId);
        }
    }
}
