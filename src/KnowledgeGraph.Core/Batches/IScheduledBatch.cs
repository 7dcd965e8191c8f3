using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;

namespace KnowledgeGraph.Batches;

/// <summary>What the scheduler side (submission, <see cref="BatchMonitor"/>, the job) needs to know of a stored batch,
/// whatever its tasks do: a training batch (one task per concept) or an inference batch (one task per chunk of
/// documents). Both record their tasks' outcomes the same way (<see cref="BatchStore"/>).</summary>
public interface IScheduledBatch
{
    string Id { get; }
    KgEnvironment Environment { get; }
    int Count { get; }
    /// <summary>Whether the tasks need a GPU node.</summary>
    bool Gpu { get; }

    /// <summary>What task <paramref name="index"/> is about, as a job and its errors name it: a concept's ID, or <c>chunk 3</c>.</summary>
    string TaskName(int index);

    /// <summary>What task <paramref name="index"/> does, to start a sentence: <c>Training Q9001</c>, <c>Inference chunk 3 of 8</c>.</summary>
    string TaskActivity(int index);

    /// <summary>What is left of a task that ended without recording a result, said after the error.</summary>
    string LeftOver { get; }

    /// <summary>The object the job gives for a task that recorded a success (what a local run would have output).</summary>
    Task<object> ResultAsync(EnvironmentStore store, BatchTaskResult record, CancellationToken cancellationToken);
}
