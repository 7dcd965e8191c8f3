using System.Management.Automation;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.PowerShell.Loading;
using KnowledgeGraph.Specs;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Import-KgInferenceSpec: seeds an environment's registry from an existing spec file, entry by entry, at the
/// entries' own registry versions, so that Update-KgInferenceSpec then writes the same entries. Entries that break an
/// error-severity spec rule (such as a classifier listed twice) are reported and left out; importing again changes nothing.</summary>
[Cmdlet(VerbsData.Import, "KgInferenceSpec", SupportsShouldProcess = true)]
[OutputType(typeof(SpecImportResult))]
public sealed class ImportKgInferenceSpecCommand : KgCmdlet
{
    /// <summary>The spec file to import (such as classifier_specs/v2/staging.yaml).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    public string Path { get; set; } = "";

    /// <summary>The environment whose registry to seed; by default the one the file is named after.</summary>
    [Parameter(Position = 1)]
    [KgEnvironmentTransformation]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public EnvironmentName? Environment { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process()
    {
        var file = ResolvePath(Path);
        ErrorTarget = file;
        var env = Environment ?? (EnvironmentNames.TryParse(System.IO.Path.GetFileNameWithoutExtension(file), out var named) ? named
            : throw Error("EnvironmentRequired", KgErrorKind.InvalidArgument,
                $"'{System.IO.Path.GetFileName(file)}' is not named after an environment; say which registry to seed with -Environment ({EnvironmentNames.ValidList}).", file));
        var specs = Dependencies.Infrastructure.SpecParser.Parse(FileText.ReadAll(file, "spec file"), file);
        var refused = SpecImport.Refusals(specs, file);
        var store = StoreFor(env);
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            var what = $"{spec.WikibaseId}/{spec.ClassifierId} registry {spec.RegistryVersion} ({spec.ClassifiersProfile}) into {env.Name()}";
            if (refused.TryGetValue(i, out var why))
            {
                WriteKgError(Error("InvalidSpecEntry", KgErrorKind.InvalidData, $"{file}, entry {i + 1}{(spec.Line is { } l ? $" (line {l})" : "")}: not imported: {why}", spec), spec.ToString());
                continue;
            }
            if (!ShouldChange(env, what, "Import the spec entry", Force))
            {
                continue;
            }
            try
            {
                WriteObject(RunWithProgress($"Importing {what}", (_, ct) => SpecImport.ImportAsync(store, spec, ct)));
            }
            catch (KgException e)
            {
                WriteKgError(e, spec.ToString());
            }
        }
    }
}
