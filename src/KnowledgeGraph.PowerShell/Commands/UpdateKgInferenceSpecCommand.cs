using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Update-KgInferenceSpec: writes classifier_specs/v2/&lt;environment&gt;.yaml from each environment's registry.
/// Without -Environment (and without pipeline input) all four; piped input that turns out empty writes nothing.</summary>
[Cmdlet(VerbsData.Update, "KgInferenceSpec", SupportsShouldProcess = true)]
[OutputType(typeof(SpecUpdateResult))]
public sealed class UpdateKgInferenceSpecCommand : KgCmdlet
{
    private readonly List<KgEnvironment> _environments = [];

    /// <summary>The environments whose spec to write; all four when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [KgEnvironmentTransformation(AllowWildcards = true)]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public EnvironmentName[]? Environment { get; set; }

    /// <summary>The classifier_specs folder (holding v2/); else $env:KG_SPEC_PATH, else the nearest classifier_specs at or above the current location.</summary>
    [Parameter]
    public string? Path { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Do not ask for confirmation (production).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process() => _environments.AddRange(EnvironmentName.All(Environment) ?? []);

    protected override void End()
    {
        // An empty pipeline means "nothing", not "everything": only a command with no input at all writes all four.
        if (_environments.Count == 0 && MyInvocation.ExpectingInput)
        {
            WriteVerbose("No environment came through the pipeline; no spec file was written.");
            return;
        }
        var folder = LocateSpecFolder(Path);
        foreach (var env in _environments.Count == 0 ? EnvironmentNames.All : _environments.Distinct())
        {
            ErrorTarget = env.Name();
            try
            {
                var result = UpdateSpec(StoreFor(env), folder, confirmed: false, Force);
                if (PassThru && result is not null)
                {
                    WriteObject(result);
                }
            }
            catch (KgException e)
            {
                WriteKgError(e, env.Name());
            }
        }
    }
}
