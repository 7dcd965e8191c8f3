using System.Collections;
using System.Management.Automation;
using KnowledgeGraph.Environments;

namespace KnowledgeGraph.PowerShell.Arguments;

/// <summary>Lets every <c>-Environment</c> parameter take any spelling of an environment, in any case:
/// labs, sandbox, staging, dev, production, prod. An unknown value fails binding with a message listing the valid ones;
/// so does $null, an empty list and a number (an enum's integer is not a spelling: 3 does not mean production). With
/// <see cref="AllowWildcards"/>, a pattern such as * or s* stands for the environments whose names match it.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class KgEnvironmentTransformationAttribute : ArgumentTransformationAttribute
{
    public bool AllowWildcards { get; set; }

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject p ? p.BaseObject : inputData;
        try
        {
            switch (value)
            {
                case null:
                    throw new KgException("InvalidEnvironment", KgErrorKind.InvalidArgument,
                        $"An environment cannot be $null. Name one ({EnvironmentNames.ValidList}), or leave the parameter out where all environments are meant.");
                case string s when AllowWildcards && WildcardPattern.ContainsWildcardCharacters(s):
                    return Expand(s);
                case string or KgEnvironment:
                    return KgCmdlet.ParseEnvironment(value);
                case IEnumerable items and not IDictionary:
                    var list = items.Cast<object?>().Select(i => i is PSObject ps ? ps.BaseObject : i).ToList();
                    if (list.Count == 0)
                    {
                        throw new KgException("InvalidEnvironment", KgErrorKind.InvalidArgument,
                            $"The list of environments is empty. Name at least one ({EnvironmentNames.ValidList}).");
                    }
                    return list.SelectMany(i => i is string s && AllowWildcards && WildcardPattern.ContainsWildcardCharacters(s) ? Expand(s) : [KgCmdlet.ParseEnvironment(i)])
                        .Distinct().ToArray();
                case sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal:
                    return KgCmdlet.ParseEnvironment(value); // refused, with the valid names
                default:
                    // Anything else (a piped object with an Environment property) is left to the binder, which then
                    // binds that property by name and calls this again with its value.
                    return inputData;
            }
        }
        catch (KgException e)
        {
            throw new ArgumentTransformationMetadataException(e.Message, e);
        }
    }

    private static KgEnvironment[] Expand(string pattern)
    {
        var wildcard = new WildcardPattern(pattern, WildcardOptions.IgnoreCase);
        var matches = EnvironmentNames.All.Where(e => wildcard.IsMatch(e.Name()) || wildcard.IsMatch(e.Value()) || EnvironmentNames.AliasesOf(e).Any(wildcard.IsMatch)).ToArray();
        return matches.Length > 0
            ? matches
            : throw new KgException("InvalidEnvironment", KgErrorKind.InvalidArgument, $"'{pattern}' matches no environment. Valid environments: {EnvironmentNames.ValidList}.", pattern);
    }
}

/// <summary>Turns text such as v3 into a <see cref="Identifiers.ModelVersion"/> at binding time, with the module's message
/// for anything else (latest, 3, v01).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ModelVersionTransformationAttribute(string what = "version") : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject p ? p.BaseObject : inputData;
        try
        {
            return value switch
            {
                null => null,
                Identifiers.ModelVersion v => v,
                IEnumerable items and not string => items.Cast<object?>().Select(i => Identifiers.ModelVersion.Parse((i is PSObject ps ? ps.BaseObject : i)?.ToString(), what)).ToArray(),
                _ => Identifiers.ModelVersion.Parse(value.ToString(), what),
            };
        }
        catch (KgException e)
        {
            throw new ArgumentTransformationMetadataException(e.Message, e);
        }
    }
}
