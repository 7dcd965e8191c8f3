using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Specs;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Set-KgClassifierMetadata: changes the spec metadata (sources not to run on, GPU requirement, classifiers
/// profile) of the promoted version of a classifier in an environment. Each promoted registry version is changed once
/// per command, however many piped objects lead to it; a piped version that is not the promoted one is an error that
/// names the promoted one.</summary>
[Cmdlet(VerbsCommon.Set, "KgClassifierMetadata", SupportsShouldProcess = true, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(ClassifierInfo))]
public sealed class SetKgClassifierMetadataCommand : ClassifierCmdlet
{
    private readonly HashSet<(KgEnvironment, string, string)> _done = [];
    private MetadataChange? _change;

    [Parameter]
    [ValidateSet(typeof(DontRunOnSourceValues))]
    public string[] AddDontRunOn { get; set; } = [];

    [Parameter]
    [ValidateSet(typeof(DontRunOnSourceValues))]
    public string[] RemoveDontRunOn { get; set; } = [];

    /// <summary>Empty the list first (with -AddDontRunOn: replace it).</summary>
    [Parameter]
    public SwitchParameter ClearDontRunOn { get; set; }

    [Parameter]
    public SwitchParameter RequireGpu { get; set; }

    [Parameter]
    public SwitchParameter ClearRequireGpu { get; set; }

    [Parameter]
    [ValidateSet(typeof(ClassifiersProfileValues))]
    public string[] AddClassifiersProfile { get; set; } = [];

    [Parameter]
    [ValidateSet(typeof(ClassifiersProfileValues))]
    public string[] RemoveClassifiersProfile { get; set; } = [];

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Begin()
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
                $"Say what to change: -AddDontRunOn, -RemoveDontRunOn or -ClearDontRunOn (sources: {string.Join(", ", DontRunOnSources.All)}), -RequireGpu or -ClearRequireGpu, -AddClassifiersProfile or -RemoveClassifiersProfile."));
        }
    }

    protected override void Act(ClassifierTarget target)
    {
        var store = StoreFor(target.Environment);
        var classifierId = target.ClassifierId!;
        if (target.Input is { } input)
        {
            var state = RunWithProgress($"Reading the registry of {input.WikibaseId}", (_, ct) => store.Registry.GetAsync(input.WikibaseId, ct));
            var promoted = state.Promoted.FirstOrDefault(e => e.ClassifierId == classifierId);
            if (promoted is null || promoted.ManifestSha256 != input.ManifestSha256)
            {
                throw Error("NotPromotedVersion", KgErrorKind.InvalidOperation,
                    $"{input.WikibaseId}/{classifierId} {input.Version} is not the promoted version in {target.Environment.Name()}, and metadata is kept on the promoted version: "
                    + (promoted is null
                        ? $"{classifierId} is not promoted there. Promote it first with Publish-KgClassifier."
                        : $"the promoted version is {promoted.ModelVersion} (registry {promoted.RegistryVersion}). Pipe Get-KgClassifier -Promoted to change it."),
                    input);
            }
        }
        // Once per promoted classifier and environment, however many piped versions lead to it.
        if (!_done.Add((target.Environment, target.WikibaseId, classifierId)))
        {
            WriteVerbose($"{target.WikibaseId}/{classifierId} in {target.Environment.Name()} was already changed by this command.");
            return;
        }
        var what = $"{target.WikibaseId}/{classifierId} (promoted) in {target.Environment.Name()}";
        if (!Confirm(target.Environment, what, $"Set metadata: {_change}"))
        {
            return;
        }
        var (classifier, changed) = RunWithProgress($"Updating {what}", (_, ct) => ClassifierLifecycle.SetMetadataAsync(store, target.WikibaseId, classifierId, _change!, ct));
        if (!changed)
        {
            WriteVerbose($"{what} already has that metadata; nothing changed.");
        }
        if (PassThru)
        {
            WriteObject(classifier);
        }
    }
}
