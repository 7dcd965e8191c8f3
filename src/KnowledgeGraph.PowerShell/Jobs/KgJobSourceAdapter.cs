using System.Collections.Concurrent;
using System.Management.Automation;

namespace KnowledgeGraph.PowerShell.Jobs;

/// <summary>Registers the module's batch jobs with PowerShell's job manager, so that Get-Job, Wait-Job, Receive-Job,
/// Stop-Job and Remove-Job find them as they find Start-Job's. Import-Module registers it (a public JobSourceAdapter in a
/// binary module); one instance per session holds that session's batch jobs, which end with the session (the batch on
/// the cluster does not: its versions stay in the store).</summary>
public sealed class KgJobSourceAdapter : JobSourceAdapter
{
    private readonly ConcurrentDictionary<Guid, Job2> _jobs = new();

    public KgJobSourceAdapter() => Name = nameof(KgJobSourceAdapter);

    /// <summary>Adds a job the module made (it travels in the specification's parameters) and starts it.</summary>
    internal static KgBatchJob Register(PSCmdlet cmdlet, KgBatchJob job)
    {
        var definition = new JobDefinition(typeof(KgJobSourceAdapter), job.Command, job.Name);
        var parameters = new Dictionary<string, object> { [nameof(KgBatchJob)] = job };
        var registered = cmdlet.JobManager.NewJob(new JobInvocationInfo(definition, parameters));
        registered.StartJob();
        return (KgBatchJob)registered;
    }

    public override Job2 NewJob(JobInvocationInfo specification)
    {
        var job = specification.Parameters.SelectMany(p => p).Select(p => p.Value).OfType<KgBatchJob>().FirstOrDefault()
            ?? throw new PSArgumentException("A KgBatchJob is made by Deploy-KgClassifier or Invoke-KgTraining with -Scheduler, not by a job definition.");
        _jobs[job.InstanceId] = job;
        return job;
    }

    public override IList<Job2> GetJobs() => _jobs.Values.OrderBy(j => j.Id).ToList();

    public override IList<Job2> GetJobsByName(string name, bool recurse)
    {
        var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
        return _jobs.Values.Where(j => pattern.IsMatch(j.Name)).OrderBy(j => j.Id).ToList();
    }

    public override IList<Job2> GetJobsByCommand(string command, bool recurse)
    {
        var pattern = WildcardPattern.Get(command, WildcardOptions.IgnoreCase);
        return _jobs.Values.Where(j => pattern.IsMatch(j.Command)).OrderBy(j => j.Id).ToList();
    }

    public override Job2? GetJobByInstanceId(Guid instanceId, bool recurse) => _jobs.GetValueOrDefault(instanceId);

    public override Job2? GetJobBySessionId(int id, bool recurse) => _jobs.Values.FirstOrDefault(j => j.Id == id);

    public override IList<Job2> GetJobsByState(JobState state, bool recurse) =>
        _jobs.Values.Where(j => j.JobStateInfo.State == state).OrderBy(j => j.Id).ToList();

    public override IList<Job2> GetJobsByFilter(Dictionary<string, object> filter, bool recurse) =>
        throw new PSNotSupportedException("KgBatchJob jobs are found by ID, name, command or state.");

    /// <summary>Remove-Job: a job still running is stopped first (its arrays cancelled on the cluster).</summary>
    public override void RemoveJob(Job2 job)
    {
        if (_jobs.TryRemove(job.InstanceId, out var removed))
        {
            removed.StopJob();
            removed.Dispose();
        }
    }
}
