using System.Management.Automation;
using KnowledgeGraph.Batches;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Inference;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.PowerShell.Jobs;

/// <summary>What a batch job does with each concept's outcome: what the command that submitted it would have done with
/// a local training.</summary>
internal abstract class BatchCompletion
{
    /// <summary>A concept refused before the batch was submitted (not found, invalid).</summary>
    public abstract void Refused(KgBatchTaskJob child, KgException error);

    /// <summary>A task ended (called from the job's thread, in the order the outcomes become known).</summary>
    public abstract void TaskEnded(KgBatchTaskJob child, BatchTaskOutcome outcome);

    /// <summary>Every task has ended, or the batch was stopped. <paramref name="output"/> writes to the batch job's own output.</summary>
    public abstract Task EndAsync(IReadOnlyList<KgBatchTaskJob> children, bool stopped, Action<ErrorRecord> batchError, Action<string> status, Action<object> output);
}

/// <summary>Invoke-KgTraining -Scheduler: each concept's TrainingResult (or error) as soon as its task ends.</summary>
internal sealed class TrainingCompletion : BatchCompletion
{
    public override void Refused(KgBatchTaskJob child, KgException error) => child.Fail(error, null);

    public override void TaskEnded(KgBatchTaskJob child, BatchTaskOutcome outcome)
    {
        if (outcome.Result is { } result)
        {
            child.Complete(result);
        }
        else
        {
            child.Fail(outcome.Error!, null, stopped: outcome.Error!.ErrorId == "BatchStopped");
        }
    }

    public override Task EndAsync(IReadOnlyList<KgBatchTaskJob> children, bool stopped, Action<ErrorRecord> batchError, Action<string> status, Action<object> output) => Task.CompletedTask;
}

/// <summary>Deploy-KgClassifier -Scheduler: when every task has ended, the trained versions are promoted (as a local
/// deployment promotes them) and the spec is updated once, before any concept's result or error is written; a stopped
/// batch promotes nothing.</summary>
internal sealed class DeployCompletion(DeployPlan plan, string? specFolder) : BatchCompletion
{
    private readonly Dictionary<KgBatchTaskJob, BatchTaskOutcome> _outcomes = [];

    public override void Refused(KgBatchTaskJob child, KgException error) => child.Fail(error, Deployment.Failed(plan, child.WikibaseId!, error));

    public override void TaskEnded(KgBatchTaskJob child, BatchTaskOutcome outcome)
    {
        _outcomes[child] = outcome;
        child.Note(outcome.Result is null ? $"Failed: {outcome.Error!.ErrorId}" : "Trained; promoted when the batch has ended");
    }

    public override async Task EndAsync(IReadOnlyList<KgBatchTaskJob> children, bool stopped, Action<ErrorRecord> batchError, Action<string> status, Action<object> output)
    {
        var ended = children.Where(_outcomes.ContainsKey).ToArray();
        var trained = stopped ? [] : ended.Where(c => _outcomes[c].Result is not null).ToArray();
        status($"Promoting {trained.Length} classifier(s)");
        var promotions = await ParallelWork.MapAsync(trained, plan.Store.Parallelism, async (child, ct) =>
        {
            try
            {
                return (Result: await Deployment.PromoteAsync(plan, (TrainingResult)_outcomes[child].Result!, null, ct).ConfigureAwait(false), Error: (KgException?)null);
            }
            catch (DeployFailure failure)
            {
                return (Result: failure.Result, Error: failure.Inner);
            }
        }, CancellationToken.None).ConfigureAwait(false);
        var promoted = trained.Zip(promotions).ToDictionary(p => p.First, p => p.Second);
        if (specFolder is not null && promotions.Any(p => p.Result.Promoted))
        {
            status("Updating the spec");
            try
            {
                await SpecUpdater.UpdateAsync(plan.Store, specFolder, CancellationToken.None).ConfigureAwait(false);
            }
            catch (KgException e)
            {
                batchError(KgCmdlet.ToErrorRecord(e, plan.Environment.Name()));
            }
        }
        foreach (var child in ended)
        {
            var outcome = _outcomes[child];
            if (promoted.TryGetValue(child, out var p))
            {
                if (p.Error is null)
                {
                    child.Complete(p.Result);
                }
                else
                {
                    child.Fail(p.Error, p.Result);
                }
            }
            else if (outcome.Result is TrainingResult result)
            {
                // Stopped after this concept was trained: its version stays stored, unpromoted.
                var error = new KgException("BatchStopped", KgErrorKind.OperationStopped,
                    $"{child.WikibaseId} was trained ({result.ClassifierId} {result.Version}) but the batch was stopped before promotion; promote it with Publish-KgClassifier {child.WikibaseId} {result.ClassifierId} {plan.Environment.Name()} -AddClassifiersProfile {plan.Profile.AddProfiles[0]}.",
                    child.WikibaseId);
                child.Fail(error, Deployment.Failed(plan, child.WikibaseId!, error) with { Trained = true, ClassifierId = result.ClassifierId, Version = Identifiers.ModelVersion.Parse(result.Version), SpanF1 = result.SpanF1 }, stopped: true);
            }
            else
            {
                child.Fail(outcome.Error!, Deployment.Failed(plan, child.WikibaseId!, outcome.Error!), stopped: outcome.Error!.ErrorId == "BatchStopped");
            }
        }
    }
}

/// <summary>Invoke-KgInference -Scheduler: each chunk's errors as soon as its task ends; when every task has ended, one
/// row per spec entry for the whole run (the chunks' rows combined), as a local run outputs them. Errors every chunk
/// met alike (a spec entry that cannot run, a document path the nodes cannot read) are reported once.</summary>
internal sealed class InferenceCompletion : BatchCompletion
{
    private readonly List<IReadOnlyList<InferenceClassifierRun>> _rows = [];
    private readonly HashSet<(string, string)> _reported = [];

    public override void Refused(KgBatchTaskJob child, KgException error) => child.Fail(error, null);

    public override void TaskEnded(KgBatchTaskJob child, BatchTaskOutcome outcome)
    {
        if (outcome.Result is Batches.BatchTaskResult record)
        {
            _rows.Add(record.Classifiers ?? []);
            child.CompleteWithErrors(record.Errors.Where(e => _reported.Add((e.ErrorId, e.Message))).ToArray());
        }
        else
        {
            child.Fail(outcome.Error!, null, stopped: outcome.Error!.ErrorId == "BatchStopped");
        }
    }

    public override Task EndAsync(IReadOnlyList<KgBatchTaskJob> children, bool stopped, Action<ErrorRecord> batchError, Action<string> status, Action<object> output)
    {
        foreach (var row in InferenceBatch.Combine(_rows))
        {
            output(row);
        }
        return Task.CompletedTask;
    }
}
