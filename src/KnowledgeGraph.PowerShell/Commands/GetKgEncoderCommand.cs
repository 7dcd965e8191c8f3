using System.Management.Automation;
using KnowledgeGraph.Encoders;
using KnowledgeGraph.PowerShell.Arguments;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Get-KgEncoder: the pretrained encoders a TransformerClassifier builds on, whether each one is installed (its
/// files checked against their SHA-256), where, and where the module looks.</summary>
[Cmdlet(VerbsCommon.Get, "KgEncoder")]
[OutputType(typeof(EncoderStatus))]
public sealed class GetKgEncoderCommand : EncoderCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateSet(typeof(EncoderNameValues))]
    public string[]? Name { get; set; }

    protected override void Process()
    {
        foreach (var encoder in Selected(Name))
        {
            WriteObject(EncoderLocator.Inspect(encoder, SearchPath));
        }
    }
}
