using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Test-KgEnvironment: checks that each environment's store can be reached with the configured credentials and
/// that this user can list, write, read and delete there (with a probe object that is removed again); with -Deep, also
/// the store's content: registry hash chains and snapshots, promoted entries against their model versions, manifests,
/// and the checksums of promoted versions' files.</summary>
[Cmdlet(VerbsDiagnostic.Test, "KgEnvironment")]
[OutputType(typeof(EnvironmentTestResult), typeof(bool))]
public sealed class TestKgEnvironmentCommand : KgCmdlet
{
    /// <summary>The environments to check; all four when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [KgEnvironmentTransformation(AllowWildcards = true)]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    [SupportsWildcards]
    public EnvironmentName[]? Environment { get; set; }

    /// <summary>Check the store's content too (reads every registry record and manifest, and promoted versions' files).</summary>
    [Parameter]
    public SwitchParameter Deep { get; set; }

    /// <summary>Outputs only $true or $false per environment.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void Process()
    {
        foreach (var env in EnvironmentName.All(Environment) ?? [.. EnvironmentNames.All])
        {
            var result = RunWithProgress($"Testing the {env.Name()} store", (_, ct) => EnvironmentTester.TestAsync(Stores, env, Deep, ct));
            foreach (var problem in result.Problems)
            {
                WriteVerbose($"{env.Name()}: {problem}");
            }
            WriteObject(Quiet ? result.Succeeded : result);
        }
    }
}
