using System.Management.Automation;
using KnowledgeGraph.Batches;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Invoke-KgTrainingTask: runs one task of a training batch, what every Slurm array element, AWS Batch array
/// child or Kubernetes Job pod of a batch runs: reads the batch and the task's concept from the environment's store,
/// trains it as Invoke-KgTraining does, stores the version and records the outcome for the job that follows the batch.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "KgTrainingTask", SupportsShouldProcess = true)]
[OutputType(typeof(TrainingResult))]
public sealed class InvokeKgTrainingTaskCommand : BatchTaskCmdlet
{
    protected override void Process()
    {
        if (Start("Train and store a new version") is not { } task)
        {
            return;
        }
        var (id, index, store) = task;
        WriteObject(RunWithProgress($"Training task {index} of batch {id}", (p, ct) => BatchTask.RunAsync(store, id, index, Trainers.Service, new Narrated(p), ct)));
    }
}
