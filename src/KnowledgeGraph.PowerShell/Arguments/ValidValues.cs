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
