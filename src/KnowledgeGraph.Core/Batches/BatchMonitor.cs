using KnowledgeGraph.Environments;
using System.Text;
using System.Text.RegularExpressions;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Batches;

/// <summary>A batch the scheduler accepted, as one array job.</summary>
public sealed record SubmittedBatch(IScheduledBatch Batch, SubmittedArray Job);

/// <summary>How one task of a batch ended: its result (<see cref="IScheduledBatch.ResultAsync"/>: a TrainingResult, or an
/// inference task's record), or the error (the task's own, or the scheduler's word when the task recorded nothing).</summary>
public sealed record BatchTaskOutcome
{
    public required IScheduledBatch Batch { get; init; }
    public required int Index { get; init; }
    public object? Result { get; init; }
    public KgException? Error { get; init; }

    public string TaskName => Batch.TaskName(Index);
}

/// <summary>A task that is running, for progress: where, and the last line of its log when the log can be read here.</summary>
public sealed record RunningTask(string TaskName, string? Node, string? LastLine);

/// <summary>Where a batch stands after a poll.</summary>
public sealed record BatchProgress
{
    public required int Total { get; init; }
    public required int Pending { get; init; }
    public required IReadOnlyList<RunningTask> Running { get; init; }
    public required int Succeeded { get; init; }
    public required int Failed { get; init; }
    /// <summary>What keeps the batch from being followed (the scheduler or the store does not answer), if anything.</summary>
    public string? Problem { get; init; }

    public int Done => Succeeded + Failed;

    public override string ToString() =>
        $"{Done} of {Total} done ({Succeeded} succeeded, {Failed} failed), {Running.Count} running, {Pending} pending" + (Problem is null ? "" : $"; {Problem}");
}

/// <summary>Follows submitted batches until every task has an outcome. The store is the meeting point: a task records
/// its result there before it exits (<see cref="BatchTask"/>), so a success is known from the store alone; the scheduler
/// says which tasks are still to come and how a task that recorded nothing ended (killed, cancelled, out of time). Each
/// outcome is reported once, as soon as it is known. When the scheduler or the store does not answer, the monitor keeps
/// trying for <see cref="OutageLimit"/> before it gives the remaining tasks up.</summary>
public sealed partial class BatchMonitor(EnvironmentStore store, ITaskScheduler scheduler, IReadOnlyList<SubmittedBatch> batches)
{
    private readonly BatchStore _batches = new(store.Objects, store.Environment);
    private readonly Dictionary<(int Batch, int Index), int> _unknownPolls = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string JobId, int Index), bool> _cancelled = new();

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan OutageLimit { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>Polls after which a task the scheduler no longer knows, and that recorded nothing, is given up.</summary>
    public int LostAfterPolls { get; init; } = 3;

    public IReadOnlyList<SubmittedBatch> Batches => batches;

    /// <summary>Cancels one task (Stop-Job on a concept). Slurm drops a cancelled pending array task without a record,
    /// so the monitor remembers which ones it cancelled to tell them from lost ones.</summary>
    public async Task CancelAsync(SubmittedArray job, int index, CancellationToken cancellationToken)
    {
        _cancelled[(job.JobId, index)] = true;
        await scheduler.CancelAsync(job, index, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Polls until every task has an outcome. When <paramref name="stop"/> is cancelled, the arrays are cancelled
    /// (scancel), what tasks recorded until then is reported, and the rest end as stopped.</summary>
    public async Task RunAsync(Action<BatchTaskOutcome> report, Action<BatchProgress> progress, CancellationToken stop)
    {
        var open = batches.SelectMany((b, bi) => Enumerable.Range(0, b.Batch.Count).Select(i => (Batch: bi, Index: i))).ToHashSet();
        var total = open.Count;
        int succeeded = 0, failed = 0;
        DateTimeOffset? schedulerDown = null, storeDown = null;
        void Report((int Batch, int Index) task, BatchTaskOutcome outcome)
        {
            open.Remove(task);
            if (outcome.Error is null) succeeded++; else failed++;
            report(outcome);
        }
        while (open.Count > 0)
        {
            if (stop.IsCancellationRequested)
            {
                await StopAsync(open, Report).ConfigureAwait(false);
                break;
            }
            string? problem = null;
            Dictionary<(int, int), ArrayTaskStatus>? statuses = new();
            try
            {
                for (var b = 0; b < batches.Count; b++)
                {
                    foreach (var s in await scheduler.GetStatusAsync(batches[b].Job, stop).ConfigureAwait(false))
                    {
                        statuses[(b, s.Index)] = s;
                    }
                }
                schedulerDown = null;
            }
            catch (KgException e)
            {
                schedulerDown ??= DateTimeOffset.UtcNow;
                statuses = null;
                problem = e.Message;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                continue;
            }
            try
            {
                await DecideAsync(open, statuses, Report, stop).ConfigureAwait(false);
                storeDown = null;
            }
            catch (KgException e)
            {
                storeDown ??= DateTimeOffset.UtcNow;
                problem = $"the store does not answer ({e.Message})";
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                continue;
            }
            GiveUpAfterOutages(open, statuses, schedulerDown, storeDown, problem, Report);
            var pending = open.Count(t => statuses is null || !statuses.TryGetValue(t, out var s) || s.State == TaskState.Pending);
            var running = open.Where(t => statuses is not null && statuses.TryGetValue(t, out var s) && s.State == TaskState.Running)
                .Select(t => new RunningTask(batches[t.Batch].Batch.TaskName(t.Index), statuses![t].Node, LogTail.LastLine(statuses[t].LogPath)))
                .ToArray();
            progress(new BatchProgress { Total = total, Pending = pending, Running = running, Succeeded = succeeded, Failed = failed, Problem = problem });
            if (open.Count > 0)
            {
                try
                {
                    await Task.Delay(PollInterval, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    /// <summary>Decides what the store and the scheduler say about each open task. Store errors propagate (the caller
    /// counts the outage); the scheduler's answer is null when it did not give one.</summary>
    private async Task DecideAsync(HashSet<(int Batch, int Index)> open, Dictionary<(int, int), ArrayTaskStatus>? statuses,
        Action<(int, int), BatchTaskOutcome> report, CancellationToken cancellationToken)
    {
        foreach (var b in open.Select(t => t.Batch).Distinct().ToArray())
        {
            var batch = batches[b].Batch;
            var recorded = await _batches.ListResultsAsync(batch.Id, cancellationToken).ConfigureAwait(false);
            foreach (var task in open.Where(t => t.Batch == b).OrderBy(t => t.Index).ToArray())
            {
                ArrayTaskStatus? status = null;
                var known = statuses is not null && statuses.TryGetValue(task, out status);
                var finished = statuses is not null && (!known || status!.IsFinished);
                if (recorded.Contains(task.Index))
                {
                    var result = await _batches.ReadResultAsync(batch.Id, task.Index, cancellationToken).ConfigureAwait(false);
                    if (result is { Succeeded: true })
                    {
                        report(task, await SucceededAsync(batch, task.Index, result, cancellationToken).ConfigureAwait(false));
                    }
                    else if (result is not null && finished)
                    {
                        report(task, new BatchTaskOutcome { Batch = batch, Index = task.Index, Error = WithLog(result.ToException(), status) });
                    }
                    continue;
                }
                if (known && status!.IsFinished)
                {
                    report(task, new BatchTaskOutcome { Batch = batch, Index = task.Index, Error = FromScheduler(batch, task.Index, status) });
                }
                else if (statuses is not null && !known && _cancelled.ContainsKey((batches[b].Job.JobId, task.Index)))
                {
                    report(task, new BatchTaskOutcome
                    {
                        Batch = batch,
                        Index = task.Index,
                        Error = FromScheduler(batch, task.Index, new ArrayTaskStatus { Index = task.Index, State = TaskState.Cancelled }),
                    });
                }
                else if (statuses is not null && !known)
                {
                    var polls = _unknownPolls[task] = _unknownPolls.GetValueOrDefault(task) + 1;
                    if (polls >= LostAfterPolls)
                    {
                        report(task, new BatchTaskOutcome
                        {
                            Batch = batch,
                            Index = task.Index,
                            Error = new KgException("TaskLost", KgErrorKind.ResourceUnavailable,
                                $"{batch.TaskActivity(task.Index)} (task {task.Index} of {batches[b].Job}) ended without recording a result, and {scheduler.Name} no longer knows how it ended. {batch.LeftOver}",
                                batch.TaskName(task.Index)),
                        });
                    }
                }
            }
        }
    }

    private async Task<BatchTaskOutcome> SucceededAsync(IScheduledBatch batch, int index, BatchTaskResult result, CancellationToken cancellationToken)
    {
        try
        {
            return new BatchTaskOutcome { Batch = batch, Index = index, Result = await batch.ResultAsync(store, result, cancellationToken).ConfigureAwait(false) };
        }
        catch (KgException e) when (e.ErrorId is "TaskResultMismatch" or "ChecksumMismatch" or "ModelFileMissing" or "CorruptEvaluation")
        {
            return new BatchTaskOutcome { Batch = batch, Index = index, Error = e };
        }
    }

    /// <summary>After <see cref="OutageLimit"/> without an answer, tasks that cannot be decided any more get an error:
    /// all of them when the scheduler is gone, the finished ones when only the store is.</summary>
    private void GiveUpAfterOutages(HashSet<(int Batch, int Index)> open, Dictionary<(int, int), ArrayTaskStatus>? statuses,
        DateTimeOffset? schedulerDown, DateTimeOffset? storeDown, string? problem, Action<(int, int), BatchTaskOutcome> report)
    {
        var now = DateTimeOffset.UtcNow;
        var schedulerGone = schedulerDown is { } s && now - s >= OutageLimit;
        var storeGone = storeDown is { } d && now - d >= OutageLimit;
        if (!schedulerGone && !storeGone)
        {
            return;
        }
        foreach (var task in open.ToArray())
        {
            var finished = statuses is not null && (!statuses.TryGetValue(task, out var st) || st.IsFinished);
            if (!schedulerGone && !finished)
            {
                continue;
            }
            var batch = batches[task.Batch].Batch;
            var q = batch.TaskName(task.Index);
            var what = batch.TaskActivity(task.Index);
            report(task, new BatchTaskOutcome
            {
                Batch = batch,
                Index = task.Index,
                Error = storeGone
                    ? new KgException("StoreUnavailable", KgErrorKind.ConnectionError,
                        $"The outcome of {Lower(what)} could not be read from the store for {OutageLimit.TotalMinutes:0} minutes ({problem}). {batch.LeftOver}", q)
                    : new KgException("SchedulerUnavailable", KgErrorKind.ConnectionError,
                        $"{scheduler.Name} did not answer for {OutageLimit.TotalMinutes:0} minutes ({problem}), so {Lower(what)} was given up. {batch.LeftOver}", q),
            });
        }
    }

    private async Task StopAsync(HashSet<(int Batch, int Index)> open, Action<(int, int), BatchTaskOutcome> report)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        foreach (var submitted in batches)
        {
            try
            {
                await scheduler.CancelAsync(submitted.Job, null, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is KgException or OperationCanceledException)
            {
            }
        }
        // What finished before the cancellation still counts.
        try
        {
            foreach (var b in open.Select(t => t.Batch).Distinct().ToArray())
            {
                var batch = batches[b].Batch;
                var recorded = await _batches.ListResultsAsync(batch.Id, timeout.Token).ConfigureAwait(false);
                foreach (var task in open.Where(t => t.Batch == b && recorded.Contains(t.Index)).ToArray())
                {
                    if (await _batches.ReadResultAsync(batch.Id, task.Index, timeout.Token).ConfigureAwait(false) is { Succeeded: true } result)
                    {
                        report(task, await SucceededAsync(batch, task.Index, result, timeout.Token).ConfigureAwait(false));
                    }
                }
            }
        }
        catch (Exception e) when (e is KgException or OperationCanceledException)
        {
        }
        foreach (var task in open.OrderBy(t => t.Batch).ThenBy(t => t.Index).ToArray())
        {
            var batch = batches[task.Batch].Batch;
            report(task, new BatchTaskOutcome
            {
                Batch = batch,
                Index = task.Index,
                Error = new KgException("BatchStopped", KgErrorKind.OperationStopped,
                    $"{batch.TaskActivity(task.Index)} was stopped (Stop-Job cancelled {batches[task.Batch].Job}) before it recorded a result. {batch.LeftOver}", batch.TaskName(task.Index)),
            });
        }
    }

    /// <summary>The error of a task that recorded nothing, from how the scheduler says it ended.</summary>
    public static KgException FromScheduler(IScheduledBatch batch, int index, ArrayTaskStatus s)
    {
        var where = s.Node is null ? "" : $" on {s.Node}";
        var (what, target, left) = (batch.TaskActivity(index), batch.TaskName(index), batch.LeftOver);
        var error = s switch
        {
            { State: TaskState.Cancelled } => new KgException("TaskCancelled", KgErrorKind.OperationStopped,
                $"{what} was cancelled{where} (scancel) before it recorded a result. {left}", target),
            // Slurm ends a task at its limit with a signal (ExitCode=0:15): the state says why, so it is read first.
            { SchedulerState: "TIMEOUT" or "DEADLINE" } => new KgException("TaskTimedOut", KgErrorKind.LimitsExceeded,
                $"{what} reached its time limit{where} before it recorded a result (a longer -TimeLimit gives it more time). {left}", target),
            { Signal: { } signal } => new KgException("TaskKilled", KgErrorKind.OperationStopped,
                $"{what} was killed by signal {signal}{where} before it recorded a result. {left}", target),
            { State: TaskState.Completed } => new KgException("TaskEndedWithoutResult", KgErrorKind.InvalidOperation,
                $"{what} ended{where} without recording a result. {left}", target),
            _ => new KgException("TaskFailed", KgErrorKind.InvalidOperation,
                $"{what} failed{where} ({s.SchedulerState}{(s.ExitCode is { } code ? $", exit code {code}" : "")}{(s.Reason is null ? "" : $", {s.Reason}")}) before it recorded a result. {left}", target),
        };
        return WithLog(error, s);
    }

    private static string Lower(string activity) => activity.Length == 0 ? activity : char.ToLowerInvariant(activity[0]) + activity[1..];

    /// <summary>The error with the end of the task's log, when the log can be read here.</summary>
    private static KgException WithLog(KgException e, ArrayTaskStatus? s)
    {
        var tail = LogTail.Read(s?.LogPath, 3);
        return tail.Count == 0 ? e : new KgException(e.ErrorId, e.Kind, $"{e.Message} Its log ({s!.LogPath}) ends: {string.Join(" | ", tail)}", e.Target, e.InnerException);
    }
}

/// <summary>The end of a task's log, without terminal colour codes.</summary>
public static partial class LogTail
{
    public static IReadOnlyList<string> Read(string? path, int lines)
    {
        if (path is null || !File.Exists(path))
        {
            return [];
        }
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(Math.Max(0, stream.Length - 8192), SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return Ansi().Replace(reader.ReadToEnd(), "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)
                .TakeLast(lines).Select(l => l.Length > 300 ? l[..300] + "…" : l).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    public static string? LastLine(string? path) => Read(path, 1) is [var line] ? line : null;

    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]", RegexOptions.CultureInvariant)]
    private static partial Regex Ansi();
}
