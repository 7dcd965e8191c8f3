using System.Management.Automation;
using KnowledgeGraph.Batches;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.PowerShell.Jobs;
using KnowledgeGraph.PowerShell.Loading;

namespace KnowledgeGraph.PowerShell;

/// <summary>The base of the commands that can run here or as a batch on a cluster (-Scheduler Slurm): training
/// (<see cref="ScheduledTrainingCmdlet"/>) and Invoke-KgInference. It owns the cluster's parameters and their checks,
/// and turns stored batches into one array job each, followed by a <see cref="KgBatchJob"/>.</summary>
public abstract class ScheduledCmdlet : KgCmdlet
{
    /// <summary>Slurm's names for partitions (letters, digits, _ . -).</summary>
    private const string PartitionPattern = "^[A-Za-z0-9_.-]{1,64}$";

    /// <summary>Where to run: Local (here, the default) or Slurm (a batch on the cluster Slurm's commands reach).</summary>
    [Parameter]
    [ValidateSet(typeof(SchedulerValues))]
    public string Scheduler { get; set; } = "Local";

    /// <summary>The Slurm partition for the batch (the cluster's default when omitted).</summary>
    [Parameter]
    [ValidatePattern(PartitionPattern)]
    public string? Partition { get; set; }

    /// <summary>The Slurm partition for work that requires a GPU; its tasks get --gres=gpu:1 there.</summary>
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

    /// <summary>The command line, as the job's command.</summary>
    protected string JobCommand => MyInvocation.Line.Trim().Length > 0 ? MyInvocation.Line.Trim() : MyInvocation.MyCommand.Name;

    /// <summary>Refuses the cluster's parameters without -Scheduler, parameters that only apply here with it, and a bad
    /// image reference or time limit, before anything happens.</summary>
    protected void CheckClusterParameters(string purpose, params string[] localOnly)
    {
        var clusterOnly = new[] { nameof(Partition), nameof(GpuPartition), nameof(Image), nameof(TimeLimit) }.Where(IsBound).ToArray();
        if (!OnCluster && clusterOnly.Length > 0)
        {
            ThrowKgError(Error("SchedulerParameterWithoutScheduler", KgErrorKind.InvalidArgument,
                $"-{string.Join(", -", clusterOnly)} {(clusterOnly.Length == 1 ? "applies" : "apply")} to a batch on a cluster: add -Scheduler Slurm, or leave {(clusterOnly.Length == 1 ? "it" : "them")} out to {purpose} here."));
        }
        var conflicting = localOnly.Where(IsBound).ToArray();
        if (OnCluster && conflicting.Length > 0)
        {
            ThrowKgError(Error("LocalParameterWithScheduler", KgErrorKind.InvalidArgument,
                $"-{string.Join(", -", conflicting)} cannot be used with -Scheduler {Scheduler}: a batch on a cluster {(purpose == "train" ? "stores its versions" : "writes its results")} in the environment's store."));
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

    /// <summary>sbatch's submission of a stored batch: the task script (<see cref="TaskLaunch"/>), in the GPU partition
    /// with one GPU per task when the batch needs one.</summary>
    private protected ArraySubmission Submission(IScheduledBatch batch, TaskLaunch launch, string what, int? throttle) => new()
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

    /// <summary>The job that follows submitted batches, one child per task, registered with PowerShell's job manager.</summary>
    private protected KgBatchJob StartJob(EnvironmentStore store, SlurmScheduler scheduler, IReadOnlyList<SubmittedBatch> submitted,
        IReadOnlyList<(KgBatchTaskJob Child, KgException Error)> refused, BatchCompletion completion, string activity)
    {
        var command = JobCommand;
        var monitor = submitted.Count == 0 ? null : new BatchMonitor(new StoreProvider(Stores.Settings, () => Dependencies.Infrastructure.S3).For(store.Environment), scheduler, submitted);
        var children = submitted.SelectMany(s => Enumerable.Range(0, s.Batch.Count).Select(i =>
            new KgBatchTaskJob(command, s.Batch.TaskName(i), s.Batch is TrainingBatch ? s.Batch.TaskName(i) : null, s.Batch.Id, i, () => Cancel(monitor!, s.Job, i)))).ToArray();
        var name = submitted.Count == 0 ? "KgBatch" : $"KgBatch-{submitted[0].Batch.Id}";
        var job = new KgBatchJob(command, name, store.Environment, monitor, children, refused, completion, activity);
        WriteVerbose($"Submitted {children.Length} task(s) as {job.Location}; batches {string.Join(", ", job.BatchIds)} in {store.Objects.Location}; logs in {string.Join(", ", job.LogFolders)}.");
        return KgJobSourceAdapter.Register(this, job);
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
}
