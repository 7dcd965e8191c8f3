using System.Management.Automation;
using KnowledgeGraph.Batches;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Inference;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.PowerShell.Jobs;
using KnowledgeGraph.PowerShell.Loading;
using KnowledgeGraph.Specs;
using KnowledgeGraph.Storage;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Invoke-KgInference: runs an environment's spec file (its promoted classifiers) over documents and writes
/// the labelled passages and aggregated results to the environment's store or an output folder; with -Scheduler Slurm,
/// as an array job on a cluster, one task per chunk of the documents (Invoke-KgInferenceTask), returning a job.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "KgInference", SupportsShouldProcess = true)]
[OutputType(typeof(InferenceClassifierRun), typeof(KgBatchJob))]
public sealed class InvokeKgInferenceCommand : ScheduledCmdlet
{
    /// <summary>Chunks per document when -Scheduler is given without -ChunkCount: one task per this many documents.</summary>
    private const int DocumentsPerTask = 250;

    private readonly List<string> _paths = [];
    private bool _badPath;

    /// <summary>The environment whose spec file to run and whose store holds the models (and, by default, the results).</summary>
    [Parameter(Mandatory = true)]
    [KgEnvironmentTransformation]
    public KgEnvironment Environment { get; set; }

    /// <summary>Document files or folders; wildcards are allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [SupportsWildcards]
    public string[] DocumentPath { get; set; } = [];

    /// <summary>The classifier_specs folder (holding v2/), or a spec file; else $env:KG_SPEC_PATH, else the nearest classifier_specs.</summary>
    [Parameter]
    public string? SpecPath { get; set; }

    /// <summary>Write the results to this folder instead of the environment's store.</summary>
    [Parameter]
    public string? OutputPath { get; set; }

    /// <summary>Read the documents in subfolders of the given folders too.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Classify again what is already done.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Run classifiers that require a GPU on the CPU when this machine has no CUDA device.</summary>
    [Parameter]
    public SwitchParameter AllowCpu { get; set; }

    /// <summary>How many classifiers run at once (and, for results in a folder, how many threads write them).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 1;

    /// <summary>Run only this chunk of the documents (0-based), for running one set of documents in several processes.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int ChunkIndex { get; set; }

    /// <summary>How many chunks the documents are split into; with -Scheduler, how many array tasks (by default one per 250 documents).</summary>
    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int ChunkCount { get; set; } = 1;

    protected override void Begin() => CheckClusterParameters("run inference", nameof(OutputPath), nameof(ChunkIndex));

    protected override void ProcessRecord()
    {
        foreach (var path in DocumentPath)
        {
            try
            {
                _paths.AddRange(SessionState.Path.GetResolvedProviderPathFromPSPath(path, out _));
            }
            catch (Exception e) when (e is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or NotSupportedException)
            {
                _badPath = true;
                WriteKgError(Error("DocumentNotFound", KgErrorKind.ObjectNotFound, $"The document file or folder '{path}' does not exist.", path));
            }
        }
    }

    protected override void EndProcessing()
    {
        // Everything that can be checked is checked before anything is written.
        if (_badPath)
        {
            ThrowKgError(Error("DocumentNotFound", KgErrorKind.ObjectNotFound, "Some document paths do not exist (see the errors above); nothing was run."));
        }
        if (ChunkIndex >= ChunkCount)
        {
            ThrowKgError(Error("InvalidChunk", KgErrorKind.InvalidArgument,
                $"-ChunkIndex {ChunkIndex} does not exist with -ChunkCount {ChunkCount}: the index is from 0 to {ChunkCount - 1}.", ChunkIndex));
        }
        string specFile;
        string specText;
        IReadOnlyList<ClassifierSpec> specs;
        EnvironmentStore store;
        IInferenceOutput output;
        IReadOnlyList<DocumentFile> documents;
        try
        {
            specFile = SpecFile();
            specText = FileText.ReadAll(specFile, "spec file");
            specs = Dependencies.Infrastructure.SpecParser.Parse(specText, specFile);
            store = StoreFor(Environment);
            // As many threads write files as classify them.
            var writers = Math.Min(ThrottleLimit, System.Environment.ProcessorCount);
            output = OutputPath is not null ? FolderInferenceOutput.WithTestDelay(ResolvePath(OutputPath), writers)
                : store.Configuration.Store.Kind == StoreKind.Local ? FolderInferenceOutput.WithTestDelay(store.Configuration.Store.LocalPath, writers)
                : new StoreInferenceOutput(store.Objects, store.Parallelism);
            var (files, errors) = DocumentFiles.Expand(_paths, Recurse);
            foreach (var e in errors)
            {
                WriteKgError(e);
            }
            documents = files.Count > 0 ? files : throw new KgException("NoDocuments", KgErrorKind.ObjectNotFound,
                "There are no documents to run on: give parser-output or passage files (.json, .jsonl, optionally .gz), or folders holding them.");
        }
        catch (KgException e)
        {
            ThrowKgError(e);
            return;
        }

        if (OnCluster)
        {
            SubmitBatch(store, specFile, specText, specs, documents);
            return;
        }
        var chunk = ChunkCount > 1 ? $" (chunk {ChunkIndex} of {ChunkCount})" : "";
        if (!ShouldProcess($"{specs.Count} spec entries of {specFile} over {documents.Count} document(s){chunk}, results to {output.Location}", "Run inference"))
        {
            return;
        }
        try
        {
            var workerPath = Trainers.WorkerPath;
            var options = new InferenceOptions
            {
                Force = Force,
                AllowCpu = AllowCpu,
                CudaAvailable = CudaDevices.Available(System.IO.Path.GetDirectoryName(workerPath)),
                ThrottleLimit = ThrottleLimit,
                ChunkIndex = ChunkIndex,
                ChunkCount = ChunkCount,
                ReportSkips = VerboseWanted,
            };
            var (resolution, summary) = RunWithProgress($"Inference in {Environment.Name()}{chunk}",
                (p, ct) => InferenceRun.RunAsync(store, specs, specFile, output, documents, options, workerPath, p, ct));
            foreach (var w in resolution.Warnings)
            {
                WriteWarning(w);
            }
            foreach (var e in resolution.Errors.Concat(summary.ClassifierErrors).Concat(summary.DocumentErrors))
            {
                WriteKgError(e);
            }
            WriteVerbose($"{summary.Documents} document(s){chunk}: {summary.DocumentsClassified} classified, {summary.DocumentsUpToDate} up to date, " +
                $"{summary.DocumentsNoOp} not run on, {summary.DocumentErrors.Count} failed; {summary.Classifications:N0} passage-classifications, " +
                $"{summary.FilesWritten:N0} files written to {output.Location} in {summary.Elapsed.TotalSeconds:F2} s.");
            WriteVerbose($"Thread time per phase: {summary.PhaseLine}.");
            WriteObject(summary.Classifiers, enumerateCollection: true);
        }
        catch (KgException e)
        {
            ThrowKgError(e);
        }
    }

    /// <summary>-Scheduler: stores the batch (the document list and the spec's text) and submits one array task per chunk;
    /// writes the job. A store on this machine is refused: the nodes write their results to the store.</summary>
    private void SubmitBatch(EnvironmentStore store, string specFile, string specText, IReadOnlyList<ClassifierSpec> specs, IReadOnlyList<DocumentFile> documents)
    {
        var chunks = Math.Min(IsBound(nameof(ChunkCount)) ? ChunkCount : (documents.Count + DocumentsPerTask - 1) / DocumentsPerTask, documents.Count);
        var gpuEntries = specs.Count(s => s.RequireGpu == true);
        var gpu = gpuEntries > 0 && GpuPartition is not null;
        if (gpuEntries > 0 && !gpu && !AllowCpu)
        {
            WriteWarning($"{gpuEntries} spec entr{(gpuEntries == 1 ? "y requires" : "ies require")} a GPU, but no -GpuPartition was given: the tasks run in {(Partition is null ? "the default partition" : $"partition {Partition}")}, where {(gpuEntries == 1 ? "it is" : "they are")} not run unless a node has a GPU (or -AllowCpu).");
        }
        SlurmScheduler scheduler;
        try
        {
            TrainingBatches.RequireSharedStore(store, Scheduler, $"The inference of {documents.Count} document(s) cannot run", "run it", Environment.Name());
            scheduler = SlurmScheduler.Locate();
        }
        catch (KgException e)
        {
            ThrowKgError(e);
            return;
        }
        if (!ShouldProcess($"{specs.Count} spec entries of {specFile} over {documents.Count} document(s) in {chunks} {Scheduler} task(s){(gpu ? $" in partition {GpuPartition} (GPU)" : "")}, results to {store.Objects.Location}", "Submit inference"))
        {
            return;
        }
        var now = DateTimeOffset.UtcNow;
        var batch = new InferenceBatch
        {
            Id = BatchId.New(now),
            Environment = Environment,
            ChunkCount = chunks,
            DocumentPaths = documents.Select(d => d.Path).ToArray(),
            SpecFile = specFile,
            SpecText = specText,
            Force = Force,
            AllowCpu = AllowCpu,
            ThrottleLimit = ThrottleLimit,
            Gpu = gpu,
            CreatedAt = now,
            CreatedBy = Actor.Current,
        };
        IReadOnlyList<SubmittedBatch> submitted;
        try
        {
            RunWithProgress($"Storing the batch in {store.Objects.Location}", (_, ct) => InferenceRun.CreateBatchAsync(store, batch, ct));
            var what = $"{specs.Count} spec entries of {System.IO.Path.GetFileName(specFile)} over {documents.Count} document(s) in {chunks} chunk(s), for {Environment.Name()}";
            // The nodes read the documents at this machine's paths: with an image, the given files and folders are mounted there.
            var launch = new TaskLaunch(batch.Id, store.Configuration, _paths.Distinct(StringComparer.Ordinal).ToArray(), TaskLaunch.InferenceTask);
            submitted = RunWithProgress($"Submitting {chunks} task(s) to {scheduler.Name}", (_, ct) =>
                TrainingBatches.SubmitAsync(scheduler, store, [batch], b => Submission(b, launch, what, null), ct));
        }
        catch (KgException e)
        {
            ThrowKgError(e);
            return;
        }
        WriteObject(StartJob(store, scheduler, submitted, [], new InferenceCompletion(), $"Inference of {documents.Count} document(s) in {Environment.Name()}"));
    }

    private string SpecFile()
    {
        var explicitPath = ResolveOptionalPath(SpecPath);
        if (explicitPath is not null && File.Exists(explicitPath))
        {
            return explicitPath;
        }
        var file = SpecFolder.FileOf(SpecFolder.Resolve(explicitPath, SessionState.Path.CurrentFileSystemLocation.ProviderPath), Environment);
        return File.Exists(file) ? file : throw new KgException("SpecFileNotFound", KgErrorKind.ObjectNotFound,
            $"There is no spec file for {Environment.Name()}: '{file}' does not exist. Write it with Update-KgInferenceSpec {Environment.Name()}, or pass -SpecPath.", file);
    }

    private bool VerboseWanted => MyInvocation.BoundParameters.TryGetValue("Verbose", out var verbose)
        ? verbose is SwitchParameter { IsPresent: true }
        : GetVariableValue("VerbosePreference") is ActionPreference preference && preference != ActionPreference.SilentlyContinue && preference != ActionPreference.Ignore;
}
