using System.Management.Automation;
using KnowledgeGraph.Classification;

namespace KnowledgeGraph.PowerShell.Arguments;

/// <summary>The valid classifier types for ValidateSet (and so tab completion): the registered types, one list.</summary>
public sealed class ClassifierTypeNames : IValidateSetValuesGenerator
{
    public string[] GetValidValues() => [.. ClassifierTypes.Names];
}
