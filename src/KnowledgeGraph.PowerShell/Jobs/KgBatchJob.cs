using System.ComponentModel;
using System.Management.Automation;
using KnowledgeGraph.Batches;
using KnowledgeGraph.Environments;

namespace KnowledgeGraph.PowerShell.Jobs;

/// <summary>A batch on a cluster scheduler, as a PowerShell job: Get-Job lists it (type KgBatchJob), Wait-Job waits for
/// it, Receive-Job returns the result objects a local run writes and error records (from its child jobs, one per task,
/// and its own output) and replays its progress (live with -Wait), Stop-Job cancels the arrays on the cluster,
/// Remove-Job forgets it. It follows the batch from a thread of this session (<see cref="BatchMonitor"/>) and, when every
/// task has ended, finishes what the command does afterwards (<see cref="BatchCompletion"/>: Deploy-KgClassifier
/// promotes and updates the spec once; Invoke-KgInference combines the chunks' rows).</summary>
public sealed class KgBatchJob : Job2
{
    public const string TypeName = "KgBatchJob";
    private const int ProgressId = 1;
    private const int MaxTaskRecords = 10;

    private readonly BatchMonitor? _monitor;
    private readonly BatchCompletion _completion;
    private readonly IReadOnlyList<KgBatchTaskJob> _children;
    private readonly IReadOnlyList<(KgBatchTaskJob Child, KgException Error)> _refused;
    private readonly Dictionary<(string BatchId, int Index), KgBatchTaskJob> _byTask = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<int> _taskRecords = [];
    private readonly object _gate = new();
    private Task? _run;
    private string _status = "Submitted";
    private readonly string _activity;

    internal KgBatchJob(string command, string name, KgEnvironment environment, BatchMonitor? monitor, IReadOnlyList<KgBatchTaskJob> children,
        IReadOnlyList<(KgBatchTaskJob Child, KgException Error)> refused, BatchCompletion completion, string activity)
        : base(command, name, children.Concat(refused.Select(r => r.Child)).Cast<Job>().ToList())
    {
        _activity = activity;
        PSJobTypeName = TypeName;
        Environment = environment;
        _monitor = monitor;
        _children = children;
        _refused = refused;
        _completion = completion;
        foreach (var child in children)
        {
            _byTask[(child.BatchId!, child.Index!.Value)] = child;
        }
    }

    public KgEnvironment Environment { get; }
    public string Scheduler => _monitor?.Batches.FirstOrDefault()?.Job.Scheduler ?? SlurmScheduler.SchedulerName;
    /// <summary>The scheduler's job IDs (one array job per batch: the concepts that need a GPU are a batch of their own).</summary>
    public IReadOnlyList<string> SchedulerJobIds => _monitor?.Batches.Select(b => b.Job.JobId).ToArray() ?? [];
    /// <summary>The batches in the store (batches/&lt;id&gt;/).</summary>
    public IReadOnlyList<string> BatchIds => _monitor?.Batches.Select(b => b.Batch.Id).ToArray() ?? [];
    /// <summary>Where the tasks' logs are (one per task: &lt;job&gt;_&lt;index&gt;.log).</summary>
    public IReadOnlyList<string> LogFolders => _monitor?.Batches.Select(b => b.Job.Folder).Distinct().ToArray() ?? [];

    public override string StatusMessage => _status;

    public override bool HasMoreData =>
        Output.Count > 0 || Error.Count > 0 || Warning.Count > 0 || Progress.Count > 0 || ChildJobs.Any(c => c.HasMoreData);

    public override string Location => SchedulerJobIds.Count == 0 ? Scheduler : $"{Scheduler} job {string.Join(", ", SchedulerJobIds)}";

    public override void StartJob()
    {
        lock (_gate)
        {
            if (_run is not null)
            {
                return;
            }
            SetJobState(JobState.Running);
            _run = Task.Run(RunAsync);
        }
    }

    public override void StartJobAsync()
    {
        StartJob();
        OnStartJobCompleted(new AsyncCompletedEventArgs(null, false, null));
    }

    /// <summary>Cancels the arrays on the cluster (scancel) and waits until this job has recorded how each concept ended.</summary>
    public override void StopJob() => StopJob(false, null);

    public override void StopJob(bool force, string? reason)
    {
        if (JobStateInfo.State is JobState.Completed or JobState.Failed or JobState.Stopped)
        {
            return;
        }
        _stop.Cancel();
        _run?.Wait();
    }

    public override void StopJobAsync() => StopJobAsync(false, null);

    public override void StopJobAsync(bool force, string? reason) => Task.Run(() =>
    {
        StopJob(force, reason);
        OnStopJobCompleted(new AsyncCompletedEventArgs(null, false, null));
    });

    public override void SuspendJob() => throw NotSupported("suspended");
    public override void SuspendJobAsync() => throw NotSupported("suspended");
    public override void SuspendJob(bool force, string? reason) => throw NotSupported("suspended");
    public override void SuspendJobAsync(bool force, string? reason) => throw NotSupported("suspended");
    public override void ResumeJob() => throw NotSupported("resumed");
    public override void ResumeJobAsync() => throw NotSupported("resumed");
    public override void UnblockJob() => throw NotSupported("unblocked");
    public override void UnblockJobAsync() => throw NotSupported("unblocked");

    private static PSNotSupportedException NotSupported(string what) =>
        new($"A batch cannot be {what}: Stop-Job cancels it on the cluster, and its work can be run again.");

    private async Task RunAsync()
    {
        foreach (var (child, error) in _refused)
        {
            _completion.Refused(child, error);
        }
        try
        {
            if (_monitor is not null)
            {
                await _monitor.RunAsync(TaskEnded, Report, _stop.Token).ConfigureAwait(false);
            }
            _status = _stop.IsCancellationRequested ? "Stopped: finishing" : "Finishing";
            await _completion.EndAsync(_children, _stop.IsCancellationRequested, e => Error.Add(e), s => _status = s, o => Output.Add(PSObject.AsPSObject(o))).ConfigureAwait(false);
        }
        catch (Exception e) when (e is KgException or OperationCanceledException or InvalidOperationException or IOException)
        {
            Error.Add(e is KgException k ? KgCmdlet.ToErrorRecord(k, Name) : new ErrorRecord(e, "BatchJobFailed", ErrorCategory.NotSpecified, Name));
        }
        finally
        {
            foreach (var id in _taskRecords)
            {
                Progress.Add(new ProgressRecord(id, "Task", "Done") { ParentActivityId = ProgressId, RecordType = ProgressRecordType.Completed });
            }
            Progress.Add(new ProgressRecord(ProgressId, Activity, "Done") { RecordType = ProgressRecordType.Completed });
            var failed = Error.Count > 0 || ChildJobs.Any(c => c.JobStateInfo.State is JobState.Failed);
            _status = _stop.IsCancellationRequested ? "Stopped" : failed ? "Failed" : "Completed";
            SetJobState(_stop.IsCancellationRequested ? JobState.Stopped : failed ? JobState.Failed : JobState.Completed);
        }
    }

    private string Activity => $"{_activity} on {Location}";

    private void TaskEnded(BatchTaskOutcome outcome)
    {
        if (_byTask.TryGetValue((outcome.Batch.Id, outcome.Index), out var child))
        {
            _completion.TaskEnded(child, outcome);
        }
    }

    /// <summary>One progress record for the batch, and one per running task (the first few) with its log's last line.</summary>
    private void Report(BatchProgress p)
    {
        _status = p.ToString();
        Progress.Add(new ProgressRecord(ProgressId, Activity, p.ToString()) { PercentComplete = p.Total == 0 ? 100 : 100 * p.Done / p.Total });
        var shown = new HashSet<int>();
        foreach (var (task, n) in p.Running.Take(MaxTaskRecords).Select((t, n) => (t, n)))
        {
            var id = ProgressId + 1 + n;
            shown.Add(id);
            Progress.Add(new ProgressRecord(id, task.TaskName, task.Node is null ? "Running" : $"Running on {task.Node}")
            {
                ParentActivityId = ProgressId,
                CurrentOperation = task.LastLine ?? "",
            });
        }
        foreach (var id in _taskRecords.Except(shown))
        {
            Progress.Add(new ProgressRecord(id, "Task", "Done") { ParentActivityId = ProgressId, RecordType = ProgressRecordType.Completed });
        }
        _taskRecords.Clear();
        _taskRecords.UnionWith(shown);
        var running = p.Running.Select(r => r.TaskName).ToHashSet(StringComparer.Ordinal);
        foreach (var child in _children.Where(c => !c.IsFinished && running.Contains(c.Name)))
        {
            child.MarkRunning(p.Running.First(r => r.TaskName == child.Name).Node);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop.Dispose();
        }
        base.Dispose(disposing);
    }
}
