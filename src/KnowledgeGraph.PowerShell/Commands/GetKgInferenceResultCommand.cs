using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Inference;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Storage;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Get-KgInferenceResult: the concepts Invoke-KgInference found, read back from the aggregated results of an
/// environment's store or an output folder, one object per predicted span.</summary>
[Cmdlet(VerbsCommon.Get, "KgInferenceResult", DefaultParameterSetName = EnvironmentSet)]
[OutputType(typeof(InferenceResult))]
public sealed class GetKgInferenceResultCommand : KgCmdlet
{
    private const string EnvironmentSet = "Environment";
    private const string PathSet = "Path";

    /// <summary>The environment whose store holds the results.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = EnvironmentSet)]
    [KgEnvironmentTransformation]
    public KgEnvironment Environment { get; set; }

    /// <summary>An output folder written by Invoke-KgInference -OutputPath.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    public string Path { get; set; } = "";

    /// <summary>Only these documents (their IDs: file names without .json and .gz); wildcards are allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? DocumentId { get; set; }

    /// <summary>Only concepts with these Wikibase IDs.</summary>
    [Parameter]
    [ValidateWikibaseId]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    public string[]? WikibaseId { get; set; }

    protected override void EndProcessing()
    {
        try
        {
            IInferenceOutput output;
            if (ParameterSetName == PathSet)
            {
                var folder = ResolvePath(Path);
                output = Directory.Exists(folder) ? new FolderInferenceOutput(folder)
                    : throw new KgException("OutputNotFound", KgErrorKind.ObjectNotFound, $"The output folder '{folder}' does not exist.", folder);
            }
            else
            {
                var store = StoreFor(Environment);
                output = store.Configuration.Store.Kind == StoreKind.Local
                    ? new FolderInferenceOutput(store.Configuration.Store.LocalPath)
                    : new StoreInferenceOutput(store.Objects, store.Parallelism);
            }
            var patterns = DocumentId?.Select(d => WildcardPattern.Get(d, WildcardOptions.IgnoreCase)).ToArray();
            bool Wanted(string id) => patterns is null || patterns.Any(p => p.IsMatch(id));
            var rows = RunWithProgress("Reading inference results",
                (p, ct) => InferenceResultReader.ReadAsync(output, Wanted, WikibaseId?.ToHashSet(StringComparer.Ordinal), p, ct));
            WriteObject(rows, enumerateCollection: true);
        }
        catch (KgException e)
        {
            ThrowKgError(e);
        }
    }
}
