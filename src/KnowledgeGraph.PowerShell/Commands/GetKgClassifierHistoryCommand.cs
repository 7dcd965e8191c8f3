using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Registry;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Get-KgClassifierHistory: a concept's registry records in an environment, oldest first (the hash chain is
/// checked on the way: an edited log is an error).</summary>
[Cmdlet(VerbsCommon.Get, "KgClassifierHistory")]
[OutputType(typeof(RegistryHistoryEntry))]
public sealed class GetKgClassifierHistoryCommand : KgCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateWikibaseId]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    public WikibaseIdInput[] WikibaseId { get; set; } = [];

    /// <summary>Only records about this classifier.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateClassifierId]
    [ArgumentCompleter(typeof(ClassifierIdCompleter))]
    public string? ClassifierId { get; set; }

    /// <summary>The environments to read; all four when omitted.</summary>
    [Parameter(Position = 2, ValueFromPipelineByPropertyName = true)]
    [KgEnvironmentTransformation(AllowWildcards = true)]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    [SupportsWildcards]
    public EnvironmentName[]? Environment { get; set; }

    protected override void Process()
    {
        foreach (var env in EnvironmentName.All(Environment) ?? [.. EnvironmentNames.All])
        {
            foreach (var id in WikibaseIdInput.Texts(WikibaseId)!)
            {
                try
                {
                    var store = StoreFor(env);
                    var records = RunWithProgress($"Reading the registry of {id} in {env.Name()}", (_, ct) => store.Registry.GetHistoryAsync(id, ct));
                    foreach (var r in records.Where(r => ClassifierId is null || r.ClassifierId == ClassifierId))
                    {
                        WriteObject(RegistryHistoryEntry.From(r));
                    }
                }
                catch (KgException e)
                {
                    WriteKgError(e, id);
                }
            }
        }
    }
}
