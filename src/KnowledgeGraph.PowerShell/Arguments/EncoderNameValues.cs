using System.Management.Automation;
using KnowledgeGraph.Encoders;

namespace KnowledgeGraph.PowerShell.Arguments;

/// <summary>The pretrained encoders for <c>[ValidateSet(typeof(...))]</c> (which also completes them): the list in the core.</summary>
public sealed class EncoderNameValues : IValidateSetValuesGenerator
{
    public string[] GetValidValues() => [.. PretrainedEncoders.Names];
}
