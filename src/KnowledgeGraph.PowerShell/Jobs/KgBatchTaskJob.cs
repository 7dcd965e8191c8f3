using System.Management.Automation;

namespace KnowledgeGraph.PowerShell.Jobs;

/// <summary>One task of a batch, as a child of its <see cref="KgBatchJob"/>: a concept of a training batch (its output is
/// the result object a local run writes, a TrainingResult or a DeployResult) or a chunk of an inference batch (its
/// errors; the rows of the whole run are the batch job's own output); its errors are error records with the module's
/// ErrorIds. Receive-Job on the batch job gathers every child's.</summary>
public sealed class KgBatchTaskJob : Job
{
    private string _status = "Pending";

    private readonly Action? _cancel;

    internal KgBatchTaskJob(string command, string name, string? wikibaseId, string? batchId, int? index, Action? cancel)
        : base(command, name)
    {
        _cancel = cancel;
        PSJobTypeName = KgBatchJob.TypeName;
        WikibaseId = wikibaseId;
        BatchId = batchId;
        Index = index;
    }

    /// <summary>The concept of a training task (null for an inference chunk).</summary>
    public string? WikibaseId { get; }
    /// <summary>The batch the concept is part of, and its task number there (null when it was refused before submission).</summary>
    public string? BatchId { get; }
    public int? Index { get; }
    /// <summary>The node it ran on, as the scheduler said.</summary>
    public string? Node { get; private set; }

    public override string StatusMessage => _status;

    public override bool HasMoreData => Output.Count > 0 || Error.Count > 0 || Warning.Count > 0 || Verbose.Count > 0 || Progress.Count > 0 || Information.Count > 0;

    public override string Location => Node ?? "";

    /// <summary>Cancels this task on the cluster (scancel &lt;job&gt;_&lt;index&gt;); the batch goes on with the
    /// others, and this child then ends with a TaskCancelled error.</summary>
    public override void StopJob()
    {
        if (!IsFinished)
        {
            _cancel?.Invoke();
        }
    }

    internal void MarkRunning(string? node)
    {
        Node = node ?? Node;
        _status = "Running" + (node is null ? "" : $" on {node}");
        if (JobStateInfo.State == JobState.NotStarted)
        {
            SetJobState(JobState.Running);
        }
    }

    internal void Note(string status) => _status = status;

    internal void Complete(object result)
    {
        Output.Add(PSObject.AsPSObject(result));
        _status = "Completed";
        SetJobState(JobState.Completed);
    }

    /// <summary>Ends the child with an error (and, for Deploy, the concept's result object, which records the error too).</summary>
    internal void Fail(KgException error, object? result, bool stopped = false)
    {
        if (result is not null)
        {
            Output.Add(PSObject.AsPSObject(result));
        }
        Error.Add(KgCmdlet.ToErrorRecord(error, WikibaseId ?? Name));
        _status = error.ErrorId;
        SetJobState(stopped ? JobState.Stopped : JobState.Failed);
    }

    /// <summary>Ends the child as completed, with the non-terminating errors its task recorded.</summary>
    internal void CompleteWithErrors(IReadOnlyList<KgException> errors)
    {
        foreach (var e in errors)
        {
            Error.Add(KgCmdlet.ToErrorRecord(e, e.Target ?? Name));
        }
        _status = errors.Count == 0 ? "Completed" : $"Completed with {errors.Count} error(s)";
        SetJobState(JobState.Completed);
    }

    internal bool IsFinished => JobStateInfo.State is JobState.Completed or JobState.Failed or JobState.Stopped;
}
