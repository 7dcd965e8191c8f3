using System.Management.Automation;
using KnowledgeGraph.Inference;
using KnowledgeGraph.PowerShell.Loading;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Invoke-KgInferenceTask: runs one task of an inference batch (Invoke-KgInference -Scheduler), what every
/// Slurm array element of the batch runs: reads the batch and its spec from the environment's store, runs the spec over
/// the task's chunk of the documents as Invoke-KgInference -ChunkIndex does, writing the results to the store, and
/// records its rows and errors for the job that follows the batch.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "KgInferenceTask", SupportsShouldProcess = true)]
[OutputType(typeof(InferenceClassifierRun))]
public sealed class InvokeKgInferenceTaskCommand : BatchTaskCmdlet
{
    protected override void Process()
    {
        if (Start("Run inference over a chunk of the documents") is not { } task)
        {
            return;
        }
        var (id, index, store) = task;
        var result = RunWithProgress($"Inference task {index} of batch {id}", (p, ct) =>
            InferenceRun.RunTaskAsync(store, id, index, Dependencies.Infrastructure.SpecParser, Trainers.WorkerPath, false, new Narrated(p), ct));
        foreach (var e in result.Errors)
        {
            WriteKgError(e);
        }
        WriteObject(result.Classifiers ?? [], enumerateCollection: true);
    }
}
