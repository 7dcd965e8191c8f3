using System.Management.Automation;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Get-KgClassifier: lists classifier versions in the environments' stores, with their registry state and the
/// metrics stored when they were trained. Wikibase IDs and environments take wildcards.</summary>
[Cmdlet(VerbsCommon.Get, "KgClassifier")]
[OutputType(typeof(ClassifierInfo))]
public sealed class GetKgClassifierCommand : KgCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateWikibaseId(AllowWildcards = true)]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    [SupportsWildcards]
    public WikibaseIdInput[]? WikibaseId { get; set; }

    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateClassifierId]
    [ArgumentCompleter(typeof(ClassifierIdCompleter))]
    public string[]? ClassifierId { get; set; }

    /// <summary>The environments to look in; all four when omitted.</summary>
    [Parameter(Position = 2, ValueFromPipelineByPropertyName = true)]
    [KgEnvironmentTransformation(AllowWildcards = true)]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    [SupportsWildcards]
    public EnvironmentName[]? Environment { get; set; }

    /// <summary>Only versions promoted with this profile.</summary>
    [Parameter]
    [ValidateSet(typeof(ClassifiersProfileValues))]
    public string? ClassifiersProfile { get; set; }

    /// <summary>Only classifiers of this type.</summary>
    [Parameter]
    [ValidateSet(typeof(ClassifierTypeNames))]
    public ClassifierType? ClassifierType { get; set; }

    /// <summary>Only the promoted registry versions (what the spec files list).</summary>
    [Parameter]
    public SwitchParameter Promoted { get; set; }

    /// <summary>Every stored version, not only the newest of each classifier (and the promoted ones).</summary>
    [Parameter]
    public SwitchParameter AllVersions { get; set; }

    protected override void Process()
    {
        var ids = WikibaseIdInput.Texts(WikibaseId);
        var patterns = ids?.Where(WildcardPattern.ContainsWildcardCharacters).Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToArray() ?? [];
        var exact = ids?.Where(id => !WildcardPattern.ContainsWildcardCharacters(id)).ToArray();
        var query = new ClassifierQuery(patterns.Length == 0 ? exact : null, ClassifierId, Promoted, AllVersions)
        {
            WikibaseIdFilter = patterns.Length == 0 ? null : q => (exact?.Contains(q, StringComparer.Ordinal) ?? false) || patterns.Any(p => p.IsMatch(q)),
            Profile = ClassifiersProfile,
            Type = ClassifierType,
        };
        foreach (var env in EnvironmentName.All(Environment) ?? [.. EnvironmentNames.All])
        {
            ErrorTarget = env.Name();
            try
            {
                var store = StoreFor(env);
                var found = RunWithProgress($"Listing classifiers in {env.Name()}", (_, ct) => ClassifierCatalog.ListAsync(store, query, ct));
                WriteObject(found.Classifiers, enumerateCollection: true);
                foreach (var problem in found.Problems)
                {
                    WriteKgError(problem);
                }
            }
            catch (KgException e)
            {
                WriteKgError(e, env.Name());
            }
        }
    }
}
