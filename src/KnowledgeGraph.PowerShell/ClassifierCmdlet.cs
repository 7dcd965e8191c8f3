using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;

namespace KnowledgeGraph.PowerShell;

/// <summary>The classifier version (or classifier) a lifecycle command acts on, resolved from either parameter set.</summary>
public sealed record ClassifierTarget(string WikibaseId, string? ClassifierId, ModelVersion? Version, KgEnvironment Environment, ClassifierInfo? Input)
{
    public override string ToString() =>
        $"{WikibaseId}{(ClassifierId is null ? "" : "/" + ClassifierId)}{(Version is { } v ? " " + v : "")} in {Environment.Name()}";
}

/// <summary>The base of the commands that act on one classifier (Publish, Unpublish, Set-KgClassifierMetadata, Copy,
/// Remove), as PowerShell's own breakpoint commands share one base: it owns the two ways to name the target (ById:
/// WikibaseId, ClassifierId and Environment at positions 0, 1, 2, also bound by property name from CSV or other objects;
/// InputObject: a version piped from Get-KgClassifier, re-validated because any object can be piped), resolves the
/// target, asks for confirmation (<see cref="Confirm"/>) and maps errors (through <see cref="KgCmdlet"/>'s one error
/// path). Each command implements only its action, <see cref="Act"/>.</summary>
public abstract class ClassifierCmdlet : KgCmdlet
{
    protected const string ByIdSet = "ById";
    protected const string InputObjectSet = "InputObject";

    [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateWikibaseId]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    public virtual string? WikibaseId { get; set; }

    [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateClassifierId]
    [ArgumentCompleter(typeof(ClassifierIdCompleter))]
    public virtual string? ClassifierId { get; set; }

    [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = InputObjectSet)]
    [KgEnvironmentTransformation]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public virtual EnvironmentName? Environment { get; set; }

    /// <summary>A classifier version from Get-KgClassifier.</summary>
    [Parameter(ParameterSetName = InputObjectSet, Mandatory = true, ValueFromPipeline = true)]
    public ClassifierInfo? InputObject { get; set; }

    /// <summary>Do not ask for confirmation (production).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The version named by the ById parameters (-Version), if the command has one.</summary>
    protected virtual ModelVersion? VersionById => null;

    /// <summary>Where the ById target lives: -Environment, unless the command names it otherwise (-SourceEnvironment).</summary>
    protected virtual KgEnvironment EnvironmentById => Environment!.Value;

    /// <summary>Whether -Environment, given with a piped version, may differ from the version's own environment.</summary>
    protected virtual bool EnvironmentMayDifferFromInput => false;

    protected abstract void Act(ClassifierTarget target);

    /// <summary>Work for parameter sets other than ById and InputObject.</summary>
    protected virtual void ProcessOtherSet()
    {
    }

    protected sealed override void Process()
    {
        if (ParameterSetName is not (ByIdSet or InputObjectSet))
        {
            ProcessOtherSet();
            return;
        }
        ErrorTarget = (object?)InputObject ?? $"{WikibaseId}/{ClassifierId}";
        Act(ResolveTarget());
    }

    private ClassifierTarget ResolveTarget()
    {
        if (InputObject is not { } input)
        {
            return new ClassifierTarget(WikibaseId!, ClassifierId, VersionById, EnvironmentById, null);
        }
        // Any object can be piped (or built by hand): check it as binding checks parameters.
        if (!Identifiers.WikibaseId.IsValid(input.WikibaseId) || !Identifier.IsValid(input.ClassifierId) || !Enum.IsDefined(input.Environment))
        {
            throw Error("InvalidInputObject", KgErrorKind.InvalidArgument,
                $"The piped classifier has an invalid Wikibase ID, classifier ID or environment ('{Identifiers.WikibaseId.Printable(input.WikibaseId)}', '{Identifiers.WikibaseId.Printable(input.ClassifierId)}', {input.Environment}); pipe objects from Get-KgClassifier.",
                input);
        }
        if (!EnvironmentMayDifferFromInput && Environment is { } env && env != input.Environment)
        {
            throw Error("VersionEnvironmentMismatch", KgErrorKind.InvalidOperation,
                $"{input.WikibaseId}/{input.ClassifierId} {input.Version} is a version of {input.Environment.Name()}, but -Environment names {env.Name()}. Leave -Environment out, or copy it there first (Copy-KgClassifier, or Publish-KgClassifier -SourceEnvironment {input.Environment.Name()}).",
                input);
        }
        return new ClassifierTarget(input.WikibaseId, input.ClassifierId, input.Version, input.Environment, input);
    }

    /// <summary>ShouldProcess, and for production the production question (see <see cref="KgCmdlet.ShouldChange"/>).</summary>
    protected bool Confirm(KgEnvironment environment, string target, string action) => ShouldChange(environment, target, action, Force);

    /// <summary>The stored version the target names (checked against the piped object's manifest, so that a version
    /// replaced since it was listed is not changed by mistake).</summary>
    protected Models.StoredModelVersion StoredVersion(EnvironmentStore store, ClassifierTarget target)
    {
        var stored = RunWithProgress($"Reading {target}", (_, ct) => store.Models.GetRequiredAsync(target.WikibaseId, target.ClassifierId!, target.Version, ct));
        if (target.Input is { } input && stored.ManifestSha256 != input.ManifestSha256)
        {
            throw Error("ModelMismatch", KgErrorKind.InvalidData,
                $"{target} is not the version that was piped in (its manifest differs); get it again with Get-KgClassifier.", input);
        }
        return stored;
    }
}
