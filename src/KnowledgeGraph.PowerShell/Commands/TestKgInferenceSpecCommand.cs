using System.Management.Automation;
using KnowledgeGraph.PowerShell.Loading;
using KnowledgeGraph.Specs;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Test-KgInferenceSpec: checks classifier spec files against the spec rules and outputs each violation.</summary>
[Cmdlet(VerbsDiagnostic.Test, "KgInferenceSpec")]
[OutputType(typeof(SpecViolation), typeof(bool))]
public sealed class TestKgInferenceSpecCommand : KgCmdlet
{
    /// <summary>Spec files, or folders: a v2 folder, or a classifier_specs folder (its v2/*.yaml are checked).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    public string[] Path { get; set; } = [];

    /// <summary>Outputs only $true or $false per file: whether it breaks no error-severity rule.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void Process()
    {
        foreach (var item in Path)
        {
            var resolved = ResolvePath(item);
            foreach (var file in Files(resolved))
            {
                Check(file);
            }
        }
    }

    private IEnumerable<string> Files(string path)
    {
        if (File.Exists(path))
        {
            return [path];
        }
        if (Directory.Exists(path))
        {
            var v2 = System.IO.Path.Combine(path, "v2");
            var folder = Directory.Exists(v2) ? v2 : path;
            var files = Directory.GetFiles(folder, "*.yaml").Order(StringComparer.Ordinal).ToArray();
            if (files.Length == 0)
            {
                WriteKgError(Error("SpecFileNotFound", KgErrorKind.ObjectNotFound, $"There are no .yaml spec files in '{folder}'.", path));
            }
            return files;
        }
        WriteKgError(Error("SpecFileNotFound", KgErrorKind.ObjectNotFound, $"The spec file or folder '{path}' does not exist.", path));
        return [];
    }

    private void Check(string file)
    {
        try
        {
            var specs = Dependencies.Infrastructure.SpecParser.Parse(FileText.ReadAll(file, "spec file"), file);
            var violations = ClassifierSpecRules.Check(specs, file);
            if (Quiet)
            {
                WriteObject(violations.All(v => v.Severity != ViolationSeverity.Error));
                return;
            }
            WriteVerbose($"{file}: {specs.Count} entries, {violations.Count} violation(s).");
            WriteObject(violations, enumerateCollection: true);
        }
        catch (KgException e)
        {
            if (Quiet)
            {
                WriteObject(false);
            }
            WriteKgError(e, file);
        }
    }
}
