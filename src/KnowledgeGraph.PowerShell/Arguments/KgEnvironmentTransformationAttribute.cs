using System.Collections;
using System.Management.Automation;
using KnowledgeGraph.Environments;

namespace KnowledgeGraph.PowerShell.Arguments;

/// <summary>Lets every <c>-Environment</c> parameter take any spelling of an environment, in any case:
/// labs, sandbox, staging, dev, production, prod. An unknown value fails binding with a message listing the valid ones.
/// (The parameters are <see cref="KgEnvironment"/>-typed, so PowerShell completes the names itself.)</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class KgEnvironmentTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject p ? p.BaseObject : inputData;
        try
        {
            switch (value)
            {
                case string or KgEnvironment:
                    return KgCmdlet.ParseEnvironment(value);
                case IEnumerable items and not IDictionary:
                    var list = items.Cast<object?>().Select(i => i is PSObject ps ? ps.BaseObject : i).ToList();
                    return list.All(i => i is string or KgEnvironment) ? list.Select(KgCmdlet.ParseEnvironment).ToArray() : inputData;
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
}
