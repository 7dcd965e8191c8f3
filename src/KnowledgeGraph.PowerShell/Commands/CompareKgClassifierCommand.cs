using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Compare-KgClassifier: two classifier versions side by side (whether they are the same model, how their
/// registry metadata differs, and their stored metrics level by level): two objects from Get-KgClassifier, two versions
/// of one classifier, or what a concept has promoted in two environments (paired by profile).</summary>
[Cmdlet(VerbsData.Compare, "KgClassifier", DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(ClassifierComparison))]
public sealed class CompareKgClassifierCommand : KgCmdlet
{
    private const string ObjectSet = "Object";
    private const string EnvironmentSet = "Environment";
    private const string VersionSet = "Version";

    [Parameter(ParameterSetName = ObjectSet, Mandatory = true, Position = 0)]
    public ClassifierInfo? ReferenceObject { get; set; }

    [Parameter(ParameterSetName = ObjectSet, Mandatory = true, Position = 1, ValueFromPipeline = true)]
    public ClassifierInfo? DifferenceObject { get; set; }

    [Parameter(ParameterSetName = EnvironmentSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = VersionSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateWikibaseId]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    public string? WikibaseId { get; set; }

    [Parameter(ParameterSetName = VersionSet, Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateClassifierId]
    [ArgumentCompleter(typeof(ClassifierIdCompleter))]
    public string? ClassifierId { get; set; }

    [Parameter(ParameterSetName = VersionSet, Mandatory = true, Position = 2)]
    [KgEnvironmentTransformation]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public EnvironmentName Environment { get; set; }

    [Parameter(ParameterSetName = VersionSet, Mandatory = true)]
    [ModelVersionTransformation]
    [ArgumentCompleter(typeof(ModelVersionCompleter))]
    public ModelVersion ReferenceVersion { get; set; }

    [Parameter(ParameterSetName = VersionSet, Mandatory = true)]
    [ModelVersionTransformation]
    [ArgumentCompleter(typeof(ModelVersionCompleter))]
    public ModelVersion DifferenceVersion { get; set; }

    [Parameter(ParameterSetName = EnvironmentSet, Mandatory = true)]
    [KgEnvironmentTransformation]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public EnvironmentName ReferenceEnvironment { get; set; }

    [Parameter(ParameterSetName = EnvironmentSet, Mandatory = true)]
    [KgEnvironmentTransformation]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public EnvironmentName DifferenceEnvironment { get; set; }

    protected override void Process()
    {
        switch (ParameterSetName)
        {
            case ObjectSet:
                WriteObject(ClassifierComparison.Of(ReferenceObject!, DifferenceObject!));
                break;
            case VersionSet:
                ErrorTarget = $"{WikibaseId}/{ClassifierId}";
                var versions = List(Environment, new ClassifierQuery([WikibaseId!], [ClassifierId!], AllVersions: true));
                WriteObject(ClassifierComparison.Of(Pick(versions, ReferenceVersion), Pick(versions, DifferenceVersion)));
                break;
            default:
                ErrorTarget = WikibaseId;
                CompareEnvironments();
                break;
        }
    }

    private void CompareEnvironments()
    {
        var query = new ClassifierQuery([WikibaseId!], PromotedOnly: true);
        var reference = List(ReferenceEnvironment, query);
        var difference = List(DifferenceEnvironment, query);
        // Pair what runs in each environment: by profile when each side has one, else by classifier ID.
        foreach (var profile in reference.Concat(difference).Select(c => c.ClassifiersProfile).Distinct())
        {
            var a = reference.Where(c => c.ClassifiersProfile == profile).ToList();
            var b = difference.Where(c => c.ClassifiersProfile == profile).ToList();
            var pairs = a.Count == 1 && b.Count == 1
                ? [(a[0], b[0])]
                : a.Join(b, x => x.ClassifierId, y => y.ClassifierId, (x, y) => (x, y)).ToList();
            foreach (var (x, y) in pairs)
            {
                WriteObject(ClassifierComparison.Of(x, y));
            }
            foreach (var alone in a.Where(x => pairs.All(p => p.Item1 != x)).Concat(b.Where(y => pairs.All(p => p.Item2 != y))))
            {
                WriteWarning($"{alone} has no {profile} counterpart in {(alone.Environment == ReferenceEnvironment ? DifferenceEnvironment : ReferenceEnvironment).Name()}.");
            }
        }
        if (reference.Count + difference.Count == 0)
        {
            WriteWarning($"{WikibaseId} has nothing promoted in {ReferenceEnvironment.Name()} or {DifferenceEnvironment.Name()}.");
        }
    }

    private IReadOnlyList<ClassifierInfo> List(KgEnvironment env, ClassifierQuery query)
    {
        var store = StoreFor(env);
        var listing = RunWithProgress($"Reading {WikibaseId} in {env.Name()}", (_, ct) => ClassifierCatalog.ListAsync(store, query, ct));
        foreach (var problem in listing.Problems)
        {
            WriteKgError(problem);
        }
        return listing.Classifiers;
    }

    private ClassifierInfo Pick(IReadOnlyList<ClassifierInfo> versions, ModelVersion version) =>
        versions.FirstOrDefault(v => v.Version == version) ?? throw Error("VersionNotFound", KgErrorKind.ObjectNotFound,
            $"{WikibaseId}/{ClassifierId} has no version {version} in {Environment.Name()}; it has {(versions.Count == 0 ? "none" : string.Join(", ", versions.Select(v => v.Version)))}.",
            $"{WikibaseId}/{ClassifierId} {version}");
}
