using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Specs;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Update-KgInferenceSpec: writes classifier_specs/v2/&lt;environment&gt;.yaml from each environment's registry.</summary>
[Cmdlet(VerbsData.Update, "KgInferenceSpec", SupportsShouldProcess = true)]
[OutputType(typeof(SpecUpdateResult))]
public sealed class UpdateKgInferenceSpecCommand : KgCmdlet
{
    private readonly List<KgEnvironment> _environments = [];

    /// <summary>The environments whose spec to write; all four when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [KgEnvironmentTransformation]
    public KgEnvironment[]? Environment { get; set; }

    /// <summary>The classifier_specs folder (holding v2/); else $env:KG_SPEC_PATH, else the nearest classifier_specs at or above the current location.</summary>
    [Parameter]
    public string? Path { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => _environments.AddRange(Environment ?? []);

    protected override void EndProcessing()
    {
        string folder;
        try
        {
            folder = SpecFolder.Resolve(ResolveOptionalPath(Path), SessionState.Path.CurrentFileSystemLocation.ProviderPath);
        }
        catch (KgException e)
        {
            ThrowKgError(e);
            return;
        }
        foreach (var env in _environments.Count == 0 ? EnvironmentNames.All : _environments.Distinct())
        {
            try
            {
                var store = StoreFor(env);
                var plan = RunWithProgress($"Reading the registry of {env.Name()}", (p, ct) => SpecUpdater.PlanAsync(store, folder, p, ct));
                if (!plan.Changed)
                {
                    WriteVerbose($"{plan.Path} is up to date ({plan.Entries.Count} entries).");
                }
                else if (ShouldProcess(
                    $"Update {plan.Path} ({plan.Entries.Count} entries, +{plan.LinesAdded} -{plan.LinesRemoved} lines):{System.Environment.NewLine}{plan.Diff}",
                    $"Update {plan.Path} ({plan.Entries.Count} entries, +{plan.LinesAdded} -{plan.LinesRemoved} lines)?",
                    "Update the inference spec"))
                {
                    SpecUpdater.Apply(plan);
                }
                else
                {
                    continue;
                }
                if (PassThru)
                {
                    WriteObject(SpecUpdater.Result(plan));
                }
            }
            catch (KgException e)
            {
                WriteKgError(e, env.Name());
            }
        }
    }
}
