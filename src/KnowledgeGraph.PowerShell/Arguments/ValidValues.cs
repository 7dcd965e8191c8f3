using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Specs;

namespace KnowledgeGraph.PowerShell.Arguments;

/// <summary>The classifiers profiles for <c>[ValidateSet(typeof(...))]</c>: the list in the core, written once.</summary>
public sealed class ClassifiersProfileValues : IValidateSetValuesGenerator
{
    public string[] GetValidValues() => [.. ClassifiersProfiles.All];
}

/// <summary>The document sources for <c>[ValidateSet(typeof(...))]</c>: the list in the core, written once.</summary>
public sealed class DontRunOnSourceValues : IValidateSetValuesGenerator
{
    public string[] GetValidValues() => [.. DontRunOnSources.All];
}

/// <summary>Where a batch trains (-Scheduler): Local, or a cluster scheduler the module submits to.</summary>
public sealed class SchedulerValues : IValidateSetValuesGenerator
{
    public string[] GetValidValues() => [.. Batches.TrainingBatches.SchedulerNames];
}

/// <summary>The job definitions Export-KgJobDefinition writes (-Kind).</summary>
public sealed class JobDefinitionKindValues : IValidateSetValuesGenerator
{
    public string[] GetValidValues() => [.. Batches.JobDefinitions.Kinds];
}

/// <summary>Text given to a -WikibaseId parameter that also takes pipeline input by value. A string parameter would take
/// any piped object as its ToString() (so an environment or a file piped in would fail as a "Wikibase ID" instead of
/// binding its properties); only text converts to this type, so other objects bind by property name as they should.
/// The ID rules are checked by [ValidateWikibaseId] as on every other parameter.</summary>
public readonly record struct WikibaseIdInput(string Value)
{
    public static WikibaseIdInput Parse(string value) => new(value);

    public override string ToString() => Value;

    public static string[]? Texts(WikibaseIdInput[]? values) => values?.Select(v => v.Value).ToArray();
}

/// <summary>The type of every -Environment parameter: an environment, converted from and to <see cref="KgEnvironment"/>.
/// Not the enum itself, because PowerShell completes an enum-typed parameter with the enum's names and never asks
/// <see cref="EnvironmentCompleter"/>, so "dev" and "prod" would never be offered. Values arrive through
/// [KgEnvironmentTransformation], which accepts every spelling and refuses anything else.</summary>
public readonly record struct EnvironmentName(KgEnvironment Environment)
{
    public static implicit operator KgEnvironment(EnvironmentName name) => name.Environment;

    public static implicit operator EnvironmentName(KgEnvironment environment) => new(environment);

    public static EnvironmentName Parse(string text) => new(EnvironmentNames.Parse(text));

    public override string ToString() => Environment.Name();

    /// <summary>The environment's name (labs, sandbox, staging, production).</summary>
    public string Name() => Environment.Name();

    public static KgEnvironment[]? All(EnvironmentName[]? names) => names?.Select(n => n.Environment).ToArray();
}
