using System.Management.Automation;
using KnowledgeGraph.Batches;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Arguments;

namespace KnowledgeGraph.PowerShell;

/// <summary>The base of the commands a batch's tasks run (Invoke-KgTrainingTask, Invoke-KgInferenceTask): the batch, the
/// environment whose store holds it, and the task's number (from the scheduler's variable by default). Their progress is
/// written as verbose messages too, so that a task's log shows it.</summary>
public abstract class BatchTaskCmdlet : KgCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string BatchId { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [KgEnvironmentTransformation]
    [ArgumentCompleter(typeof(EnvironmentCompleter))]
    public EnvironmentName Environment { get; set; }

    /// <summary>The task's number in the batch; by default from $env:SLURM_ARRAY_TASK_ID, $env:AWS_BATCH_JOB_ARRAY_INDEX
    /// or $env:JOB_COMPLETION_INDEX (0 for a batch of one).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, int.MaxValue)]
    public int? Index { get; set; }

    /// <summary>Reads the batch ID and the task number, says where the task runs, opens the store and asks ShouldProcess;
    /// null when the task is not to run (-WhatIf).</summary>
    private protected (string Id, int? Index, EnvironmentStore Store)? Start(string action)
    {
        var id = Batches.BatchId.Parse(BatchId);
        var (index, source) = Index is { } given ? (given, "-Index") : BatchTask.IndexFromEnvironment();
        WriteVerbose($"Batch {id}, task {(index is null ? "0 (the only one)" : $"{index} ({source})")}, on {System.Environment.MachineName}.");
        var store = StoreFor(Environment);
        return ShouldProcess($"task {index?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "0"} of batch {id} in {Environment.Name()} ({store.Objects.Location})", action)
            ? (id, index, store) : null;
    }

    /// <summary>Each new progress status also as a verbose message: a task's log has no progress bar.</summary>
    private protected sealed class Narrated(IProgress<WorkProgress> inner) : IProgress<WorkProgress>
    {
        private string? _last;

        public void Report(WorkProgress value)
        {
            inner.Report(value);
            var line = value.Status is null ? null : value.Detail is null ? value.Status : $"{value.Status}: {value.Detail}";
            if (line is not null && line != _last)
            {
                _last = line;
                inner.Report(WorkProgress.Message(line));
            }
        }
    }
}
