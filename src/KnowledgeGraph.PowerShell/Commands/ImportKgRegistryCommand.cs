using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.WandB;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Import-KgRegistry: copies an environment's promoted registry versions, with their registry version numbers,
/// profiles and metadata, from another registry (W&amp;B) into the store's own registry, one record per version, each
/// attributed to the import; then the environment can use its own registry (Set-KgEnvironment -Registry Store) and
/// the spec files come out the same. Importing again changes nothing.</summary>
[Cmdlet(VerbsData.Import, "KgRegistry", SupportsShouldProcess = true)]
[OutputType(typeof(RegistryImportResult))]
public sealed class ImportKgRegistryCommand : KgCmdlet
{
    /// <summary>The registry to import from: WandB (the environment's W&amp;B entity and server).</summary>
    [Parameter(Mandatory = true)]
    [ValidateSet("WandB", IgnoreCase = true)]
    public string From { get; set; } = "WandB";

    /// <summary>The environments whose registry to import.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [KgEnvironmentTransformation]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public EnvironmentName[] Environment { get; set; } = [];

    /// <summary>Do not ask for confirmation (production).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process()
    {
        foreach (var env in EnvironmentName.All(Environment) ?? [])
        {
            ErrorTarget = env.Name();
            try
            {
                Import(env);
            }
            catch (KgException e)
            {
                WriteKgError(e, env.Name());
            }
        }
    }

    private void Import(KgEnvironment env)
    {
        var store = StoreFor(env);
        var source = WandBImport.SourceOf(store, Stores.Trace);
        var target = WandBImport.StoreRegistryOf(store);
        var plan = RunWithProgress($"Reading the W&B registry of {env.Name()}", (p, ct) => WandBImport.PlanAsync(source, target, p, ct));
        WriteVerbose($"{source.Location}: {plan.Count} promoted version(s) of {env.Name()}; {plan.Count(i => i.AlreadyThere)} already in {target.Registry.Location}.");
        var done = 0;
        foreach (var item in plan)
        {
            WriteProgress(new ProgressRecord(1, $"Importing the W&B registry of {env.Name()}", item.Describe()) { PercentComplete = 100 * done++ / Math.Max(1, plan.Count) });
            if (!ShouldChange(env, $"{item.Describe()} into {target.Registry.Location}", item.Model is null ? "Import the W&B registry version (with a stand-in model)" : "Import the W&B registry version", Force))
            {
                continue;
            }
            try
            {
                WriteObject(RunWithProgress($"Importing {item.Describe()}", (_, ct) => WandBImport.ImportAsync(source, target, item, ct), activityId: 2));
            }
            catch (KgException e)
            {
                WriteKgError(e, item.Describe());
            }
        }
        WriteProgress(new ProgressRecord(1, $"Importing the W&B registry of {env.Name()}", "Done") { RecordType = ProgressRecordType.Completed });
        if (!IsWhatIf && store.Configuration.Registry != Registry.RegistryKind.Store)
        {
            WriteVerbose($"The registry of record of {env.Name()} is still W&B; to use the imported one: Set-KgEnvironment {env.Name()} -Registry Store.");
        }
    }
}
