using System.Management.Automation;
using KnowledgeGraph.Batches;
using KnowledgeGraph.Environments;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Invoke-KgTrainingTask: runs one task of a training batch, what every Slurm array element, AWS Batch array
/// child or Kubernetes Job pod of a batch runs: reads the batch and the task's concept from the environment's store,
/// trains it as Invoke-KgTraining does, stores the version and records the outcome for the job that follows the batch.
/// Its progress is written as verbose messages too, so that a task's log shows it.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "KgTrainingTask", SupportsShouldProcess = true)]
[OutputType(typeof(TrainingResult))]
public sealed class InvokeKgTrainingTaskCommand : KgCmdlet
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

    protected override void Process()
    {
        var id = Batches.BatchId.Parse(BatchId);
        var (index, source) = Index is { } given ? (given, "-Index") : BatchTask.IndexFromEnvironment();
        WriteVerbose($"Batch {id}, task {(index is null ? "0 (the only one)" : $"{index} ({source})")}, on {System.Environment.MachineName}.");
        var store = StoreFor(Environment);
        if (!ShouldProcess($"task {index?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "0"} of batch {id} in {Environment.Name()} ({store.Objects.Location})", "Train and store a new version"))
        {
            return;
        }
        WriteObject(RunWithProgress($"Training task {index} of batch {id}", (p, ct) => BatchTask.RunAsync(store, id, index, Trainers.Service, new Narrated(p), ct)));
    }

    /// <summary>Each new progress status also as a verbose message: a task's log has no progress bar.</summary>
    private sealed class Narrated(IProgress<WorkProgress> inner) : IProgress<WorkProgress>
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
