using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Registry;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Publish-KgClassifier (promote): links a stored model version into the environment's registry and promotes
/// it with a classifiers profile, so that the next Update-KgInferenceSpec lists it.</summary>
[Cmdlet(VerbsData.Publish, "KgClassifier", SupportsShouldProcess = true, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(PromotionResult))]
public sealed class PublishKgClassifierCommand : KgCmdlet
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

    /// <summary>The model version (vN); the newest in the environment when omitted.</summary>
    [Parameter(ParameterSetName = ByIdSet, ValueFromPipelineByPropertyName = true)]
    public string? Version { get; set; }

    [Parameter(ParameterSetName = ByIdSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = InputObjectSet)]
    [KgEnvironmentTransformation]
    public KgEnvironment Environment { get; set; }

    /// <summary>A classifier version from Get-KgClassifier.</summary>
    [Parameter(ParameterSetName = InputObjectSet, Mandatory = true, ValueFromPipeline = true)]
    public ClassifierInfo? InputObject { get; set; }

    [Parameter]
    [ValidateSet("primary", "experimental", "retired")]
    public string[] AddClassifiersProfile { get; set; } = [];

    [Parameter]
    [ValidateSet("primary", "experimental", "retired")]
    public string[] RemoveClassifiersProfile { get; set; } = [];

    /// <summary>Do not ask for confirmation (production).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        string wikibaseId, classifierId;
        ModelVersion? version;
        KgEnvironment env;
        try
        {
            if (InputObject is not null)
            {
                var trainedFor = EnvironmentNames.Parse(InputObject.Environment);
                env = IsBound(nameof(Environment)) ? Environment : trainedFor;
                if (env != trainedFor)
                {
                    throw Error("VersionEnvironmentMismatch", KgErrorKind.InvalidOperation,
                        $"{InputObject.WikibaseId}/{InputObject.ClassifierId} {InputObject.Version} is a version of {trainedFor.Name()}, so it cannot be promoted in {env.Name()}. Copy it first: Copy-KgClassifier -SourceEnvironment {trainedFor.Name()} -Environment {env.Name()}.",
                        InputObject);
                }
                (wikibaseId, classifierId, version) = (InputObject.WikibaseId, InputObject.ClassifierId, ModelVersion.Parse(InputObject.Version));
            }
            else
            {
                (wikibaseId, classifierId, env) = (WikibaseId!, ClassifierId!, Environment);
                version = Version is null ? null : ModelVersion.Parse(Version);
            }
            var change = RegistryRules.Normalise(new MetadataChange { AddProfiles = AddClassifiersProfile, RemoveProfiles = RemoveClassifiersProfile });
            var store = StoreFor(env);
            var stored = RunWithProgress($"Reading {wikibaseId}/{classifierId}", (_, ct) => store.Models.GetRequiredAsync(wikibaseId, classifierId, version, ct));
            if (InputObject is not null && stored.ManifestSha256 != InputObject.ManifestSha256)
            {
                throw Error("ModelMismatch", KgErrorKind.InvalidData,
                    $"{wikibaseId}/{classifierId} {InputObject.Version} in {env.Name()} is not the version that was piped in (its manifest differs); get it again with Get-KgClassifier.", InputObject);
            }
            var what = $"{wikibaseId}/{classifierId} {stored.Manifest.Version} in {env.Name()}";
            var profile = change.AddProfiles.Count > 0 ? $" as {string.Join(", ", change.AddProfiles)}" : "";
            if (!ShouldProcess(what, "Promote" + profile) || !ConfirmProduction(env, Force, $"Promote {what}{profile}?"))
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
        catch (KgException e)
        {
            WriteKgError(e, (object?)InputObject ?? $"{WikibaseId}/{ClassifierId}");
        }
    }
}
