using System.Management.Automation;
using KnowledgeGraph.Batches;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Environments;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.PowerShell.Loading;
using KnowledgeGraph.Text;
using KnowledgeGraph.Training;
using JobDefinition = KnowledgeGraph.Batches.JobDefinition;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Export-KgJobDefinition: stores the concepts as a training batch in the environment's shared store and writes
/// the job definition that runs it elsewhere: an AWS Batch RegisterJobDefinition request, or a Kubernetes Indexed Job.
/// Each task runs the image's entry point with Invoke-KgTrainingTask, as a Slurm task does; the versions land in the
/// store unpromoted (promote them with Publish-KgClassifier when the job has ended).</summary>
[Cmdlet(VerbsData.Export, "KgJobDefinition", SupportsShouldProcess = true)]
[OutputType(typeof(JobDefinition))]
public sealed class ExportKgJobDefinitionCommand : KgCmdlet
{
    private readonly List<string> _ids = [];

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateWikibaseId]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    public WikibaseIdInput[] WikibaseId { get; set; } = [];

    [Parameter(Mandatory = true, Position = 1)]
    [KgEnvironmentTransformation]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public EnvironmentName Environment { get; set; }

    [Parameter(Mandatory = true)]
    [ValidateSet(typeof(JobDefinitionKindValues))]
    public string Kind { get; set; } = "";

    /// <summary>The image every task runs (build.ps1 Image, pushed where the service can pull it).</summary>
    [Parameter(Mandatory = true)]
    public string Image { get; set; } = "";

    [Parameter]
    [ValidateSet(typeof(ClassifierTypeNames))]
    public ClassifierType ClassifierType { get; set; } = ClassifierType.Keyword;

    [Parameter]
    public string? ConceptPath { get; set; }

    [Parameter]
    [ValidateSet("Auto", "Cpu", "Cuda")]
    public string Device { get; set; } = "Auto";

    [Parameter]
    public int Seed { get; set; } = 42;

    [Parameter]
    [ValidateRange(1, 256)]
    public int CpuCount { get; set; } = 2;

    [Parameter]
    [ValidateRange(512, 1048576)]
    public int MemoryMiB { get; set; } = 8192;

    /// <summary>At most this many tasks at once (Kubernetes: the Job's parallelism).</summary>
    [Parameter]
    [ValidateRange(1, 10000)]
    public int? Parallelism { get; set; }

    [Parameter]
    [ValidateRange(0, 10)]
    public int Retries { get; set; } = 1;

    /// <summary>The folder to write each definition to, as &lt;name&gt;.json (AWS Batch) or &lt;name&gt;.yaml (Kubernetes).</summary>
    [Parameter]
    public string? OutputPath { get; set; }

    protected override void Begin()
    {
        try
        {
            ImageReference.Check(Image);
        }
        catch (KgException e)
        {
            ThrowKgError(e);
        }
    }

    protected override void Process() => _ids.AddRange(WikibaseIdInput.Texts(WikibaseId)!);

    protected override void End()
    {
        var store = StoreFor(Environment);
        var source = ConceptSource.Resolve(ResolveOptionalPath(ConceptPath));
        var concepts = new List<Concept>();
        foreach (var id in _ids.Distinct(StringComparer.Ordinal))
        {
            try
            {
                TrainingBatches.RequireSharedStore(store, Kind, id);
                concepts.Add(source.Get(Identifiers.WikibaseId.Parse(id)));
            }
            catch (KgException e)
            {
                WriteKgError(e, id);
            }
        }
        var folder = ResolveOptionalPath(OutputPath);
        if (concepts.Count == 0 || !ShouldProcess($"{concepts.Count} concept(s) in {Environment.Name()} ({store.Objects.Location})", $"Store a training batch and write a {Kind} definition"))
        {
            return;
        }
        var training = new BatchTraining
        {
            Type = ClassifierType,
            Options = new LearnedOptions { Device = Device, Seed = Seed },
            CorpusPaths = [],
        };
        var ids = concepts.Select(c => c.WikibaseId!).ToArray();
        var gpu = Device.Equals("Cuda", StringComparison.OrdinalIgnoreCase)
            ? ids.ToHashSet(StringComparer.Ordinal)
            : RunWithProgress("Reading which concepts require a GPU", (_, ct) => TrainingBatches.GpuConceptsAsync(store, ids, ct));
        var batches = RunWithProgress($"Storing the batch in {store.Objects.Location}", (_, ct) => TrainingBatches.CreateAsync(store, concepts, training, gpu, ct));
        foreach (var batch in batches)
        {
            var request = new JobDefinitionRequest
            {
                Name = JobDefinitions.NameFor(batch),
                Image = Image,
                Launch = new TaskLaunch(batch.Id, store.Configuration, []),
                Count = batch.Count,
                Gpu = batch.Gpu,
                CpuCount = CpuCount,
                MemoryMiB = MemoryMiB,
                Parallelism = Parallelism,
                Retries = Retries,
            };
            var definition = Kind == JobDefinitions.AwsBatch
                ? JobDefinitions.WriteAwsBatch(request)
                : JobDefinitions.WriteKubernetes(request, Dependencies.Infrastructure.KubernetesJobs);
            if (folder is not null)
            {
                Directory.CreateDirectory(folder);
                var file = Path.Combine(folder, definition.Name + (Kind == JobDefinitions.AwsBatch ? ".json" : ".yaml"));
                FileText.WriteAtomic(file, definition.Definition, "job definition");
                WriteVerbose($"Wrote {file}.");
            }
            WriteObject(definition);
        }
    }
}
