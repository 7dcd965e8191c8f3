using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Remove-KgClassifier: prunes model versions that are not promoted (a promoted one is refused), then collects
/// the store's blobs that no manifest references, including those a killed upload left, sparing blobs younger than
/// -BlobGracePeriod, which an upload in progress may still need.</summary>
[Cmdlet(VerbsCommon.Remove, "KgClassifier", SupportsShouldProcess = true, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(RemovalResult))]
public sealed class RemoveKgClassifierCommand : ClassifierCmdlet
{
    private const string BlobsSet = "UnreferencedBlobs";
    private readonly Dictionary<KgEnvironment, List<string>> _removed = [];

    [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = InputObjectSet)]
    [Parameter(ParameterSetName = BlobsSet, Mandatory = true)]
    [KgEnvironmentTransformation]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public override EnvironmentName? Environment { get; set; }

    /// <summary>The versions to remove; every version that is not promoted when omitted.</summary>
    [Parameter(ParameterSetName = ByIdSet)]
    [ModelVersionTransformation]
    [ArgumentCompleter(typeof(ModelVersionCompleter))]
    public ModelVersion[]? Version { get; set; }

    /// <summary>Remove no version: only collect the blobs that no manifest references.</summary>
    [Parameter(ParameterSetName = BlobsSet, Mandatory = true)]
    public SwitchParameter UnreferencedBlobs { get; set; }

    /// <summary>Unreferenced blobs younger than this are kept (an upload writes its blobs before its manifest).</summary>
    [Parameter]
    public TimeSpan BlobGracePeriod { get; set; } = ClassifierRemoval.DefaultGracePeriod;

    protected override void Act(ClassifierTarget target)
    {
        var store = StoreFor(target.Environment);
        var versions = target.Input is not null ? [target.Version!.Value] : Version;
        var plan = RunWithProgress($"Planning the removal of {target}", (_, ct) => ClassifierRemoval.PlanAsync(store, target.WikibaseId, target.ClassifierId!, versions, ct));
        var removed = _removed.TryGetValue(target.Environment, out var list) ? list : _removed[target.Environment] = [];
        foreach (var version in plan.Versions)
        {
            var what = $"{version.Manifest.WikibaseId}/{version.Manifest.ClassifierId} {version.Manifest.Version} in {target.Environment.Name()}";
            if (Confirm(target.Environment, what, "Remove the model version"))
            {
                removed.AddRange(RunWithProgress($"Removing {what}", (_, ct) => ClassifierRemoval.ApplyAsync(plan with { Versions = [version] }, ct)));
            }
        }
        if (plan.Versions.Count == 0)
        {
            WriteVerbose($"{target}: every version is promoted; nothing to remove.");
        }
    }

    protected override void ProcessOtherSet() => _removed.TryAdd(Environment!.Value, []);

    protected override void End()
    {
        foreach (var (env, versions) in _removed)
        {
            var store = StoreFor(env);
            var preview = RunWithProgress($"Finding unreferenced blobs in {env.Name()}", (_, ct) => store.Models.CollectGarbageAsync(BlobGracePeriod, dryRun: true, ct));
            var collected = preview;
            if (preview.Removed > 0 && Confirm(env, $"{preview.Removed} unreferenced blob(s), {preview.RemovedBytes:N0} bytes, older than {BlobGracePeriod} in {env.Name()}", "Delete"))
            {
                collected = RunWithProgress($"Collecting unreferenced blobs in {env.Name()}", (_, ct) => store.Models.CollectGarbageAsync(BlobGracePeriod, dryRun: false, ct));
            }
            else if (preview.Removed > 0)
            {
                collected = preview with { Removed = 0, RemovedBytes = 0 };
            }
            WriteObject(new RemovalResult
            {
                Environment = env,
                Versions = Text.ValueList.Of(versions),
                BlobsRemoved = collected.Removed,
                BytesRemoved = collected.RemovedBytes,
                BlobsSpared = collected.SparedYoung,
            });
        }
    }
}
