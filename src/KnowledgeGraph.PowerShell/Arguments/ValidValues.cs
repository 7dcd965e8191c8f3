using System.Management.Automation;
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
