using System.Management.Automation;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.PowerShell.Arguments;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Get-KgEnvironment: the four environments, their names and values, and where each one's store is.</summary>
[Cmdlet(VerbsCommon.Get, "KgEnvironment")]
[OutputType(typeof(EnvironmentInfo))]
public sealed class GetKgEnvironmentCommand : KgCmdlet
{
    /// <summary>The environments to show (any spelling, or a wildcard); all four when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [KgEnvironmentTransformation(AllowWildcards = true)]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    [SupportsWildcards]
    public EnvironmentName[]? Environment { get; set; }

    protected override void Process()
    {
        var settings = KgSettings.Load();
        foreach (var env in EnvironmentName.All(Environment) ?? [.. EnvironmentNames.All])
        {
            try
            {
                WriteObject(EnvironmentInfo.From(EnvironmentConfiguration.Resolve(env, settings)));
            }
            catch (KgException e)
            {
                WriteKgError(e, env.Name());
            }
        }
    }
}
