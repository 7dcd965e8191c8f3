namespace KnowledgeGraph.Batches;

/// <summary>Where a task of an array job stands, as the scheduler says.</summary>
public enum TaskState
{
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>One task of an array job: its state, the scheduler's own word for it (<c>TIMEOUT</c>, <c>NODE_FAIL</c>, ...),
/// how it ended (exit code, or the signal that killed it), where it ran and its log file.</summary>
public sealed record ArrayTaskStatus
{
    public required int Index { get; init; }
    public required TaskState State { get; init; }
    public string? SchedulerState { get; init; }
    public string? Reason { get; init; }
    public int? ExitCode { get; init; }
    public int? Signal { get; init; }
    public string? Node { get; init; }
    public string? LogPath { get; init; }

    public bool IsFinished => State is TaskState.Completed or TaskState.Failed or TaskState.Cancelled;
}

/// <summary>What to submit as one array job: a script whose every task runs one task of a batch.</summary>
public sealed record ArraySubmission
{
    public required string Name { get; init; }
    public required string Script { get; init; }
    public required int Count { get; init; }
    /// <summary>The folder for the script and the tasks' logs (it must be visible to the nodes to read logs from here).</summary>
    public required string Folder { get; init; }
    public string? Partition { get; init; }
    /// <summary>Generic resources per task, such as <c>gpu:1</c>.</summary>
    public string? Gres { get; init; }
    public TimeSpan? TimeLimit { get; init; }
    /// <summary>At most this many tasks at once (null: as many as the cluster runs).</summary>
    public int? Throttle { get; init; }
}

/// <summary>An array job the scheduler accepted.</summary>
public sealed record SubmittedArray(string Scheduler, string JobId, int Count, string Folder)
{
    public override string ToString() => $"{Scheduler} job {JobId}";
}

/// <summary>A cluster scheduler that runs array jobs: submit, ask where each task stands, cancel. The module submits
/// each batch as one array job and learns the outcome of each task from the store (see <see cref="BatchMonitor"/>).</summary>
public interface ITaskScheduler
{
    string Name { get; }

    Task<SubmittedArray> SubmitAsync(ArraySubmission submission, CancellationToken cancellationToken);

    /// <summary>The tasks the scheduler still knows of (a scheduler forgets finished jobs after a while).</summary>
    Task<IReadOnlyList<ArrayTaskStatus>> GetStatusAsync(SubmittedArray job, CancellationToken cancellationToken);

    /// <summary>Cancels the whole array, or one task of it.</summary>
    Task CancelAsync(SubmittedArray job, int? index, CancellationToken cancellationToken);
}
