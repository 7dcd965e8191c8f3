using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Get-KgClassifier: lists classifier versions in the environments' stores, with their registry state.</summary>
[Cmdlet(VerbsCommon.Get, "KgClassifier")]
[OutputType(typeof(ClassifierInfo))]
public sealed class GetKgClassifierCommand : KgCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateWikibaseId]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    public string[]? WikibaseId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateClassifierId]
    [ArgumentCompleter(typeof(ClassifierIdCompleter))]
    public string[]? ClassifierId { get; set; }

    /// <summary>The environments to look in; all four when omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [KgEnvironmentTransformation]
    public KgEnvironment[]? Environment { get; set; }

    /// <summary>Only the promoted registry versions (what the spec files list).</summary>
    [Parameter]
    public SwitchParameter Promoted { get; set; }

    /// <summary>Every stored version, not only the newest of each classifier (and the promoted ones).</summary>
    [Parameter]
    public SwitchParameter AllVersions { get; set; }

    protected override void ProcessRecord()
    {
        var query = new ClassifierQuery(WikibaseId, ClassifierId, Promoted, AllVersions);
        foreach (var env in Environment ?? [.. EnvironmentNames.All])
        {
            try
            {
                var store = StoreFor(env);
                var found = RunWithProgress($"Listing classifiers in {env.Name()}", (_, ct) => ClassifierCatalog.ListAsync(store, query, ct));
                WriteObject(found, enumerateCollection: true);
            }
            catch (KgException e)
            {
                WriteKgError(e, env.Name());
            }
        }
    }
}
