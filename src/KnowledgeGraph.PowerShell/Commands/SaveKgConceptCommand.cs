using System.Management.Automation;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Save-KgConcept: writes concepts to files in the original's JSON (what its get-concept saves: the concept
/// with its labelled passages, indented by two spaces, the computed id last), one &lt;Qid&gt;.json per concept in a folder
/// (the concept folder when -Path is omitted), or to one file. An existing file is replaced only with -Force; every file
/// is written whole or not at all.</summary>
[Cmdlet(VerbsData.Save, "KgConcept", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class SaveKgConceptCommand : KgCmdlet
{
    /// <summary>The concept to save (from Get-KgConcept).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public Concept InputObject { get; set; } = null!;

    /// <summary>A folder (the concept goes in &lt;Qid&gt;.json there) or a .json file; the concept folder when omitted.</summary>
    [Parameter(Position = 1)]
    public string? Path { get; set; }

    /// <summary>Replace a file that exists.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Write the file written (a FileInfo).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var concept = InputObject;
        var target = Target(concept);
        ErrorTarget = target;
        if (File.Exists(target) && !Force)
        {
            throw Error("ConceptFileExists", KgErrorKind.ResourceExists,
                $"'{target}' exists. Add -Force to replace it with {concept}.", target);
        }
        if (Directory.Exists(target))
        {
            throw Error("ConceptFileIsFolder", KgErrorKind.InvalidArgument, $"'{target}' is a folder; give a .json file or a folder path.", target);
        }
        var revision = concept.WikibaseRevision is { } r ? $", revision {r}" : "";
        if (!ShouldProcess(target, $"Save {concept}{revision} ({concept.LabelledPassages.Count} labelled passages)"))
        {
            return;
        }
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
        FileText.WriteAtomic(target, ConceptJson.WriteConcept(concept) + "\n", "concept file");
        if (PassThru)
        {
            WriteObject(new FileInfo(target));
        }
    }

    /// <summary>The file: -Path if it names a .json file, else &lt;Qid&gt;.json in -Path or in the concept folder.</summary>
    private string Target(Concept concept)
    {
        var path = ResolveOptionalPath(Path);
        if (path is not null && path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !Directory.Exists(path))
        {
            return path;
        }
        if (concept.WikibaseId is null)
        {
            throw Error("ConceptWithoutId", KgErrorKind.InvalidArgument,
                $"{concept.PreferredLabel} has no Wikibase ID to name its file after: give -Path a .json file.", concept.PreferredLabel);
        }
        var folder = path ?? KgPaths.ConceptPath(null).Path;
        return System.IO.Path.Combine(folder, concept.WikibaseId + ".json");
    }
}
