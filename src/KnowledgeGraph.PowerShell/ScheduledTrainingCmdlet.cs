using System.Management.Automation;
using KnowledgeGraph.Batches;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.PowerShell.Jobs;
using KnowledgeGraph.PowerShell.Loading;

namespace KnowledgeGraph.PowerShell;

/// <summary>The base of the commands that train (Deploy-KgClassifier, Invoke-KgTraining): here by default, or, with
/// -Scheduler Slurm, as a batch on a cluster: one array job, one task per concept, each running the same trainer
/// (Invoke-KgTrainingTask) against the environment's shared store. The command then returns a job (KgBatchJob) instead
/// of results; Receive-Job gives the results.</summary>
public abstract class ScheduledTrainingCmdlet : KgCmdlet
{
    /// <summary>Slurm's names for partitions (letters, digits, _ . -).</summary>
    private const string PartitionPattern = "^[A-Za-z0-9_.-]{1,64}$";

    /// <summary>Where to train: Local (here, the default) or Slurm (a batch on the cluster Slurm's commands reach).</summary>
    [Parameter]
    [ValidateSet(typeof(SchedulerValues))]
    public string Scheduler { get; set; } = "Local";

    /// <summary>The Slurm partition for the batch (the cluster's default when omitted).</summary>
    [Parameter]
    [ValidatePattern(PartitionPattern)]
    public string? Partition { get; set; }

    /// <summary>The Slurm partition for concepts that require a GPU; they get --gres=gpu:1 there.</summary>
    [Parameter]
    [ValidatePattern(PartitionPattern)]
    public string? GpuPartition { get; set; }

    /// <summary>The container image the tasks run in (build.ps1 Image); without it they run the module installed on the nodes.</summary>
    [Parameter]
    public string? Image { get; set; }

    /// <summary>The time limit of each task (sbatch --time), from one second to 365 days.</summary>
    [Parameter]
    public TimeSpan? TimeLimit { get; set; }

    private static readonly TimeSpan MaxTimeLimit = TimeSpan.FromDays(365);

    protected bool OnCluster => !string.Equals(Scheduler, "Local", StringComparison.OrdinalIgnoreCase);

    /// <summary>Refuses the cluster's parameters without -Scheduler, and a bad image reference, before anything happens.</summary>
    protected void CheckSchedulerParameters(params string[] localOnly)
    {
        var clusterOnly = new[] { nameof(Partition), nameof(GpuPartition), nameof(Image), nameof(TimeLimit) }.Where(IsBound).ToArray();
        if (!OnCluster && clusterOnly.Length > 0)
        {
            ThrowKgError(Error("SchedulerParameterWithoutScheduler", KgErrorKind.InvalidArgument,
                $"-{string.Join(", -", clusterOnly)} {(clusterOnly.Length == 1 ? "applies" : "apply")} to a batch on a cluster: add -Scheduler Slurm, or leave {(clusterOnly.Length == 1 ? "it" : "them")} out to train here."));
        }
        var conflicting = localOnly.Where(IsBound).ToArray();
        if (OnCluster && conflicting.Length > 0)
        {
            ThrowKgError(Error("LocalParameterWithScheduler", KgErrorKind.InvalidArgument,
                $"-{string.Join(", -", conflicting)} cannot be used with -Scheduler {Scheduler}: a batch on a cluster stores its versions in the environment's store."));
        }
        if (TimeLimit is { } limit && (limit < TimeSpan.FromSeconds(1) || limit > MaxTimeLimit))
        {
            ThrowKgError(Error("InvalidTimeLimit", KgErrorKind.InvalidArgument,
                $"-TimeLimit {limit} is not a time limit for a task: give one from 00:00:01 to 365.00:00:00 (such as 02:00:00 for two hours).", limit));
        }
        if (Image is not null)
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
    }

    /// <summary>Submits the concepts as a batch and writes the job. Concepts that cannot go (refused while planning, or
    /// because the store is not shared or Slurm cannot be reached) get an error each; nothing is stored or submitted for a
    /// batch that cannot go as a whole.</summary>
    private protected void SubmitBatch(EnvironmentStore store, IReadOnlyList<DeployItem> items, BatchTraining training, int? throttle, BatchCompletion completion)
    {
        var command = MyInvocation.Line.Trim().Length > 0 ? MyInvocation.Line.Trim() : MyInvocation.MyCommand.Name;
        var ready = items.Where(i => i.Concept is not null).ToList();
        var refused = items.Where(i => i.Concept is null).Select(i => (Child: new KgBatchTaskJob(command, i.WikibaseId, null, null, null), Error: i.Error!)).ToList();
        SlurmScheduler scheduler;
        try
        {
            foreach (var item in ready)
            {
                TrainingBatches.RequireSharedStore(store, Scheduler, item.WikibaseId);
            }
            scheduler = SlurmScheduler.Locate();
        }
        catch (KgException e)
        {
            foreach (var item in items)
            {
                WriteKgError(item.Error ?? PerConcept(e, item.WikibaseId), item.WikibaseId);
            }
            return;
        }
        IReadOnlyList<SubmittedBatch> submitted = [];
        if (ready.Count > 0)
        {
            try
            {
                var ids = ready.Select(i => i.WikibaseId).ToArray();
                var gpu = training.Options.Device.Equals("Cuda", StringComparison.OrdinalIgnoreCase)
                    ? ids.ToHashSet(StringComparer.Ordinal)
                    : RunWithProgress("Reading which concepts require a GPU", (_, ct) => TrainingBatches.GpuConceptsAsync(store, ids, ct));
                if (gpu.Count > 0 && GpuPartition is null)
                {
                    WriteWarning($"{gpu.Count} concept(s) require a GPU ({string.Join(", ", gpu.Order(StringComparer.Ordinal).Take(10))}{(gpu.Count > 10 ? ", ..." : "")}), but no -GpuPartition was given: they train in {(Partition is null ? "the default partition" : $"partition {Partition}")} without a GPU.");
                    gpu = new HashSet<string>();
                }
                var batches = RunWithProgress($"Storing the batch in {store.Objects.Location}", (_, ct) =>
                    TrainingBatches.CreateAsync(store, ready.Select(i => i.Concept!).ToArray(), training, gpu, ct));
                submitted = RunWithProgress($"Submitting {ready.Count} task(s) to {scheduler.Name}", (_, ct) =>
                    TrainingBatches.SubmitAsync(scheduler, store, batches, b => Submission(store, b, training, throttle), ct));
            }
            catch (KgException e)
            {
                foreach (var item in items)
                {
                    WriteKgError(item.Error ?? PerConcept(e, item.WikibaseId), item.WikibaseId);
                }
                return;
            }
        }
        var monitor = submitted.Count == 0 ? null : new BatchMonitor(new StoreProvider(Stores.Settings, () => Dependencies.Infrastructure.S3).For(store.Environment), scheduler, submitted);
        var children = submitted.SelectMany(s => Enumerable.Range(0, s.Batch.Count).Select(i =>
            new KgBatchTaskJob(command, s.Batch.WikibaseIds[i], s.Batch.Id, i, () => Cancel(monitor!, s.Job, i)))).ToArray();
        var name = submitted.Count == 0 ? "KgBatch" : $"KgBatch-{submitted[0].Batch.Id}";
        var job = new KgBatchJob(command, name, store.Environment, monitor, children, refused, completion);
        WriteVerbose($"Submitted {children.Length} task(s) as {job.Location}; batches {string.Join(", ", job.BatchIds)} in {store.Objects.Location}; logs in {string.Join(", ", job.LogFolders)}.");
        WriteObject(KgJobSourceAdapter.Register(this, job));
    }

    private ArraySubmission Submission(EnvironmentStore store, TrainingBatch batch, BatchTraining training, int? throttle)
    {
        var launch = new TaskLaunch(batch.Id, store.Configuration, training.CorpusPaths);
        var what = $"{batch.Count} {batch.Type} classifier(s) for {batch.Environment.Name()}: {string.Join(", ", batch.WikibaseIds.Take(10))}{(batch.Count > 10 ? ", ..." : "")}";
        return new ArraySubmission
        {
            Name = $"kg-{batch.Environment.Name()}-{batch.Id}",
            Script = launch.SlurmScript(what, Image, PwshOnNodes(), Path.Combine(Dependencies.ModuleFolder, "KnowledgeGraph.psd1"), batch.Gpu),
            Count = batch.Count,
            Folder = Path.Combine(KgPaths.Home, "batches", batch.Id),
            Partition = batch.Gpu ? GpuPartition : Partition,
            Gres = batch.Gpu ? "gpu:1" : null,
            TimeLimit = TimeLimit,
            Throttle = throttle,
        };
    }

    /// <summary>The pwsh that runs this module, to run it on the nodes too (without an image, the module and
    /// PowerShell must be at the same paths there: a shared file system, or the same installation).</summary>
    private string[] PwshOnNodes()
    {
        var home = SessionState.PSVariable.GetValue("PSHOME") as string ?? AppContext.BaseDirectory;
        var apphost = Path.Combine(home, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
        return File.Exists(apphost) ? [apphost] : ["dotnet", Path.Combine(home, "pwsh.dll")];
    }

    private static void Cancel(BatchMonitor monitor, SubmittedArray job, int index)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        monitor.CancelAsync(job, index, timeout.Token).GetAwaiter().GetResult();
    }

    /// <summary>A batch-wide failure, told for one concept (each concept gets its own error record).</summary>
    private static KgException PerConcept(KgException e, string wikibaseId) =>
        e.Target is string t && t == wikibaseId ? e : new KgException(e.ErrorId, e.Kind, $"{wikibaseId}: {e.Message}", wikibaseId, e);
}
